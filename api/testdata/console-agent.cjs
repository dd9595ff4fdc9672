// An agent at the console's desk (TestConsoleAgentInABrowser runs it):
// signs in with its own key, becomes idle, asks for a preview card, sees
// the contact, accepts it, and wraps the connected call up with one of the
// campaign's codes. Arguments: a JSON object {base, key, shots}.
"use strict";
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const timeout = 60_000;

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.OUTDIAL_TEST_CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(cfg.base + "/");
    await page.waitForSelector("#key", { timeout });
    await page.fill("#key", cfg.key);
    await page.click("#signin button");
    await page.waitForSelector("#state", { timeout });
    await page.click('button[data-state="idle"]');
    await page.waitForSelector('button[data-state="idle"]:disabled', { timeout });
    // Nothing may be due at the first ask: ask again, as an agent would.
    const deadline = Date.now() + timeout;
    while (!(await page.$("#preview-card"))) {
      if (Date.now() > deadline) throw new Error("no preview card was offered");
      const ask = await page.$("#ask");
      if (ask) await ask.click();
      await page.waitForTimeout(500);
    }
    await page.screenshot({ path: cfg.shots + "/console-agent-card.png", fullPage: true });
    await page.click("#accept");
    await page.waitForSelector("#wrapup", { timeout }); // connected: the codes are offered
    const code = await page.$eval("#code", (s) => s.value);
    await page.click("#wrapup");
    await page.waitForFunction((want) => document.querySelector("#wrapped")?.textContent === want ||
      [...document.querySelectorAll("table tr td")].some((td) => td.textContent === want), code, { timeout });
    await page.screenshot({ path: cfg.shots + "/console-agent-wrapped.png", fullPage: true });
    if (errors.length) throw new Error("the page threw: " + errors.join("; "));
    console.log("agent: signed in, took a preview card, accepted it and wrapped the call up as " + code);
  } catch (err) {
    await page.screenshot({ path: cfg.shots + "/console-agent-failure.png", fullPage: true }).catch(() => {});
    console.error(err.stack || err.message);
    console.error("page text:", (await page.textContent("body").catch(() => "")).slice(0, 2000));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
