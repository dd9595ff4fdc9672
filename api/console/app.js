// Outdial's console: a few pages over the API, signed in with an API key
// kept in this tab's session storage only (never in a URL).
"use strict";

const main = document.getElementById("main");
const keyName = "outdial.key";
const readyName = "outdial.ready"; // the state an agent returns to after a wrap-up
let me = null; // the signed-in key: name, role, bindings
let timer = null; // the page's refresh

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// when shows a timestamp in the browser's own time, to the second.
function when(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  return isNaN(d) ? esc(ts) : esc(d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" }));
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(keyName) };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const resp = await fetch("/api/v1" + path, { method, headers, body: payload });
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (resp.status === 401) {
    signOut();
    throw new Error("the key was refused: sign in again");
  }
  if (!resp.ok) {
    const fields = (data && data.errors ? data.errors.map((e) => e.field + ": " + e.detail).join("\n") : "");
    throw new Error((data && (data.detail || data.title)) + (fields ? "\n" + fields : ""));
  }
  return data;
}

function signOut() {
  sessionStorage.removeItem(keyName);
  sessionStorage.removeItem(readyName);
  me = null;
  location.hash = "#/signin";
}

function show(html) {
  main.innerHTML = html;
}

function failed(err) {
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = err.message;
  main.prepend(p);
}

function status(s) {
  return `<span class="status ${esc(s)}">${esc(s)}</span>`;
}

// --- sign in ---------------------------------------------------------------

function signInPage() {
  show(`<h1>Sign in</h1>
    <form class="card" id="signin">
      <label><span>API key</span><input id="key" type="password" size="60" autocomplete="off" required></label>
      <p class="muted">A supervisor's or an administrator's key; an agent's key opens the agent's page. The key stays in this tab only.</p>
      <button class="primary">Sign in</button>
    </form>`);
  document.getElementById("signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    sessionStorage.setItem(keyName, document.getElementById("key").value.trim());
    try {
      me = await api("GET", "/key");
      location.hash = me.role === "agent" ? "#/agent" : "#/campaigns";
    } catch (err) {
      failed(err);
    }
  });
}

// --- campaigns -------------------------------------------------------------

const actions = { draft: ["start"], active: ["pause", "stop"], paused: ["resume", "stop"], stopped: ["start"], completed: [] };

async function campaignsPage() {
  const page = await api("GET", "/campaigns?per_page=100");
  show(`<h1>Campaigns</h1>
    <table id="campaigns"><tr><th>Name</th><th>Mode</th><th>Status</th><th></th></tr>
    ${page.items.map((c) => `<tr data-id="${c.id}"><td><a href="#/campaigns/${c.id}">${esc(c.name)}</a></td>
      <td>${esc(c.pacing_mode)}</td><td>${status(c.status)}</td>
      <td>${(actions[c.status] || []).map((a) => `<button data-action="${a}">${a}</button>`).join("")}</td></tr>`).join("")}
    </table>`);
  bindActions(campaignsPage);
}

function bindActions(reload) {
  main.querySelectorAll("button[data-action]").forEach((b) =>
    b.addEventListener("click", async () => {
      const id = b.closest("[data-id]").dataset.id;
      try {
        await api("POST", `/campaigns/${id}/${b.dataset.action}`);
        await reload(id);
      } catch (err) {
        failed(err);
      }
    }));
}

