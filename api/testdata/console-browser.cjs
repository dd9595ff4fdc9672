// The console in a real browser (TestConsoleInABrowser runs it): sign in,
// open a campaign, upload a file through the form, watch the list's
// statistics appear, start the campaign and see attempts counted.
// Arguments: a JSON object {base, key, campaign, file, uploaded, shots}.
"use strict";
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const timeout = 60_000;

(async () => {
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
    await page.waitForSelector("#campaigns", { timeout });
    if (await page.evaluate(() => location.href.includes(sessionStorage.getItem("outdial.key")))) throw new Error("the key is in the URL");

    await page.click(`#campaigns a[href="#/campaigns/${cfg.campaign}"]`);
    await page.waitForSelector("#upload", { timeout });
    await page.setInputFiles("#file", cfg.file);
    await page.waitForSelector("#external-key", { timeout }); // the header was read: the columns are offered
    await page.selectOption("#external-key", "AccountId");
    await page.click("#upload button");
    // The list's statistics appear as the import runs, and end with every row.
    await page.waitForFunction((want) => {
      const cells = [...document.querySelectorAll("#lists tr:nth-child(2) td")].map((td) => td.textContent.trim());
      return cells[2] === "active" && cells[5] === String(want);
    }, cfg.uploaded, { timeout });
    await page.screenshot({ path: cfg.shots + "/console-campaign-uploaded.png", fullPage: true });

    await page.click('button[data-action="start"]');
    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll("#stats tr")].find((tr) => /^attempts\.total$/.test(tr.querySelector("th")?.textContent));
      return row && Number(row.querySelector("td").textContent) > 0;
    }, null, { timeout });
    await page.screenshot({ path: cfg.shots + "/console-campaign-dialing.png", fullPage: true });
    if (errors.length) throw new Error("the page threw: " + errors.join("; "));
    console.log("console: signed in, uploaded, watched the import, started the campaign and saw attempts counted");
  } catch (err) {
    await page.screenshot({ path: cfg.shots + "/console-failure.png", fullPage: true }).catch(() => {});
    console.error(err.stack || err.message);
    console.error("page text:", (await page.textContent("body").catch(() => "")).slice(0, 2000));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
