/*
 * Starts the screener widget (rasa-webchat) with the clinic's settings from config.js,
 * which the server generates from clinic/clinic.yml.
 */
(function () {
  "use strict";
  var config = window.SCREENER_CONFIG;
  if (!config || !window.WebChat) {
    if (window.console) { console.error("screener: config.js or webchat.js did not load"); }
    return;
  }
  var colours = config.colours || {};
  var rootStyle = document.documentElement.style;
  rootStyle.setProperty("--screener-primary", colours.primary);
  rootStyle.setProperty("--screener-accent", colours.accent);
  rootStyle.setProperty("--screener-on-primary", colours.text_on_primary);

  var holder = document.getElementById("screener-widget");
  if (!holder) {
    holder = document.createElement("div");
    holder.id = "screener-widget";
    document.body.appendChild(holder);
  }

  window.WebChat.default({
    selector: "#screener-widget",
    initPayload: config.initPayload,
    socketUrl: config.socketUrl,
    socketPath: config.socketPath,
    title: config.clinicName,
    subtitle: "Runner glute screener",
    inputTextFieldHint: "Type your answer...",
    mainColor: colours.primary,
    userBackgroundColor: colours.primary,
    userTextColor: colours.text_on_primary,
    hideWhenNotConnected: false,
    connectOn: "mount",
    showFullScreenButton: false,
    docViewer: false,
    customMessageDelay: function () { return 250; },
    params: {
      storage: config.storage,
      images: { dims: { width: 280, height: 201 } }
    }
  }, null);

  // rasa-webchat draws pictures without alt text: add the description the SVG itself carries.
  var descriptions = config.pictureDescriptions || {};
  function describe(image) {
    var src = image.getAttribute("src") || "";
    var path = src;
    try { path = new URL(src, window.location.href).pathname; } catch (error) { /* keep src */ }
    var text = descriptions[path];
    if (text && image.getAttribute("alt") !== text) {
      image.setAttribute("alt", text);
      image.setAttribute("title", text);
    }
  }
  function describeAll(root) {
    if (root.querySelectorAll) {
      Array.prototype.forEach.call(root.querySelectorAll("img"), describe);
    }
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) {
        if (node.nodeType !== 1) { return; }
        if (node.tagName === "IMG") { describe(node); } else { describeAll(node); }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
  describeAll(document.body);
})();
