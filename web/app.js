// The Weir admin page: signs in with the admin token (kept in this tab's
// sessionStorage), shows the dataflows with their graphs and live rates,
// deploys with progress, rolls back, starts and stops, and lists modules and
// recent events. It talks to the admin API only; no framework, no build.
import { drawGraph } from "./graph.js";

const TOKEN_KEY = "weir-admin-token";
const PHASES = ["pull", "load", "init", "switch", "done"];
const MAX_EVENTS = 100;

/** @type {string | null} */
let token = sessionStorage.getItem(TOKEN_KEY);
/** Per dataflow: its card and the parts updated in place. */
const cards = new Map();
/** Per dataflow: the outcome of the last action, kept when its card is drawn again. */
const outcomes = new Map();
/** @type {EventSource | undefined} */
let events;
let timers = [];

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** An error the API answered with. */
class ApiFailure extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API with the token; a refused token signs out.
 * @param {string} method @param {string} path @param {unknown} [body]
 */
async function request(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.ok) return response;
  const data = await response.json().catch(() => ({}));
  const failure = new ApiFailure(
    response.status,
    data.error?.code ?? "http",
    data.error?.message ?? `HTTP ${response.status}`,
  );
  if (response.status === 401 && !$("console").hidden) {
    signOut("The token was refused; sign in again.");
  }
  throw failure;
}

/** @param {string} method @param {string} path @param {unknown} [body] */
async function api(method, path, body) {
  return await (await request(method, path, body)).json();
}

/**
 * Server-Sent Events from a fetch response (fetch, unlike EventSource, can send the token).
 * @param {Response} response
 */
async function* sseMessages(response) {
  const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body)
    .pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

/**
 * Creates an element with attributes and children (text is set as text, never as HTML).
 * @param {string} tag @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
}

const shortDigest = (/** @type {string | undefined} */ d) =>
  d ? d.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, "sha256:$1…") : "";

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const rate = (/** @type {number} */ r) => (r >= 100 ? r.toFixed(0) : r.toFixed(1));

// ---------------------------------------------------------------- sign-in

function showConsole(signedIn) {
  $("sign-in").hidden = signedIn;
  $("console").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

/** @param {string} [message] */
function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  events?.close();
  events = undefined;
  timers.forEach((t) => clearInterval(t));
  timers = [];
  cards.clear();
  outcomes.clear();
  $("dataflows").replaceChildren();
  $("gateway-status").textContent = "";
  $("sign-in-error").textContent = message ?? "";
  showConsole(false);
  $("token").focus();
}

async function signIn() {
  try {
    const { dataflows } = await api("GET", "/api/dataflows");
    sessionStorage.setItem(TOKEN_KEY, /** @type {string} */ (token));
    $("sign-in-error").textContent = "";
    showConsole(true);
    renderDataflows(dataflows);
    await refreshModules();
    openEvents();
    timers.push(setInterval(pollRates, 1000));
    timers.push(setInterval(() => refreshDataflows().catch(() => {}), 5000));
    await pollRates();
  } catch (error) {
    const failure = /** @type {ApiFailure} */ (error);
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showConsole(false);
    $("sign-in-error").textContent = failure.status === 401
      ? "That token is not valid."
      : failure.message ?? "The gateway did not answer.";
  }
}

$("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("token"));
  token = input.value.trim();
  input.value = "";
  signIn();
});
$("sign-out").addEventListener("click", () => signOut());

// ---------------------------------------------------------------- dataflows

async function refreshDataflows() {
  const { dataflows } = await api("GET", "/api/dataflows");
  renderDataflows(dataflows);
}

/** The parts of a status that need the card drawn again. */
function cardKey(status) {
  const v = (x) => x && [x.id, x.digest, x.origin, x.ref];
  return JSON.stringify([
    status.state,
    status.error,
    v(status.current),
    v(status.previous),
    status.deploying,
    status.draining,
    status.watch,
  ]);
}