async function campaignPage(id) {
  const [c, lists, modes] = await Promise.all([api("GET", `/campaigns/${id}`), api("GET", `/campaigns/${id}/lists?per_page=100`), api("GET", "/modes?per_page=100")]);
  let stats = null;
  try {
    stats = await api("GET", `/campaigns/${id}/stats`);
  } catch (err) {
    stats = null; // a server without statistics: the page shows the rest
  }
  show(`<h1>${esc(c.name)} ${status(c.status)}</h1>
    <div data-id="${c.id}">${(actions[c.status] || []).map((a) => `<button data-action="${a}">${a}</button>`).join("")}
      <a href="#" id="export-xlsx">Export (xlsx)</a> · <a href="#" id="export-csv">Export (csv)</a></div>
    ${stats ? statsHTML(stats) : ""}
    <h2>Lists</h2>
    <table id="lists"><tr><th>List</th><th>File</th><th>Status</th><th class="num">Progress</th><th class="num">Processed</th><th class="num">Uploaded</th>
      <th class="num">Failed</th><th class="num">Duplicate</th><th class="num">DNC</th></tr>
    ${lists.items.map((l) => `<tr><td><a href="#/lists/${l.id}">${l.id}</a></td><td>${esc(l.upload.file_name)}</td><td>${status(l.status)}</td>
      <td class="num">${l.progress}%</td><td class="num">${l.stats.processed}</td><td class="num">${l.stats.uploaded}</td><td class="num">${l.stats.failed}</td>
      <td class="num">${l.stats.duplicate}</td><td class="num">${l.stats.dnc_suppressed}</td></tr>`).join("")}
    </table>
    <h2>Upload a list</h2>
    <form class="card" id="upload">
      <label><span>File</span><input type="file" name="file" id="file" accept=".csv,.txt,.xlsx" required></label>
      <label><span>Delimiter</span><select name="delimiter" id="delimiter"><option value=",">comma</option><option value=";">semicolon</option>
        <option value="\t">tab</option><option value="|">pipe</option></select></label>
      <label><span>Sheet (xlsx)</span><input name="sheet" id="sheet"></label>
      <div id="mapping"><p class="muted">Choose a CSV file to map its columns; for an xlsx, write the mapping as JSON.</p>
        <label><span>Mapping (JSON)</span><input id="mapping-json" size="70" placeholder='{"modes":{"Mobile":"Phone"},"external_key":"Account"}'></label></div>
      <button class="primary">Upload</button>
    </form>`);
  bindActions(campaignPage);
  document.getElementById("export-xlsx").addEventListener("click", (e) => { e.preventDefault(); download(`/campaigns/${id}/export?format=xlsx`, `campaign-${id}.xlsx`); });
  document.getElementById("export-csv").addEventListener("click", (e) => { e.preventDefault(); download(`/campaigns/${id}/export`, `campaign-${id}.csv`); });
  document.getElementById("file").addEventListener("change", () => mapColumns(modes.items));
  document.getElementById("delimiter").addEventListener("change", () => mapColumns(modes.items));
  document.getElementById("upload").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData();
    form.append("file", document.getElementById("file").files[0]);
    form.append("delimiter", document.getElementById("delimiter").value);
    const sheet = document.getElementById("sheet").value.trim();
    if (sheet) form.append("sheet", sheet);
    form.append("mapping", mappingJSON());
    try {
      await api("POST", `/campaigns/${id}/lists`, form);
      await campaignPage(id);
    } catch (err) {
      failed(err);
    }
  });
  refreshWhile(() => lists.items.some((l) => l.status === "importing") || c.status === "active", () => campaignPage(id));
}

// statsHTML shows a campaign's statistics as the API gives them, a table
// per part (contacts, attempts, now, abandon rate, and a predictive
// campaign's pacer), rates as percentages,
// and its attempts per hour as a small bar chart.
function statsHTML(s) {
  const rate = (k) => /(^|[._])rate$|penetration/.test(k);
  const cell = (k, v) => {
    if (typeof v === "number" && rate(k)) return (100 * v).toFixed(1) + "%";
    if (typeof v === "number" && !Number.isInteger(v)) return v.toFixed(2);
    return esc(v);
  };
  const table = (title, part, values) => {
    const rows = Object.entries(flatten(values)).filter(([k]) => !/(^|\.)(from|to)$/.test(k) || part === "abandon_rate");
    const lists = Object.entries(values || {}).filter(([, v]) => Array.isArray(v) && v.length && typeof v[0] === "object" && "reason" in v[0]);
    return `<table class="part"><tr><th colspan="2">${esc(title)}</th></tr>
      ${rows.map(([k, v]) => `<tr><td>${esc(k.replaceAll("_", " "))}</td><td class="num" id="stat-${part}-${esc(k.replace(/[^a-z0-9]+/gi, "-"))}">${cell(k, v)}</td></tr>`).join("")}
      ${lists.map(([k, v]) => `<tr><td colspan="2"><b>${esc(k.replaceAll("_", " "))}</b><br>${v.map((r) => `${esc(r.reason)}: ${r.count}`).join("<br>")}</td></tr>`).join("")}</table>`;
  };
  const top = Object.fromEntries(Object.entries(s).filter(([k, v]) => typeof v !== "object" && !["campaign_id", "campaign", "list_id", "at"].includes(k)));
  const hours = s.series || [];
  const max = Math.max(1, ...hours.map((h) => h.attempts));
  const chart = hours.length ? `<h3>Attempts per hour</h3><svg class="chart" width="${hours.length * 18 + 20}" height="110">${hours.map((h, i) => {
    const height = (70 * h.attempts) / max;
    return `<rect x="${i * 18}" y="${80 - height}" width="14" height="${height}"><title>${esc(h.from)}: ${h.attempts} attempts, ${h.voice} voice</title></rect>
      <text x="${i * 18}" y="95">${esc(new Date(h.from).getHours())}h</text><text x="${i * 18}" y="${76 - height}">${h.attempts}</text>`;
  }).join("")}</svg>` : "";
  return `<h2>Statistics <span class="muted">at ${esc(s.at)}</span></h2><div id="stats" class="parts">
    ${table("Contacts", "contacts", s.contacts)}${table("Attempts", "attempts", s.attempts)}${table("Rates", "rates", top)}
    ${table("Now", "now", s.now)}${table("Abandon rate", "abandon_rate", s.abandon_rate)}
    ${s.pacer ? table("Predictive pacer", "pacer", s.pacer) : ""}</div>${chart}`;
}

