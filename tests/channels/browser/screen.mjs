// Drives the demo clinic page in Debian's Chromium (headless, through playwright-core) like a
// runner would: opens the widget with the launcher, completes a whole screen with buttons and
// typed answers, checks the result and the booking link, types hostile input, reloads the page
// and checks the conversation is kept. Prints one JSON line with what it saw; exits non-zero
// (with the reason in "error") when a step fails. Run by tests/channels/test_web_widget.py.
//
// Environment: SCREENER_URL (the page), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (default test-output), STEP_TIMEOUT_MS (default 30000).

import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(path.join(ROOT, "bot/web/package.json"));
const { chromium } = require("playwright-core");

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

async function botTexts(page) {
  return page.$$eval(".rw-messages-container .rw-response", (nodes) => nodes.map((n) => n.innerText));
}

async function userTexts(page) {
  return page.$$eval(".rw-messages-container .rw-client", (nodes) => nodes.map((n) => n.innerText));
}

async function botCount(page) {
  return page.$$eval(".rw-messages-container .rw-response", (nodes) => nodes.length);
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
    const before = await openWidget(page);
    await settle(page, before);
    report.widget_title = await page.locator(".rw-conversation-container .rw-title").innerText();
    report.header_colour = await page.locator(".rw-conversation-container .rw-header").evaluate(
      (node) => getComputedStyle(node).backgroundColor);

    // The whole screen.
    let seen = 0;
    const done = (text) => /What would you like to do now\?/.test(text);
    for (let step = 0; step < 40; step += 1) {
      // The bot may answer in more than one burst (a slow action): wait for the question.
      let texts = await botTexts(page);
      let recent = texts.slice(seen).join("\n");
      let answer = ANSWERS.find(([pattern]) => pattern.test(recent));
      const deadline = Date.now() + TIMEOUT;
      while (!answer && !done(recent) && Date.now() < deadline) {
        await page.waitForTimeout(300);
        texts = await botTexts(page);
        recent = texts.slice(seen).join("\n");
        answer = ANSWERS.find(([pattern]) => pattern.test(recent));
      }
      seen = texts.length;
      if (done(recent)) {
        report.result_reached = true;
        break;
      }
      if (!answer) fail(`no answer for the bot's message: ${JSON.stringify(recent.slice(-400))}`);
      const action = answer[1];
      report.steps.push({ asked: recent.slice(-120), ...action });
      if (action.click === "Do it now" && /Self-check 1 of 3/.test(recent)) {
        await page.screenshot({ path: path.join(SHOTS, "channels-web-self-check.png") });
      }
      if (action.click) await click(page, action.click);
      else await type(page, action.type);
    }
    if (!report.result_reached) fail("the screen did not reach the result");

    const all = (await botTexts(page)).join("\n");
    report.booking_link = all.includes("https://stride-clinic.example/book/gait-analysis");
    report.result_text = all.slice(all.lastIndexOf("Self-check 3 of 3")).slice(-2500);
    report.final_replies = await visibleReplies(page);
    report.images = await page.$$eval(".rw-messages-container img", (nodes) =>
      nodes.map((n) => ({ src: n.getAttribute("src"), alt: n.getAttribute("alt") || "", loaded: n.complete && n.naturalWidth > 0 })));
    await page.screenshot({ path: path.join(SHOTS, "channels-web-result.png") });
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
    };
    const stillCount = afterReload.length;
    await type(page, "what is overstriding");
    report.reload.answers_after_reload = (await botTexts(page)).length > stillCount;
    await page.screenshot({ path: path.join(SHOTS, "channels-web-after-reload.png") });
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