function renderDataflows(list) {
  const container = $("dataflows");
  const names = new Set(list.map((d) => d.name));
  for (const [name, card] of cards) {
    if (!names.has(name)) {
      card.element.remove();
      cards.delete(name);
    }
  }
  let total = 0;
  for (const status of list) {
    const old = cards.get(status.name);
    const key = cardKey(status);
    if (old && old.key === key) {
      old.queued.textContent = String(status.queued);
    } else {
      const card = buildCard(status, key);
      if (old) old.element.replaceWith(card.element);
      else container.append(card.element);
      cards.set(status.name, card);
    }
    if (status.state === "running") total++;
  }
  $("gateway-status").textContent = `${total} of ${list.length} dataflow(s) running`;
  const select = /** @type {HTMLSelectElement} */ ($("deploy-dataflow"));
  const chosen = select.value;
  select.replaceChildren(...list.map((d) => h("option", { value: d.name }, d.name)));
  if (names.has(chosen)) select.value = chosen;
}

function version(v) {
  if (!v) return "none";
  const from = v.ref ?? (v.origin === "config" ? "configuration file" : "uploaded YAML");
  return `v${v.id} · ${v.graphName} · ${from}`;
}

function buildCard(status, key) {
  const name = status.name;
  const titleId = `dataflow-${name}`;
  const queued = h("dd", {}, String(status.queued));
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Version"),
    h("dd", {}, version(status.current)),
    h("dt", {}, "Digest"),
    h("dd", { title: status.current?.digest ?? "" }, shortDigest(status.current?.digest) || "—"),
    h("dt", {}, "Previous"),
    h("dd", {}, version(status.previous)),
    h("dt", {}, "Route"),
    h(
      "dd",
      {},
      `${status.source.endpoint} ${
        status.source.topics.join(", ")
      } → ${status.destination.endpoint} ${status.destination.topic}`,
    ),
    h("dt", {}, "Queued"),
    queued,
  );
  if (status.watch) {
    facts.append(
      h("dt", {}, "Watching"),
      h("dd", {}, `${status.watch.ref} every ${status.watch.intervalSeconds} s`),
    );
  }
  const note = h("p", { class: "note", role: "status" }, outcomes.get(name) ?? "");
  if (status.deploying) note.textContent = `Deploying: ${status.deploying}`;
  else if (status.draining > 0) note.append(` (${status.draining} old version(s) draining)`);
  const running = status.state === "running";
  const toggle = h(
    "button",
    { type: "button", "aria-label": `${running ? "Stop" : "Start"} ${name}` },
    running ? "Stop" : "Start",
  );
  toggle.addEventListener("click", () => act(name, running ? "stop" : "start", note, toggle));
  const rollback = h(
    "button",
    {
      type: "button",
      "aria-label": `Roll back ${name}`,
      disabled: !status.previous || Boolean(status.deploying),
    },
    status.previous ? `Roll back to v${status.previous.id}` : "Roll back",
  );
  rollback.addEventListener("click", () => act(name, "rollback", note, rollback));
  const element = h(
    "article",
    { class: `dataflow state-${status.state}`, "aria-labelledby": titleId },
    h(
      "header",
      {},
      h("h3", { id: titleId }, name),
      h("span", { class: `badge state-${status.state}` }, status.state),
    ),
    facts,
  );
  if (status.error) element.append(h("p", { class: "error", role: "alert" }, status.error));
  element.append(h("div", { class: "actions" }, toggle, rollback), note);
  /** @type {SVGElement | undefined} */
  let svg;
  if (status.current?.graph) {
    svg = drawGraph(status.current.graph, `Graph of ${name}`);
    element.append(h("figure", { class: "graph-box" }, svg));
  }
  if (!status.current) {
    element.append(h("p", { class: "hint" }, "A plain bridge: messages pass without a graph."));
  }
  const body = h("tbody");
  const table = h(
    "table",
    { class: "rates" },
    h("caption", {}, `Rates of ${name} (records per second)`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Operation"),
        h("th", { scope: "col" }, "In/s"),
        h("th", { scope: "col" }, "Out/s"),
        h("th", { scope: "col" }, "Dead/s"),
        h("th", { scope: "col", title: "Records in since the version started" }, "Total"),
      ),
    ),
    body,
  );
  if (status.current) element.append(table);
  const card = { element, key, queued, body, svg, rows: new Map() };
  for (const op of status.current?.graph?.operations ?? []) rateRow(card, op.name);
  return card;
}