function flatten(o, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(o || {})) {
    const name = prefix ? prefix + "." + k : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, name, out);
    else if (!Array.isArray(v)) out[name] = v;
  }
  return out;
}

// mapColumns reads a CSV file's header in the browser and offers its
// columns for each mode and for the external key.
async function mapColumns(modes) {
  const file = document.getElementById("file").files[0];
  const box = document.getElementById("mapping");
  if (!file || file.name.toLowerCase().endsWith(".xlsx")) return;
  const head = await file.slice(0, 65536).text();
  const delim = document.getElementById("delimiter").value.replace("\\t", "\t");
  const columns = head.replace(/^\uFEFF/, "").split(/\r?\n/)[0].split(delim).map((c) => c.trim().replace(/^"|"$/g, ""));
  const options = `<option value="">—</option>` + columns.map((c) => `<option>${esc(c)}</option>`).join("");
  box.innerHTML = modes.map((m) => `<label><span>Number for ${esc(m.name)}</span><select data-mode="${esc(m.name)}">${options}</select></label>`).join("") +
    `<label><span>External key</span><select id="external-key">${options}</select></label>`;
  // A column named as a mode is that mode's number.
  box.querySelectorAll("select[data-mode]").forEach((s) => { if (columns.includes(s.dataset.mode)) s.value = s.dataset.mode; });
}

function mappingJSON() {
  const json = document.getElementById("mapping-json");
  if (json) return json.value.trim();
  const modes = {};
  document.querySelectorAll("#mapping select[data-mode]").forEach((s) => { if (s.value) modes[s.dataset.mode] = s.value; });
  const key = document.getElementById("external-key").value;
  return JSON.stringify(key ? { modes, external_key: key } : { modes });
}

async function download(path, name) {
  const resp = await fetch("/api/v1" + path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(keyName) } });
  if (!resp.ok) return failed(new Error((await resp.json()).detail));
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await resp.blob());
  a.download = name;
  a.click();
}

// --- lists and contacts ----------------------------------------------------

async function listPage(id) {
  const [l, contacts] = await Promise.all([api("GET", `/lists/${id}`), api("GET", `/lists/${id}/contacts?per_page=50`)]);
  const dnc = Object.entries(l.stats.dnc || {});
  show(`<h1>List ${l.id} ${status(l.status)}</h1>
    <p><a href="#/campaigns/${l.campaign_id}">its campaign</a> · ${esc(l.upload.file_name)} · ${l.progress}%</p>
    ${l.error ? `<p class="error">${esc(l.error)}</p>` : ""}
    <h2>Upload statistics</h2>
    <table id="upload-stats"><tr><th>Processed</th><th>Uploaded</th><th>Failed</th><th>Duplicate</th><th>DNC suppressed</th><th>Mode failed</th>
      ${dnc.map(([k]) => `<th>DNC ${esc(k)} (contacts / modes)</th>`).join("")}</tr>
      <tr><td class="num">${l.stats.processed}</td><td class="num">${l.stats.uploaded}</td><td class="num">${l.stats.failed}</td>
      <td class="num">${l.stats.duplicate}</td><td class="num">${l.stats.dnc_suppressed}</td><td class="num">${l.stats.mode_failed}</td>
      ${dnc.map(([, v]) => `<td class="num">${v.contacts} / ${v.modes}</td>`).join("")}</tr></table>
    <h2>Contacts</h2>
    <table><tr><th>Row</th><th>Contact</th><th>External key</th><th>Numbers</th><th>Status</th></tr>
    ${contacts.items.map((c) => `<tr><td>${c.row_number}</td><td><a href="#/contacts/${c.id}">${c.id}</a></td><td>${esc(c.external_key)}</td>
      <td>${c.numbers.map((n) => esc(n.mode + " " + n.number)).join("<br>")}</td><td>${status(c.status)}</td></tr>`).join("")}</table>`);
  refreshWhile(() => l.status === "importing", () => listPage(id));
}

