// Drives the demo clinic page in Debian's Chromium (headless, through playwright-core) like a
// runner would: opens the widget with the launcher, completes a whole screen with buttons and
// typed answers, checks the result and the booking link, runs axe-core on the page, types
// hostile input, reloads the page and checks the conversation is kept (with the session id the
// server signed). Then, in new tabs (new conversations): a conversation deleted by "stop"
// without consent, which leaves nothing in the tab; a whole screen with the keyboard alone; and
// the chat on a phone-sized screen.
// Prints one JSON line with what it saw; exits non-zero (with the reason in "error") when a
// step fails. Run by tests/channels/test_web_widget.py.
//
// Environment: SCREENER_URL (the page), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (default test-output), STEP_TIMEOUT_MS (default 30000).

import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(path.join(ROOT, "bot/web/package.json"));
const { chromium } = require("playwright-core");
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

const URL = process.env.SCREENER_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = path.resolve(ROOT, process.env.SCREENSHOT_DIR || "test-output");
const TIMEOUT = Number(process.env.STEP_TIMEOUT_MS || 30000);
const report = { steps: [], images: [], console_errors: [], external_requests: [] };

// What the runner answers, by the question the bot just asked. Typed answers are free text.
const ANSWERS = [
  [/Shall we start\?/, { click: "Start & keep answers" }],
  [/Where do you get sore or painful/, { click: "Knee" }],
  [/Which side is it on\?/, { type: "left" }],
  [/When do you notice it\?/, { type: "after my runs" }],
  [/how bad is it from 0 to 10\?/, { type: "4" }],
  [/harder work than it should/, { click: "No" }],
  [/Which running injuries have you had/, { click: "Runner's knee" }],
  [/keep coming back\?/, { click: "Yes" }],
  [/hours a day do you spend sitting\?/, { click: "8 or 9" }],
  [/picked up any of these in your running\?/, { click: "Overstriding" }],
  [/Self-check 1 of 3[\s\S]*try it now, or skip/, { click: "Do it now" }],
  [/How did the squeeze go\?/, { click: "One side was harder" }],
  [/one side harder or slower to switch on\?/, { click: "Left was harder" }],
  [/Where did you feel the squeeze the most\?/, { click: "Back of my thigh" }],
  [/Self-check 2 of 3[\s\S]*try it now, or skip/, { click: "Skip" }],
  [/Self-check 3 of 3[\s\S]*try it now, or skip/, { click: "Do it now" }],
  [/How did the donkey kicks go\?/, { click: "Something felt off" }],
  [/Did any of these happen\?/, { click: "Couldn't feel my glute" }],
  [/good, controlled lifts could you do with your left leg\?/, { click: "5" }],
  [/And with your right leg\?/, { click: "10" }],
  [/(safety questions|A few more|safety part)/, { click: "None of these" }],
];

function fail(message) {
  throw new Error(message);
}

// Bot messages (the typing dots are a .rw-response too, but outside the message groups).
const BOT_MESSAGES = ".rw-messages-container .rw-from-response .rw-response";

async function botTexts(page) {
  return page.$$eval(BOT_MESSAGES, (nodes) => nodes.map((n) => n.innerText));
}

async function userTexts(page) {
  return page.$$eval(".rw-messages-container .rw-client", (nodes) => nodes.map((n) => n.innerText));
}

async function botCount(page) {
  return page.$$eval(BOT_MESSAGES, (nodes) => nodes.length);
}

// Wait until the bot has answered (bot messages beyond `before`; the runner's own message does
// not count, since a slow reply would otherwise look like a quiet bot) and gone quiet a moment.
async function settle(page, before) {
  const deadline = Date.now() + TIMEOUT;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const count = await botCount(page);
    if (count !== last) {
      last = count;
      stableSince = Date.now();
    } else if (count > before && Date.now() - stableSince > 900) {
      return;
    }
    await page.waitForTimeout(100);
  }
  fail(`the bot did not answer within ${TIMEOUT} ms (bot messages: ${last}, before: ${before})`);
}

// axe-core (npm) on the whole page, WCAG 2.2 AA. Injected through the DevTools protocol, which
// the page's Content-Security-Policy (script-src 'self') does not stop.
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ").slice(0, 200)}`),
  }));
}

async function visibleReplies(page) {
  return page.$$eval(".rw-messages-container .rw-reply", (nodes) =>
    nodes.filter((n) => n.offsetParent !== null).map((n) => n.innerText.trim()));
}