function rateRow(card, operation) {
  let row = card.rows.get(operation);
  if (!row) {
    const cells = [h("td"), h("td"), h("td"), h("td")];
    card.body.append(
      h("tr", { "data-operation": operation }, h("th", { scope: "row" }, operation), ...cells),
    );
    row = { cells };
    card.rows.set(operation, row);
  }
  return row;
}

/**
 * @param {string} name @param {"start" | "stop" | "rollback"} action
 * @param {HTMLElement} note @param {HTMLElement} button
 */
async function act(name, action, note, button) {
  button.setAttribute("disabled", "");
  note.textContent = action === "rollback"
    ? "Rolling back…"
    : `${action === "stop" ? "Stopping" : "Starting"}…`;
  try {
    const result = await api("POST", `/api/dataflows/${encodeURIComponent(name)}/${action}`);
    outcomes.set(
      name,
      action === "rollback"
        ? `Rolled back to v${result.version.id} in ${Math.round(result.totalMs)} ms`
        : `${action === "stop" ? "Stopped" : "Started"}`,
    );
  } catch (error) {
    outcomes.set(name, /** @type {Error} */ (error).message);
  }
  note.textContent = outcomes.get(name);
  button.removeAttribute("disabled");
  await Promise.all([refreshDataflows(), refreshModules()]).catch(() => {});
}

async function pollRates() {
  if (document.hidden || !token) return;
  await Promise.all([...cards.entries()].map(async ([name, card]) => {
    try {
      const stats = await api("GET", `/api/dataflows/${encodeURIComponent(name)}/stats`);
      for (const [operation, { totals, perSecond }] of Object.entries(stats.operations)) {
        const row = rateRow(card, operation);
        row.cells[0].textContent = rate(perSecond.recordsIn);
        row.cells[1].textContent = rate(perSecond.recordsOut);
        row.cells[2].textContent = rate(perSecond.deadLettered);
        row.cells[3].textContent = String(totals.recordsIn);
        const label = card.svg?.querySelector(`g[data-operation="${CSS.escape(operation)}"] .rate`);
        if (label) label.textContent = `${rate(perSecond.recordsIn)}/s`;
      }
      card.queued.textContent = String(stats.queued);
    } catch {
      // The next tick tries again; a refused token has signed out already.
    }
  }));
}

// ---------------------------------------------------------------- deploy

/** @param {string} text */
function parseConfiguration(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`Configuration line ${i + 1} is not key=value`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

$("deploy-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = /** @type {HTMLFormElement} */ (e.target);
  const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id)).value;
  const status = $("deploy-status");
  const progress = /** @type {HTMLProgressElement} */ ($("deploy-progress"));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  progress.value = 0;
  let body, method, path;
  try {
    const name = value("deploy-dataflow");
    const ref = value("deploy-ref").trim();
    const yaml = value("deploy-yaml");
    const configuration = parseConfiguration(value("deploy-config"));
    const watch = value("deploy-watch").trim();
    if (!name) throw new Error("Choose a dataflow");
    if (ref && yaml.trim()) throw new Error("Give a reference or a graph YAML, not both");
    const base = `/api/dataflows/${encodeURIComponent(name)}`;
    if (!ref && !yaml.trim()) {
      if (!configuration) throw new Error("Give a reference, a graph YAML or configuration values");
      [method, path, body] = ["PUT", `${base}/configuration?stream=1`, { configuration }];
    } else {
      body = {
        ...(ref ? { ref } : { yaml }),
        ...(configuration ? { configuration } : {}),
        ...(watch && ref ? { watchSeconds: Number(watch) } : {}),
      };
      [method, path] = ["POST", `${base}/deploy?stream=1`];
    }
  } catch (error) {
    status.textContent = /** @type {Error} */ (error).message;
    return;
  }
  submit.disabled = true;
  status.textContent = "Starting…";
  try {
    const response = await request(method, path, body);
    for await (const { event, data } of sseMessages(response)) {
      if (event === "progress") {
        progress.value = PHASES.indexOf(data.phase) + 1;
        const bytes = data.totalBytes
          ? ` ${size(data.doneBytes ?? 0)} of ${size(data.totalBytes)}`
          : "";
        status.textContent = `${data.phase}${bytes}${data.message ? `: ${data.message}` : ""}`;
      } else if (event === "result") {
        progress.value = PHASES.length;
        status.textContent = `Deployed v${data.version.id} (${data.version.graphName}) in ` +
          `${Math.round(data.totalMs)} ms; input paused ${formatMs(data.switchMs)} ms`;
      } else if (event === "error") {
        status.textContent = `Deploy failed: ${data.error.message}`;
      }
    }
  } catch (error) {
    status.textContent = `Deploy failed: ${/** @type {Error} */ (error).message}`;
  }
  submit.disabled = false;
  await Promise.all([refreshDataflows(), refreshModules()]).catch(() => {});
});

