// The dead letters panel: what failed, newest first, filtered by dataflow,
// operation and reason, a page at a time; one opened shows its payload as
// JSON, text or hex with its properties; the ones shown can be replayed into
// their dataflow (after a fix), exported as `weir graph test` input, or
// purged.
import { api, request } from "./api.js";
import { $, clock, h, size } from "./dom.js";

/** The filter in force, as query parameters. */
let filter = new URLSearchParams();
/** The oldest seq shown, for "Load older". */
let next;
let total = 0;
let refreshing;
/** Told after a replay or purge, so the counts elsewhere on the page follow. */
let changed = () => {};

/** What to run after dead letters were replayed or purged. */
export function onDeadLettersChanged(/** @type {() => void} */ fn) {
  changed = fn;
}

/** @param {string} text */
function status(text) {
  $("dl-status").textContent = text;
}

/** The filter form as a selection body for replay and purge. */
function selection() {
  const body = Object.fromEntries(filter.entries());
  return Object.keys(body).length > 0 ? body : { all: true };
}

/** Describes what the filter covers, for buttons and messages. */
function scope() {
  const parts = [...filter.entries()].map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  return parts.length > 0 ? `matching ${parts.join(", ")}` : "of every dataflow";
}

function row(entry) {
  const open = h("button", {
    type: "button",
    class: "link",
    "aria-label": `Open dead letter ${entry.seq}`,
  }, `#${entry.seq}`);
  open.addEventListener("click", () => showDetail(entry.seq));
  return h(
    "tr",
    { "data-seq": String(entry.seq) },
    h("td", { "data-label": "Dead letter" }, open),
    h("td", { "data-label": "Stored" }, h("time", { datetime: entry.at }, clock(entry.at))),
    h("td", { "data-label": "Dataflow" }, entry.dataflow),
    h("td", { "data-label": "Operation" }, entry.operation ?? entry.kind),
    h("td", { "data-label": "Reason" }, entry.reason ?? entry.kind),
    h("td", { "data-label": "Topic" }, entry.topic ?? "—"),
    h(
      "td",
      { "data-label": "Payload", class: "payload-cell" },
      entry.preview
        ? h("code", {}, entry.preview.text.slice(0, 120))
        : `${size(entry.payloadBytes)}`,
    ),
  );
}

function renderCount() {
  $("dl-count").textContent = String(total);
  const none = total === 0;
  for (const id of ["dl-replay", "dl-export", "dl-purge"]) {
    $(id).toggleAttribute("disabled", none);
  }
  const what = `the ${total} dead letter(s) ${scope()}`;
  $("dl-replay").textContent = `Replay ${total}`;
  $("dl-replay").title = `Replay ${what} into their dataflows`;
  $("dl-export").textContent = `Export ${total}`;
  $("dl-export").title = `Download ${what} as weir graph test input (JSON lines)`;
  $("dl-purge").textContent = `Purge ${total}`;
  $("dl-purge").title = `Delete ${what}`;
}

/** Loads the first page again (after an event, an action or a new filter). */
export async function refreshDeadLetters() {
  const page = await api("GET", `/api/dead-letters?${filter}`);
  total = page.total;
  next = page.next;
  $("dl-table").querySelector("tbody")?.replaceChildren(...page.deadLetters.map(row));
  $("dl-more").hidden = next === undefined;
  renderCount();
}

/** Refreshes soon, once, however many dead letters arrive meanwhile. */
export function refreshDeadLettersSoon() {
  clearTimeout(refreshing);
  refreshing = setTimeout(() => refreshDeadLetters().catch(() => {}), 300);
}

async function loadOlder() {
  if (next === undefined) return;
  const params = new URLSearchParams(filter);
  params.set("before", String(next));
  const page = await api("GET", `/api/dead-letters?${params}`);
  next = page.next;
  $("dl-table").querySelector("tbody")?.append(...page.deadLetters.map(row));
  $("dl-more").hidden = next === undefined;
}

/** Lists the dataflows in the filter's choice. */
export function setDataflows(/** @type {string[]} */ names) {
  const select = /** @type {HTMLSelectElement} */ ($("dl-dataflow"));
  const chosen = select.value;
  select.replaceChildren(
    h("option", { value: "" }, "All dataflows"),
    ...names.map((n) => h("option", { value: n }, n)),
  );
  if (names.includes(chosen)) select.value = chosen;
}

/** Shows only one dataflow's dead letters. */
export function showDataflow(/** @type {string} */ name) {
  /** @type {HTMLSelectElement} */ ($("dl-dataflow")).value = name;
  applyFilter();
  $("dl-title").scrollIntoView({ block: "start" });
}

function applyFilter() {
  const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id)).value.trim();
  filter = new URLSearchParams();
  for (
    const [key, id] of [["dataflow", "dl-dataflow"], ["operation", "dl-operation"], [
      "reason",
      "dl-reason",
    ]]
  ) {
    if (value(id)) filter.set(key, value(id));
  }
  closeDetail();
  refreshDeadLetters().catch((e) => status(e.message));
}

// ---------------------------------------------------------------- one dead letter