async function contactPage(id) {
  const c = await api("GET", `/contacts/${id}`);
  let eligibility = null;
  if (me && me.role !== "agent") eligibility = await api("GET", `/contacts/${id}/eligibility`).catch(() => null);
  show(`<h1>Contact ${c.id} ${status(c.status)}</h1>
    <table>${Object.entries({ "external key": c.external_key, "time zone": c.time_zone, attempts: c.attempt_count, "waiting because": c.waiting_reason,
      "closed because": c.closed_reason, workflow: c.workflow_id, ...c.attributes }).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}
      ${c.numbers.map((n) => `<tr><th>${esc(n.mode)}</th><td>${esc(n.number)} (${esc(n.time_zone)})</td></tr>`).join("")}</table>
    ${eligibility ? `<h2>Eligibility</h2><pre>${esc(JSON.stringify(eligibility, null, 2))}</pre>` : ""}
    <h2>Attempts</h2>
    <table><tr><th>Attempt</th><th>Number</th><th>Agent</th><th>Started</th><th>Outcome</th><th>Wrap-up</th><th>Decision</th></tr>
    ${c.attempts.map((a) => `<tr><td>${esc(a.id)}</td><td>${esc(a.number)}</td><td>${esc(a.agent)}</td><td>${when(a.started_at)}</td>
      <td>${esc(a.telephony_outcome)}</td><td>${esc(a.business_outcome)}</td><td>${esc(a.decision)}
      ${a.evidence ? `<details><summary>evidence</summary><pre>${esc(JSON.stringify(a.evidence, null, 2))}</pre></details>` : ""}</td></tr>`).join("")}</table>`);
}

// --- the agent's page: the seed's Agent Desktop in small ------------------

let card = null; // the preview card on offer, until it is accepted or skipped

async function agentPage() {
  const id = me.agent_id;
  // The page refreshes while it is open: what the agent was typing or
  // picking survives it.
  const typed = Object.fromEntries(["reason", "code"].map((k) => [k, document.getElementById(k)?.value]));
  const [agent, recent] = await Promise.all([api("GET", `/agents/${id}`), api("GET", `/attempts?agent_id=${id}&per_page=10`)]);
  const call = recent.items.find((a) => !a.ended_at);
  let codes = [];
  if (call && call.telephony_outcome === "voice" && !call.business_outcome) codes = (await api("GET", `/attempts/${call.id}/wrapup-codes`)).codes;
  if (location.hash !== "#/agent") return; // the agent went to another page meanwhile
  show(`<h1>${esc(agent.name)} ${status(agent.state)} <span class="muted">${esc(agent.state_reason)}</span></h1>
    <div class="card" id="state">${["idle", "not_ready", "available", "wrap_up"].map((s) =>
      `<button data-state="${s}" ${agent.state === s ? "disabled" : ""}>${s.replace("_", " ")}</button>`).join("")}
      <input id="reason" placeholder="reason (not ready, wrap-up)"></div>
    ${call ? callHTML(call, codes) : cardHTML()}
    <h2>My recent attempts</h2>
    <table><tr><th>Attempt</th><th>Number</th><th>Started</th><th>Outcome</th><th>Wrap-up</th></tr>
    ${recent.items.map((a) => `<tr><td>${esc(a.id)}</td><td>${esc(a.number)}</td><td>${when(a.started_at)}</td><td>${esc(a.telephony_outcome)}</td>
      <td>${esc(a.business_outcome)}</td></tr>`).join("")}</table>`);
  for (const [k, v] of Object.entries(typed)) {
    const el = document.getElementById(k);
    if (el && v && (el.tagName !== "SELECT" || [...el.options].some((o) => o.value === v))) el.value = v;
  }
  main.querySelectorAll("button[data-state]").forEach((b) => b.addEventListener("click", () => {
    // Idle (asking for cards) or available (taking calls) is where the
    // agent goes back to after a wrap-up.
    if (["idle", "available"].includes(b.dataset.state)) sessionStorage.setItem(readyName, b.dataset.state);
    act(() => api("PUT", `/agents/${id}/state`, { state: b.dataset.state, reason: document.getElementById("reason").value }));
  }));
  const on = (sel, fn) => { const el = document.getElementById(sel); if (el) el.addEventListener("click", () => act(fn)); };
  on("ask", async () => {
    card = await api("POST", `/agents/${id}/preview`);
  });
  on("accept", async () => {
    await api("POST", `/previews/${card.preview.id}/accept`);
    card = null;
  });
  on("skip", async () => {
    await api("POST", `/previews/${card.preview.id}/skip`);
    card = null;
  });
  // Wrapping up ends the call as a desktop does: the agent is in wrap-up
  // while the code is sent, then back where it was before the call.
  on("wrapup", async () => {
    const code = document.getElementById("code").value;
    if (agent.state === "connected") await api("PUT", `/agents/${id}/state`, { state: "wrap_up", reason: code });
    await api("POST", `/attempts/${call.id}/wrapup`, { business: code });
    await api("PUT", `/agents/${id}/state`, { state: sessionStorage.getItem(readyName) || "idle" });
  });
  // Always: a progressive call comes to an available agent unasked, a
  // previewed one rings and connects, and the page's use of the agent's key
  // tells the demo's simulator a person is at this desk.
  refreshWhile(() => true, agentPage);
}