// ---------------------------------------------------------------- modules

async function refreshModules() {
  const { modules } = await api("GET", "/api/modules");
  $("modules").querySelector("tbody")?.replaceChildren(
    ...modules.map((m) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, m.ref, ...(m.pulledFrom ? [h("small", {}, m.pulledFrom)] : [])),
        h("td", { title: m.digest }, shortDigest(m.digest)),
        h("td", {}, size(m.size)),
        h("td", {}, m.usedBy.map((u) => `${u.dataflow} v${u.version}`).join(", ")),
      )
    ),
  );
}

// ---------------------------------------------------------------- events

function summary(event) {
  const d = event.data ?? {};
  if (event.kind === "log") return `${d.level ?? ""} ${d.msg ?? ""}`.trim();
  if (event.kind === "dead-letter") {
    return [d.operation, d.reason, d.topic && `(${d.topic})`].filter(Boolean).join(" ");
  }
  const text = [d.phase, d.state, d.message, d.version && `v${d.version}`].filter(Boolean).join(
    " ",
  );
  return text || JSON.stringify(d).slice(0, 200);
}

let refreshSoon;
function addEvent(event) {
  const list = $(event.kind === "dead-letter" ? "dead-letters" : "logs");
  const time = new Date(event.ts).toLocaleTimeString();
  list.prepend(
    h(
      "li",
      { class: `event kind-${event.kind}` },
      h("time", { datetime: event.ts }, time),
      " ",
      h("span", { class: "kind" }, event.dataflow ? `${event.kind} ${event.dataflow}` : event.kind),
      " ",
      summary(event),
    ),
  );
  while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
  if (event.kind === "deploy" || event.kind === "state") {
    clearTimeout(refreshSoon);
    refreshSoon = setTimeout(() => {
      Promise.all([refreshDataflows(), refreshModules()]).catch(() => {});
    }, 200);
  }
}

/** EventSource cannot send the token: trade it for a short-lived ticket for the URL. */
async function openEvents() {
  if (!token) return;
  let ticket;
  try {
    ({ ticket } = await api("POST", "/api/events/ticket"));
  } catch {
    if (token) setTimeout(openEvents, 5000);
    return;
  }
  events?.close();
  const source = new EventSource(`/api/events?ticket=${encodeURIComponent(ticket)}`);
  events = source;
  source.addEventListener("open", () => {
    // The stream starts with the recent ring again: show it afresh.
    $("logs").replaceChildren();
    $("dead-letters").replaceChildren();
  });
  for (const kind of ["log", "dead-letter", "deploy", "state"]) {
    source.addEventListener(
      kind,
      (m) => addEvent(JSON.parse(/** @type {MessageEvent} */ (m).data)),
    );
  }
  source.addEventListener("error", () => {
    // A closed stream cannot reuse its ticket: take a new one.
    source.close();
    if (events === source && token) setTimeout(openEvents, 3000);
  });
}

if (token) signIn();
else showConsole(false);

/** Milliseconds for people: whole numbers, or two decimals below ten. */
function formatMs(ms) {
  return ms < 10 ? ms.toFixed(2) : String(Math.round(ms));
}