function closeDetail() {
  $("dl-detail").hidden = true;
  $("dl-detail").replaceChildren();
}

/** @param {number} seq @param {"json" | "text" | "hex"} [as] */
async function showDetail(seq, as) {
  let entry;
  try {
    entry = await api("GET", `/api/dead-letters/${seq}${as ? `?as=${as}` : ""}`);
  } catch (error) {
    status(/** @type {Error} */ (error).message);
    return;
  }
  const box = $("dl-detail");
  const titleId = `dl-detail-${seq}`;
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Stored"),
    h("dd", {}, new Date(entry.at).toLocaleString()),
    h("dt", {}, "Record time"),
    h("dd", {}, entry.ts ?? "—"),
    h("dt", {}, "Dataflow"),
    h("dd", {}, entry.dataflow),
    h("dt", {}, "Operation"),
    h("dd", {}, entry.operation ?? "—"),
    h("dt", {}, "Reason"),
    h("dd", { class: "reason" }, entry.reason ?? entry.kind),
    h("dt", {}, "Topic"),
    h("dd", {}, entry.topic ?? "—"),
    h("dt", {}, "Content type"),
    h("dd", {}, entry.contentType ?? "—"),
    h("dt", {}, "Size"),
    h("dd", {}, size(entry.payloadBytes)),
  );
  const properties = h(
    "table",
    { class: "properties" },
    h("caption", {}, "Properties"),
    h(
      "tbody",
      {},
      ...entry.properties.map(([k, v]) =>
        h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v))
      ),
    ),
  );
  const formats = h("div", {
    class: "formats",
    role: "group",
    "aria-label": "Show the payload as",
  });
  for (const format of ["json", "text", "hex"]) {
    const button = h("button", {
      type: "button",
      "aria-pressed": entry.preview?.as === format ? "true" : "false",
    }, format === "json" ? "JSON" : format === "text" ? "Text" : "Hex");
    button.addEventListener("click", () => showDetail(seq, /** @type {any} */ (format)));
    formats.append(button);
  }
  const payload = h(
    "pre",
    { class: "payload", "aria-label": "Payload" },
    entry.preview ? entry.preview.text + (entry.preview.truncated ? "\n…" : "") : "(not kept)",
  );
  const replay = h("button", { type: "button", disabled: !entry.replayable }, "Replay");
  replay.addEventListener("click", () => act("replay", { seqs: [seq] }, `dead letter ${seq}`));
  const purge = h("button", { type: "button", class: "danger" }, "Purge");
  purge.addEventListener("click", () => act("purge", { seqs: [seq] }, `dead letter ${seq}`));
  const close = h("button", { type: "button", class: "quiet" }, "Close");
  close.addEventListener("click", closeDetail);
  box.replaceChildren(
    h("h3", { id: titleId }, `Dead letter #${seq}`),
    facts,
    properties,
    formats,
    payload,
    h("div", { class: "actions" }, replay, purge, close),
  );
  box.setAttribute("aria-labelledby", titleId);
  box.hidden = false;
}

// ---------------------------------------------------------------- actions

/**
 * @param {"replay" | "purge"} action
 * @param {Record<string, unknown>} body @param {string} what
 */
async function act(action, body, what) {
  if (action === "purge" && !confirm(`Delete ${what}? This cannot be undone.`)) return;
  status(action === "replay" ? `Replaying ${what}…` : `Purging ${what}…`);
  try {
    const result = await api("POST", `/api/dead-letters/${action}`, body);
    if (action === "replay") {
      const skipped = result.skipped.length > 0 ? `; ${result.skipped.length} skipped` : "";
      status(`Replayed ${result.replayed}, handled ${result.handled}${skipped}`);
    } else {
      status(`Purged ${result.purged}`);
    }
    closeDetail();
  } catch (error) {
    status(
      `${action === "replay" ? "Replay" : "Purge"} failed: ${/** @type {Error} */ (error).message}`,
    );
  }
  await refreshDeadLetters().catch(() => {});
  changed();
}

/** Downloads the dead letters the filter shows as JSON lines. */
async function exportShown() {
  try {
    const response = await request("GET", `/api/dead-letters/export?${filter}`);
    const name =
      /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ??
        "dead-letters.jsonl";
    const blob = await response.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.getAttribute("href") ?? ""), 10_000);
    const skipped = Number(response.headers.get("x-weir-skipped") ?? "0");
    status(
      `Exported ${name}${skipped > 0 ? ` (${skipped} without a whole message left out)` : ""}`,
    );
  } catch (error) {
    status(`Export failed: ${/** @type {Error} */ (error).message}`);
  }
}

/** Wires the panel's controls. */
export function initDeadLetters() {
  $("dl-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    applyFilter();
  });
  $("dl-more").addEventListener("click", () => loadOlder().catch((e) => status(e.message)));
  $("dl-replay").addEventListener(
    "click",
    () => act("replay", selection(), `${total} dead letter(s) ${scope()}`),
  );
  $("dl-purge").addEventListener(
    "click",
    () => act("purge", selection(), `${total} dead letter(s) ${scope()}`),
  );
  $("dl-export").addEventListener("click", exportShown);
}
