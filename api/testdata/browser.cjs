// What the console's browser tests share: chromium through playwright-core,
// signing in with the key, screenshots, and failing with the page's text.
"use strict";
const { chromium } = require("playwright-core");

const timeout = 60_000;

// run signs in at cfg.base with cfg.key and runs steps(page, cfg); a
// failure exits non-zero after a screenshot named for the test.
async function run(name, steps) {
  const cfg = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({
    executablePath: process.env.OUTDIAL_TEST_CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(cfg.base + "/");
    await page.waitForSelector("#key", { timeout });
    await page.fill("#key", cfg.key);
    await page.click("#signin button");
    if (await page.evaluate(() => location.href.includes(sessionStorage.getItem("outdial.key")))) throw new Error("the key is in the URL");
    console.log(`${name}: ` + (await steps(page, cfg)));
    if (errors.length) throw new Error("the page threw: " + errors.join("; "));
  } catch (err) {
    await page.screenshot({ path: `${cfg.shots}/${name}-failure.png`, fullPage: true }).catch(() => {});
    console.error(err.stack || err.message);
    console.error("page text:", (await page.textContent("body").catch(() => "")).slice(0, 2000));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

module.exports = { run, timeout };