async function click(page, title) {
  const before = await botCount(page);
  const button = page.locator(".rw-messages-container .rw-reply", { hasText: title }).filter({
    hasText: new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`),
  }).last();
  await button.waitFor({ state: "visible", timeout: TIMEOUT });
  await button.click();
  await settle(page, before);
}

async function type(page, text) {
  const before = await botCount(page);
  const input = page.locator(".rw-sender .rw-new-message");
  await input.waitFor({ state: "visible", timeout: TIMEOUT });
  await input.fill(text);
  await input.press("Enter");
  await settle(page, before);
}

async function openWidget(page) {
  const launcher = page.locator(".rw-launcher");
  await launcher.waitFor({ state: "visible", timeout: TIMEOUT });
  if (!(await page.locator(".rw-conversation-container").isVisible())) {
    const before = await botCount(page);
    await launcher.click();
    await page.locator(".rw-conversation-container").waitFor({ state: "visible", timeout: TIMEOUT });
    return before;
  }
  return botCount(page);
}

const ANSWERED = (text) => /What would you like to do now\?/.test(text);

// Answers the bot's questions (ANSWERS) with `act(action, recent)` until the result; true once
// it is there. Each step goes into `steps`.
async function answerUntilResult(page, steps, act) {
  let seen = 0;
  for (let step = 0; step < 40; step += 1) {
    // The bot may answer in more than one burst (a slow action): wait for the question.
    let texts = await botTexts(page);
    let recent = texts.slice(seen).join("\n");
    let answer = ANSWERS.find(([pattern]) => pattern.test(recent));
    const deadline = Date.now() + TIMEOUT;
    while (!answer && !ANSWERED(recent) && Date.now() < deadline) {
      await page.waitForTimeout(300);
      texts = await botTexts(page);
      recent = texts.slice(seen).join("\n");
      answer = ANSWERS.find(([pattern]) => pattern.test(recent));
    }
    seen = texts.length;
    if (ANSWERED(recent)) return true;
    if (!answer) fail(`no answer for the bot's message: ${JSON.stringify(recent.slice(-400))}`);
    const action = answer[1];
    steps.push({ asked: recent.slice(-120), ...action });
    await act(action, recent);
  }
  return false;
}

// What the page's live region (#screener-announcer) is given, from now on.
async function recordAnnouncements(page) {
  await page.evaluate(() => {
    const region = document.getElementById("screener-announcer");
    window.__announced = [];
    if (!region) return;
    new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
      window.__announced.push(node.textContent);
    }))).observe(region, { childList: true });
  });
}

async function announcements(page) {
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  const region = await page.evaluate(() => {
    const node = document.getElementById("screener-announcer");
    return node && { live: node.getAttribute("aria-live"), hidden: node.getBoundingClientRect().width <= 1 };
  });
  const announced = (await page.evaluate(() => window.__announced || [])).map(squash);
  const bot = (await botTexts(page)).map(squash).filter(Boolean);
  const alts = await page.$$eval(".rw-messages-container img", (nodes) => nodes.map((n) => n.getAttribute("alt") || ""));
  const pictures = alts.map(squash);
  const texts = announced.filter((text) => !pictures.includes(text));
  const differs = bot.findIndex((text, index) => texts[index] !== text);
  return {
    region, count: announced.length, bot_messages: bot.length,
    // every bot message, in order, and nothing else (the runner's own messages are not read out)
    texts_match: texts.length === bot.length && differs < 0,
    first_difference: differs < 0 ? null : { bot: bot[differs], announced: texts[differs] || null },
    pictures_missing: pictures.filter((alt) => !announced.includes(alt)),
  };
}

