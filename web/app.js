// The Weir admin page: signs in with the admin token (kept in this tab's
// sessionStorage), shows the dataflows with their graphs, live rates and
// where each serving version came from, watches records cross an edge,
// charts the last hour, deploys with progress, rolls back, starts and stops,
// acts on dead letters, and lists modules and recent logs. It talks to the
// admin API only; no framework, no build.
import { api, currentToken, request, sseMessages, useToken, whenRefused } from "./api.js";
import {
  initDeadLetters,
  onDeadLettersChanged,
  refreshDeadLetters,
  refreshDeadLettersSoon,
  setDataflows,
  showDataflow,
} from "./dead_letters.js";
import { $, formatMs, h, rate, shortDigest, size } from "./dom.js";
import { drawGraph } from "./graph.js";
import { closeAllTaps, closeTap, openTap } from "./tap.js";
import { startTrends, stopTrends } from "./trends.js";

const PHASES = ["pull", "load", "init", "switch", "done"];
const MAX_EVENTS = 100;

/** Per dataflow: its card and the parts updated in place. */
const cards = new Map();
/** Per dataflow: the outcome of the last action, kept when its card is drawn again. */
const outcomes = new Map();
/** @type {EventSource | undefined} */
let events;
let timers = [];

// ---------------------------------------------------------------- sign-in

function showConsole(signedIn) {
  $("sign-in").hidden = signedIn;
  $("console").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

/** @param {string} [message] */
function signOut(message) {
  useToken(null);
  events?.close();
  events = undefined;
  timers.forEach((t) => clearInterval(t));
  timers = [];
  closeAllTaps();
  stopTrends();
  cards.clear();
  outcomes.clear();
  $("dataflows").replaceChildren();
  $("gateway-status").textContent = "";
  $("queue-status").textContent = "";
  $("sign-in-error").textContent = message ?? "";
  showConsole(false);
  $("token").focus();
}

async function signIn() {
  try {
    const { dataflows } = await api("GET", "/api/dataflows");
    useToken(currentToken(), true);
    $("sign-in-error").textContent = "";
    showConsole(true);
    renderDataflows(dataflows);
    await Promise.all([refreshModules(), refreshDeadLetters(), refreshQueue()]);
    openEvents();
    timers.push(setInterval(pollRates, 1000));
    timers.push(setInterval(() => refreshDataflows().catch(() => {}), 5000));
    timers.push(setInterval(() => refreshQueue().catch(() => {}), 2000));
    await pollRates();
    startTrends();
  } catch (error) {
    const failure = /** @type {import("./api.js").ApiFailure} */ (error);
    useToken(null);
    showConsole(false);
    $("sign-in-error").textContent = failure.status === 401
      ? "That token is not valid."
      : failure.message ?? "The gateway did not answer.";
  }
}

$("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("token"));
  useToken(input.value.trim());
  input.value = "";
  signIn();
});
$("sign-out").addEventListener("click", () => signOut());
whenRefused(() => {
  if (!$("console").hidden) signOut("The token was refused; sign in again.");
});
initDeadLetters();
onDeadLettersChanged(() => {
  Promise.all([refreshDataflows(), refreshQueue()]).catch(() => {});
});

// ---------------------------------------------------------------- dataflows

/** The queue as /metrics counts it: outputs waiting and dead letters kept. */
async function refreshQueue() {
  const q = await api("GET", "/api/queue");
  $("queue-status").textContent =
    `Queue: ${q.outputs.count} waiting · ${q.deadLetters.count} dead letter(s)`;
  $("queue-status").dataset.outputs = String(q.outputs.count);
  $("queue-status").dataset.deadLetters = String(q.deadLetters.count);
}

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
    status.servedFrom,
  ]);
}

