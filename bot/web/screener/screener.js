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

  // The conversation deleted on the server (the runner stopped or said goodbye without agreeing
  // to keep it: bot/stores.py) is deleted here too. The server then sends "conversation_deleted"
  // (bot/channels/socketio.py). rasa-webchat keeps the chat and its session id in the tab's
  // storage under "chat_session" and writes it again on every change, so from then on it is
  // removed after every change and when the page goes: a reload starts a new, empty session.
  var SESSION_KEY = "chat_session";
  var deleted = false;
  function forgetChat() {
    if (!deleted) { return; }
    try {
      (config.storage === "session" ? window.sessionStorage : window.localStorage).removeItem(SESSION_KEY);
    } catch (error) { /* storage turned off: nothing is kept anyway */ }
  }
  window.addEventListener("pagehide", forgetChat);

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
    onSocketEvent: {
      conversation_deleted: function () { deleted = true; forgetChat(); }
    },
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
  // Accessibility rasa-webchat leaves out: names for its icon buttons, quick replies a keyboard
  // can reach, a focusable message list, and a live region that reads out each bot message.
  var announcer = document.createElement("div");
  announcer.id = "screener-announcer";
  announcer.className = "screener-visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-relevant", "additions");
  document.body.appendChild(announcer);

  function setAttributes(node, attributes) {
    Object.keys(attributes).forEach(function (name) {
      if (node.getAttribute(name) !== attributes[name]) { node.setAttribute(name, attributes[name]); }
    });
  }
  function label() {
    var open = !!document.querySelector(".rw-widget-container.rw-chat-open");
    var launcher = document.querySelector(".rw-launcher");
    if (launcher) {
      setAttributes(launcher, { "aria-label": open ? "Close the chat" : "Open the chat with " + config.clinicName,
        "aria-expanded": String(open) });
    }
    Array.prototype.forEach.call(document.querySelectorAll(".rw-close-button"), function (button) {
      setAttributes(button, { "aria-label": "Close the chat" });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".rw-send"), function (button) {
      setAttributes(button, { "aria-label": "Send" });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".rw-send svg, .rw-launcher img, .rw-close-button img"), function (icon) {
      setAttributes(icon, { "aria-hidden": "true" });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".rw-new-message"), function (input) {
      setAttributes(input, { "aria-label": "Your answer" });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".rw-messages-container"), function (list) {
      setAttributes(list, { role: "region", "aria-label": "Conversation with " + config.clinicName, tabindex: "0" });
    });
    Array.prototype.forEach.call(document.querySelectorAll("div.rw-reply"), function (reply) {
      setAttributes(reply, { role: "button", tabindex: "0" });
    });
  }

  // Quick replies are <div>s with a click handler: Enter and Space press them too. The reply
  // then goes away, so the keyboard's focus moves to the answer box.
  document.addEventListener("keydown", function (event) {
    var reply = event.target;
    if (!reply.matches || !reply.matches("div.rw-reply") || (event.key !== "Enter" && event.key !== " ")
        || event.ctrlKey || event.altKey || event.metaKey) { return; }
    event.preventDefault();
    reply.click();
    window.setTimeout(function () {
      var input = document.querySelector(".rw-new-message");
      if (input && !document.body.contains(reply)) { input.focus(); }
    }, 0);
  });

  // rasa-webchat shows its typing dots only while it holds back a reply that has come
  // (customMessageDelay). The same dots, drawn here, cover the wait before that: from the
  // runner's message until the bot's reply or rasa-webchat's own dots turn up.
  var typingTimer = null;
  function stopTyping() {
    window.clearTimeout(typingTimer);
    Array.prototype.forEach.call(document.querySelectorAll(".screener-typing"), function (dots) {
      dots.parentNode.removeChild(dots);
    });
  }
  function startTyping(list) {
    stopTyping();
    var dots = document.createElement("div");
    dots.className = "rw-message rw-typing-indication screener-typing";
    dots.setAttribute("aria-hidden", "true");
    var bubble = dots.appendChild(document.createElement("div"));
    bubble.className = "rw-response";
    var wave = bubble.appendChild(document.createElement("div"));
    wave.className = "screener-wave";
    for (var dot = 0; dot < 3; dot += 1) { wave.appendChild(document.createElement("span")).className = "rw-dot"; }
    list.appendChild(dots);
    list.scrollTop = list.scrollHeight;
    typingTimer = window.setTimeout(stopTyping, 30000);  // never leave the dots on for good
  }

  // Count the messages on every change. A new list (the chat opened, or the page reloaded)
  // shows messages already said: only later bot messages are read out.
  var list = null;
  var botSeen = 0;
  var runnerSeen = 0;
  function spoken(message) {
    var text = message.querySelector(".rw-message-text");
    if (text) { return text.innerText.trim(); }
    return Array.prototype.map.call(message.querySelectorAll("img[alt]"), function (image) {
      return image.getAttribute("alt");
    }).join(" ").trim();
  }
  function announce(text) {
    var line = document.createElement("p");
    line.textContent = text;
    announcer.appendChild(line);
    while (announcer.childNodes.length > 5) { announcer.removeChild(announcer.firstChild); }
  }
  function follow() {
    var current = document.querySelector(".rw-messages-container");
    if (!current) { list = null; return; }
    var bots = current.querySelectorAll(".rw-from-response > .rw-message");
    var runners = current.querySelectorAll(".rw-from-client > .rw-message").length;
    if (current === list) {
      for (var index = botSeen; index < bots.length; index += 1) {
        var text = spoken(bots[index]);
        if (text) { announce(text); }
      }
      if (runners > runnerSeen && bots.length <= botSeen) { startTyping(current); }
    }
    if (bots.length > botSeen || current.querySelector(".rw-typing-indication:not(.screener-typing)")) { stopTyping(); }
    list = current;
    botSeen = bots.length;
    runnerSeen = runners;
  }

  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) {
        if (node.nodeType !== 1) { return; }
        if (node.tagName === "IMG") { describe(node); } else { describeAll(node); }
      });
    });
    label();
    follow();
    forgetChat();
  }).observe(document.body, { childList: true, subtree: true });
  describeAll(document.body);
  label();
  follow();
})();
