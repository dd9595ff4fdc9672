// The console in a real browser (TestConsoleInABrowser runs it): sign in,
// open a campaign, upload a file through the form, watch the list's
// statistics appear, start the campaign and see attempts counted.
// Arguments: a JSON object {base, key, campaign, file, uploaded, shots}.
"use strict";
const { run, timeout } = require("./browser.cjs");

run("console", async (page, cfg) => {
  await page.waitForSelector("#campaigns", { timeout });
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
  await page.waitForFunction(() => Number(document.querySelector("#stat-attempts-total")?.textContent) > 0, null, { timeout });
  await page.screenshot({ path: cfg.shots + "/console-campaign-dialing.png", fullPage: true });
  return "signed in, uploaded, watched the import, started the campaign and saw attempts counted";
});