// Sends a message with `send` and records, on every change of the message list, whether the
// typing dots are on screen: they should come after the runner's message, before the reply,
// and be gone once the bot has answered.
async function watchTyping(page, send) {
  await page.evaluate(() => {
    window.__typing = [];
    const started = performance.now();
    const state = () => {
      const list = document.querySelector(".rw-messages-container");
      const dots = list && list.querySelector(".rw-typing-indication");
      let shown = false;
      if (dots) {
        const box = dots.getBoundingClientRect();
        const frame = list.getBoundingClientRect();
        shown = box.height > 0 && box.top >= frame.top - 1 && box.bottom <= frame.bottom + 1
          && getComputedStyle(dots).visibility !== "hidden";
      }
      return {
        ms: Math.round(performance.now() - started), dots: shown,
        runner: document.querySelectorAll(".rw-from-client > .rw-message").length,
        bot: document.querySelectorAll(".rw-from-response > .rw-message").length,
      };
    };
    window.__typing.push(state());
    window.__typingObserver = new MutationObserver(() => window.__typing.push(state()));
    window.__typingObserver.observe(document.body, { childList: true, subtree: true });
  });
  await send();
  const log = await page.evaluate(() => {
    window.__typingObserver.disconnect();
    return window.__typing;
  });
  const [first] = log;
  const sent = log.findIndex((entry) => entry.runner > first.runner);
  const replied = log.findIndex((entry) => entry.bot > first.bot);
  const shown = log.findIndex((entry, index) => index >= sent && entry.dots);
  return {
    before_send: first.dots,
    shown_after_send: sent >= 0 && shown >= sent,
    shown_with_the_message: sent >= 0 && log[sent].dots,  // not only once the reply has come
    shown_before_reply: shown >= 0 && replied >= 0 && shown < replied,
    shown_ms_after_send: shown >= 0 && sent >= 0 ? log[shown].ms - log[sent].ms : null,
    reply_ms_after_send: replied >= 0 && sent >= 0 ? log[replied].ms - log[sent].ms : null,
    gone_at_the_end: !log[log.length - 1].dots,
  };
}

// The session id the widget keeps in the tab's session storage (rasa-webchat's "chat_session").
async function storedSession(page) {
  return page.evaluate(() => {
    const raw = window.sessionStorage.getItem("chat_session");
    return raw ? JSON.parse(raw).session_id || null : null;
  });
}

const STOPPED = (text) => /stopped the screen/.test(text);

// "Start, keep nothing", then "stop": the server deletes the conversation and says so, and the
// widget's copy in the tab's session storage goes too. A reload then starts afresh.
async function deletedConversation(page) {
  const run = {};
  await page.goto(URL, { waitUntil: "load", timeout: TIMEOUT });
  const before = await openWidget(page);
  await settle(page, before);
  await click(page, "Start, keep nothing");
  run.session_before = await storedSession(page);
  await type(page, "stop");
  run.stopped = (await botTexts(page)).some(STOPPED);
  await page.waitForTimeout(2000);  // the last replies shown (250 ms apart), and a little more
  run.stored_after = await page.evaluate(() => window.sessionStorage.getItem("chat_session"));
  await page.reload({ waitUntil: "load" });
  const again = await openWidget(page);
  await settle(page, again);
  const texts = await botTexts(page);
  run.after_reload = { stopped_shown: texts.some(STOPPED), welcome: texts.some((t) => /Shall we start\?/.test(t)) };
  run.session_after = await storedSession(page);
  return run;
}

// Keyboard alone: press `key` until the focused element matches `selector` (and `text`).
async function focusBy(page, key, selector, text = null, limit = 40) {
  for (let presses = 0; presses <= limit; presses += 1) {
    const found = await page.evaluate(([wanted, title]) => {
      const node = document.activeElement;
      return !!node && node.matches(wanted) && (title === null || node.innerText.trim() === title);
    }, [selector, text]);
    if (found) return presses;
    await page.keyboard.press(key);
  }
  fail(`${key} did not reach ${selector}${text ? ` "${text}"` : ""} in ${limit} presses`);
}

async function keyboardScreen(page) {
  const run = { steps: [] };
  await page.goto(URL, { waitUntil: "load", timeout: TIMEOUT });
  await page.evaluate(() => {
    window.__pointer = 0;
    for (const name of ["pointerdown", "mousedown"]) document.addEventListener(name, () => { window.__pointer += 1; }, true);
  });
  await page.locator(".rw-launcher").waitFor({ state: "visible", timeout: TIMEOUT });
  run.launcher_presses = await focusBy(page, "Tab", ".rw-launcher");
  run.launcher_name = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  await page.keyboard.press("Enter");
  await page.locator(".rw-conversation-container").waitFor({ state: "visible", timeout: TIMEOUT });
  await settle(page, 0);
  run.focus_after_open = await page.evaluate(() => document.activeElement.className);
  let presses = 0;
  run.result_reached = await answerUntilResult(page, run.steps, async (action) => {
    const before = await botCount(page);
    if (action.click) {
      // from the answer box, back (Shift+Tab) to the newest buttons; Enter and Space in turn
      const key = presses % 2 ? "Space" : "Enter";
      presses += 1;
      run.steps[run.steps.length - 1].tabs = await focusBy(page, "Shift+Tab", "[role=button].rw-reply", action.click);
      run.steps[run.steps.length - 1].key = key;
      await page.keyboard.press(key);
    } else {
      run.steps[run.steps.length - 1].tabs = await focusBy(page, "Tab", ".rw-new-message");
      await page.keyboard.type(action.type);
      await page.keyboard.press("Enter");
    }
    await settle(page, before);
  });
  const all = (await botTexts(page)).join("\n");
  run.booking_link = all.includes("https://stride-clinic.example/book/gait-analysis");
  run.pointer_events = await page.evaluate(() => window.__pointer);
  await page.screenshot({ path: path.join(SHOTS, "channels-web-keyboard.png") });
  return run;
}