async function act(fn) {
  try {
    await fn();
    await agentPage();
  } catch (err) {
    failed(err);
  }
}

// cardHTML is the card on offer: the contact's fields and its earlier
// attempts (the seed's right-hand panel), to accept or skip.
function cardHTML() {
  if (!card || !card.preview) {
    return `<div class="card" id="no-card">${card ? `<p class="muted">${esc(card.reason || "no card now")}</p>` : ""}
      <button class="primary" id="ask">Ask for a preview card</button></div>`;
  }
  const c = card.contact || { attributes: {}, numbers: [] };
  return `<div class="card" id="preview-card"><h2>${esc(card.campaign)}: contact ${c.id}</h2>
    <table>${Object.entries(c.attributes).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}
      ${c.numbers.map((n) => `<tr><th>${esc(n.mode)}</th><td>${esc(n.number)}</td></tr>`).join("")}</table>
    <h3>Earlier attempts</h3>
    <table><tr><th>Started</th><th>Outcome</th><th>Wrap-up</th></tr>${(card.attempts || []).map((a) =>
      `<tr><td>${when(a.started_at)}</td><td>${esc(a.telephony_outcome)}</td><td>${esc(a.business_outcome)}</td></tr>`).join("") ||
      `<tr><td colspan="3" class="muted">none</td></tr>`}</table>
    <p class="muted">Offered until ${when(card.preview.expires_at)}</p>
    <button class="primary" id="accept">Accept: call</button><button id="skip">Skip</button></div>`;
}

// callHTML is the agent's call: ringing, then connected with the
// campaign's codes to wrap it up with.
function callHTML(call, codes) {
  const connected = call.telephony_outcome === "voice";
  return `<div class="card" id="call"><h2>Call ${esc(call.id)} to ${esc(call.number)}</h2>
    <p>${connected ? "Connected" : call.telephony_outcome ? esc(call.telephony_outcome) : "Ringing…"}
      ${call.business_outcome ? `· wrapped up: <b id="wrapped">${esc(call.business_outcome)}</b>` : ""}</p>
    ${connected && !call.business_outcome ? `<label><span>Wrap-up code</span><select id="code">${codes.map((k) =>
      `<option>${esc(k.name)}</option>`).join("")}</select></label><button class="primary" id="wrapup">Wrap up</button>` : ""}</div>`;
}

// --- routing ---------------------------------------------------------------

function refreshWhile(busy, reload) {
  clearTimeout(timer); // an action's own reload must not start a second chain
  if (busy()) timer = setTimeout(() => reload().catch(failed), 2000);
}

const routes = [
  [/^#\/signin$/, signInPage],
  [/^#\/campaigns$/, campaignsPage],
  [/^#\/campaigns\/(\d+)$/, campaignPage],
  [/^#\/lists\/(\d+)$/, listPage],
  [/^#\/contacts\/(\d+)$/, contactPage],
  [/^#\/agent$/, agentPage],
];

async function route() {
  clearTimeout(timer);
  if (!sessionStorage.getItem(keyName) && location.hash !== "#/signin") {
    location.hash = "#/signin";
    return;
  }
  if (sessionStorage.getItem(keyName) && !me) {
    try {
      me = await api("GET", "/key");
    } catch (err) {
      return;
    }
  }
  document.getElementById("who").textContent = me ? `${me.name} (${me.role})` : "";
  document.getElementById("signout").hidden = !me;
  document.getElementById("nav").innerHTML = me && me.role !== "agent" ? `<a href="#/campaigns">Campaigns</a>` : `<a href="#/agent">My desk</a>`;
  const hash = location.hash || (me && me.role === "agent" ? "#/agent" : "#/campaigns");
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (m) {
      try {
        await page(...m.slice(1));
      } catch (err) {
        show("");
        failed(err);
      }
      return;
    }
  }
  location.hash = me && me.role === "agent" ? "#/agent" : "#/campaigns";
}

document.getElementById("signout").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();