function renderDataflows(list) {
  const container = $("dataflows");
  const names = new Set(list.map((d) => d.name));
  for (const [name, card] of cards) {
    if (!names.has(name)) {
      closeTap(name);
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
      showLag(old.lag, status.sourceLag);
      old.dead.textContent = String(status.deadLetters);
    } else {
      // A new version may not have the watched edge: the tap closes with the old card.
      closeTap(status.name);
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
  setDataflows(list.map((d) => d.name));
}

const SERVED = {
  configuration: "the configuration file",
  "embedded-default": "the embedded default",
  "saved-deployment": "a saved deployment",
};

/** A Kafka source's consumer lag; the row stays hidden for sources that do not measure one. */
function showLag(lag, records) {
  lag.term.hidden = lag.value.hidden = records === undefined;
  lag.value.textContent = records === undefined ? "" : `${records} records`;
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
  const lag = { term: h("dt", {}, "Behind its log"), value: h("dd", { class: "source-lag" }) };
  showLag(lag, status.sourceLag);
  const dead = h("span", {}, String(status.deadLetters));
  const showDead = h("button", {
    type: "button",
    class: "link",
    "aria-label": `Show the dead letters of ${name}`,
  }, "show");
  showDead.addEventListener("click", () => showDataflow(name));
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Version"),
    h("dd", {}, version(status.current)),
    h("dt", {}, "Served from"),
    h("dd", { class: "served-from" }, SERVED[status.servedFrom] ?? status.servedFrom),
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
    lag.term,
    lag.value,
    h("dt", {}, "Dead letters"),
    h("dd", { class: "dead-letters" }, dead, " ", showDead),
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
    for (const hit of svg.querySelectorAll(".edge-hit")) {
      hit.addEventListener("click", () => {
        openTap(
          element,
          name,
          hit.getAttribute("data-from") ?? "",
          hit.getAttribute("data-to") ?? "",
        );
      });
    }
    // The same edges as buttons, for keyboards and screen readers (and fingers on a phone).
    const edges = h("div", {
      class: "edge-buttons",
      role: "group",
      "aria-label": `Edges of ${name}`,
    });
    for (const c of status.current.graph.connections) {
      const button = h("button", {
        type: "button",
        class: "quiet",
        "aria-label": `Watch records from ${c.from} to ${c.to}`,
      }, `${c.from} → ${c.to}`);
      button.addEventListener("click", () => openTap(element, name, c.from, c.to));
      edges.append(button);
    }
    element.append(
      h("figure", { class: "graph-box" }, svg),
      h("details", { class: "edges" }, h("summary", {}, "Watch an edge"), edges),
    );
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
  const card = { element, key, queued, lag, dead, body, svg, rows: new Map() };
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
  if (document.hidden || !currentToken()) return;
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
      showLag(card.lag, stats.sourceLag);
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
  delete progress.dataset.outcome;
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
        progress.dataset.outcome = "done";
        status.textContent = `Deployed v${data.version.id} (${data.version.graphName}) in ` +
          `${Math.round(data.totalMs)} ms; input paused ${formatMs(data.switchMs)} ms`;
      } else if (event === "error") {
        // The bar says it failed (red), not that the deploy is half done.
        progress.dataset.outcome = "failed";
        status.textContent = `Deploy failed: ${data.error.message}`;
      }
    }
  } catch (error) {
    progress.dataset.outcome = "failed";
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
        h("td", { title: m.digest, "data-label": "Digest" }, shortDigest(m.digest)),
        h("td", { "data-label": "Size" }, size(m.size)),
        h(
          "td",
          { "data-label": "Used by" },
          m.usedBy.map((u) => `${u.dataflow} v${u.version}`).join(", "),
        ),
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
  if (event.kind === "dead-letter") {
    refreshDeadLettersSoon();
    refreshQueue().catch(() => {});
  }
  if (event.kind === "dead-letter" || event.kind === "deploy" || event.kind === "state") {
    clearTimeout(refreshSoon);
    refreshSoon = setTimeout(() => {
      Promise.all([refreshDataflows(), refreshModules()]).catch(() => {});
    }, 200);
  }
  const list = $("logs");
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
}

/** EventSource cannot send the token: trade it for a short-lived ticket for the URL. */
async function openEvents() {
  if (!currentToken()) return;
  let ticket;
  try {
    ({ ticket } = await api("POST", "/api/events/ticket"));
  } catch {
    if (currentToken()) setTimeout(openEvents, 5000);
    return;
  }
  events?.close();
  const source = new EventSource(`/api/events?ticket=${encodeURIComponent(ticket)}`);
  events = source;
  source.addEventListener("open", () => {
    // The stream starts with the recent ring again: show it afresh.
    $("logs").replaceChildren();
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
    if (events === source && currentToken()) setTimeout(openEvents, 3000);
  });
}

if (currentToken()) signIn();
else showConsole(false);