// A phone-sized screen: the open widget with a long message (and a long unbroken address).
async function phoneScreen(page) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL, { waitUntil: "load", timeout: TIMEOUT });
  const before = await openWidget(page);
  await settle(page, before);
  await type(page, "My left knee has been sore after my long runs for about three weeks, mostly on the outside, and "
    + "it gets worse on hills and stairs. My coach sent me https://stride-clinic.example/articles/"
    + "knee-pain-on-the-outside-after-long-downhill-runs-and-what-to-do-about-it-before-your-next-race "
    + "and said to rest, but it comes back every time I run more than ten kilometres. ".repeat(3));
  await page.screenshot({ path: path.join(SHOTS, "channels-web-phone.png") });
  const layout = await page.evaluate(() => {
    const width = window.innerWidth;
    const height = window.innerHeight;
    const inside = (selector) => {
      const node = document.querySelector(selector);
      if (!node) return false;
      const box = node.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && box.left >= -0.5 && box.top >= -0.5
        && box.right <= width + 0.5 && box.bottom <= height + 0.5;
    };
    const overflowing = [];
    for (const node of document.querySelectorAll("body *")) {
      if (node.closest(".screener-visually-hidden")) continue;
      const box = node.getBoundingClientRect();
      if (!box.width || !box.height) continue;
      const style = getComputedStyle(node);
      const cut = style.overflowX !== "visible" && node.scrollWidth > node.clientWidth + 1;
      if (box.left < -0.5 || box.right > width + 0.5 || cut) {
        overflowing.push(`${node.tagName.toLowerCase()}.${node.className}: ${Math.round(box.left)}..${Math.round(box.right)}`);
      }
    }
    return {
      viewport: [width, height], page_width: document.documentElement.scrollWidth,
      widget_inside: inside(".rw-conversation-container"), input_inside: inside(".rw-new-message"),
      send_inside: inside(".rw-send"), header_inside: inside(".rw-header"), overflowing: overflowing.slice(0, 10),
    };
  });
  layout.long_message_shown = (await userTexts(page)).some((text) => text.includes("what-to-do-about-it-before-your-next-race"));
  layout.axe_violations = await axeViolations(page);
  return layout;
}

