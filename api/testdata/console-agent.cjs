// An agent at the console's desk (TestConsoleAgentInABrowser runs it):
// signs in with its own key, becomes idle, asks for a preview card, sees
// the contact, accepts it, wraps the connected call up with one of the
// campaign's codes, and is idle again. Arguments: a JSON object {base, key, shots}.
"use strict";
const { run, timeout } = require("./browser.cjs");

run("agent", async (page, cfg) => {
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
  // Pick the last code, not the one offered first, and keep it over two of
  // the page's refreshes: longer than the simulated talk and wrap-up, which
  // are the person's here, not the simulator's.
  const code = await page.$eval("#code", (s) => s.options[s.options.length - 1].value);
  await page.selectOption("#code", code);
  for (let i = 0; i < 2; i++) await page.waitForResponse((r) => r.url().includes("/attempts?agent_id="), { timeout });
  await page.waitForSelector("#wrapup", { timeout });
  const kept = await page.$eval("#code", (s) => s.value);
  if (kept !== code) throw new Error(`the page's refresh changed the picked code from ${code} to ${kept}`);
  await page.click("#wrapup");
  await page.waitForFunction((want) => document.querySelector("#wrapped")?.textContent === want ||
    [...document.querySelectorAll("table tr td")].some((td) => td.textContent === want), code, { timeout });
  // The call is over: the agent is idle again, as it was before it.
  await page.waitForSelector('button[data-state="idle"]:disabled', { timeout });
  await page.screenshot({ path: cfg.shots + "/console-agent-wrapped.png", fullPage: true });
  return "signed in, took a preview card, accepted it and wrapped the call up as " + code;
});