async function main() {
  if (!URL) fail("SCREENER_URL is not set");
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), "screener-chromium-"));
  // A fresh, throw-away user data dir (Playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync",
    ],
  }).catch((error) => fail(`could not start ${CHROMIUM}: ${error.message}`));
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") report.console_errors.push(message.text());
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("http://127.0.0.1") && !url.startsWith("ws://127.0.0.1") && !url.startsWith("data:")) {
      report.external_requests.push(url);
    }
  });
  try {
    await page.goto(URL, { waitUntil: "load", timeout: TIMEOUT });
    report.page_title = await page.title();
    report.header = await page.locator(".demo-name").innerText();

    // Open the widget: the init payload (/greet) starts the welcome.
    await recordAnnouncements(page);
    const before = await openWidget(page);
    await settle(page, before);
    report.widget_title = await page.locator(".rw-conversation-container .rw-title").innerText();
    report.header_colour = await page.locator(".rw-conversation-container .rw-header").evaluate(
      (node) => getComputedStyle(node).backgroundColor);

    // The whole screen; the first typed answer also watches the typing dots.
    report.result_reached = await answerUntilResult(page, report.steps, async (action, recent) => {
      if (action.click === "Do it now" && /Self-check 1 of 3/.test(recent)) {
        await page.screenshot({ path: path.join(SHOTS, "channels-web-self-check.png") });
      }
      if (action.click) await click(page, action.click);
      else if (!report.typing) report.typing = await watchTyping(page, () => type(page, action.type));
      else await type(page, action.type);
    });
    if (!report.result_reached) fail("the screen did not reach the result");

    const all = (await botTexts(page)).join("\n");
    report.booking_link = all.includes("https://stride-clinic.example/book/gait-analysis");
    report.result_text = all.slice(all.lastIndexOf("Self-check 3 of 3")).slice(-2500);
    report.final_replies = await visibleReplies(page);
    report.images = await page.$$eval(".rw-messages-container img", (nodes) =>
      nodes.map((n) => ({ src: n.getAttribute("src"), alt: n.getAttribute("alt") || "", loaded: n.complete && n.naturalWidth > 0 })));
    await page.screenshot({ path: path.join(SHOTS, "channels-web-result.png") });
    report.axe_violations = await axeViolations(page);
    report.announced = await announcements(page);
    report.storage = await page.evaluate(() => ({
      local: Object.keys(window.localStorage), session: Object.keys(window.sessionStorage) }));

    // Hostile and unusual input: shown as text, never run; the bot keeps answering.
    const longText = "My knee is sore after long runs. ".repeat(152).slice(0, 5000);
    const html = '<img src="x" onerror="window.__xss=1"><script>window.__xss=2</script><b>bold?</b> <a href="javascript:window.__xss=3">link</a>';
    const emoji = "🏃‍♀️🔥👍";
    const hostile = {};
    for (const [name, text] of [["long", longText], ["html", html], ["emoji", emoji]]) {
      const count = (await botTexts(page)).length;
      await type(page, text);
      const bot = await botTexts(page);
      hostile[name] = { bot_answered: bot.length > count, answer: bot.slice(count).join(" ").slice(0, 300) };
    }
    const users = await userTexts(page);
    hostile.long.shown_length = users.find((t) => t.startsWith("My knee is sore after long runs."))?.length || 0;
    hostile.html.shown_as_text = users.some((t) => t.includes("<script>window.__xss=2</script>") && t.includes('<img src="x"'));
    hostile.emoji.shown = users.some((t) => t.includes("🔥"));
    hostile.injected_elements = await page.$$eval(
      ".rw-messages-container script, .rw-messages-container img[src='x'], .rw-client b, .rw-client img, "
      + ".rw-client a, .rw-messages-container a[href^='javascript']",
      (nodes) => nodes.map((node) => node.outerHTML.slice(0, 120)));
    hostile.xss = await page.evaluate(() => window.__xss === undefined ? null : window.__xss);
    const continued = (await botTexts(page)).length;
    await type(page, "thanks");
    hostile.continues = (await botTexts(page)).length > continued;
    report.hostile = hostile;

    // Reload: the conversation is kept (and the bot still knows it).
    const beforeReload = await botTexts(page);
    const sessionBefore = await storedSession(page);
    await page.reload({ waitUntil: "load" });
    await openWidget(page);
    await page.locator(".rw-messages-container .rw-response").first().waitFor({ state: "visible", timeout: TIMEOUT });
    await page.waitForTimeout(1500);
    const afterReload = await botTexts(page);
    report.reload = {
      messages_before: beforeReload.length,
      messages_after: afterReload.length,
      result_kept: afterReload.join("\n").includes("https://stride-clinic.example/book/gait-analysis"),
      // a reload must not restart the chat: no welcome beyond those already in it
      welcome_repeated: afterReload.filter((t) => /Shall we start\?/.test(t)).length >
        beforeReload.filter((t) => /Shall we start\?/.test(t)).length,
      session_before: sessionBefore,
      session_after: await storedSession(page),
    };
    // the conversation shown again is not read out again
    report.reload.announced_again = await page.$$eval("#screener-announcer p", (nodes) => nodes.length);
    const stillCount = afterReload.length;
    await type(page, "what is overstriding");
    report.reload.answers_after_reload = (await botTexts(page)).length > stillCount;
    await page.screenshot({ path: path.join(SHOTS, "channels-web-after-reload.png") });

    // New tabs, new conversations (the transcript is per tab).
    const deletedPage = await context.newPage();
    report.deleted = await deletedConversation(deletedPage);
    await deletedPage.close();
    const keyboardPage = await context.newPage();
    report.keyboard = await keyboardScreen(keyboardPage);
    await keyboardPage.close();
    const phonePage = await context.newPage();
    report.phone = await phoneScreen(phonePage);
    await phonePage.close();
    report.ok = true;
  } catch (error) {
    report.ok = false;
    report.error = error.message;
    try {
      await page.screenshot({ path: path.join(SHOTS, "channels-web-failure.png") });
      report.bot_texts = (await botTexts(page)).slice(-6);
    } catch (ignored) {
      // the page is gone
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(report.ok ? 0 : 1);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, error: error.message, ...report }) + "\n");
  process.exit(1);
});
