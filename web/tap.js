// Watching an edge: a click on an edge of a drawn graph (or its button under
// the graph) opens a live list of the records crossing it, sampled by the
// gateway (a few a second, the rest counted), with time, topic, properties
// and the start of the payload. Closing it ends the stream, and the gateway
// stops looking.
import { request, sseMessages } from "./api.js";
import { clock, h, size } from "./dom.js";

const MAX_SAMPLES = 40;

/** The open tap per dataflow card. */
const open = new Map();

/** Stops watching in a card. */
export function closeTap(/** @type {string} */ dataflow) {
  const tap = open.get(dataflow);
  if (!tap) return;
  tap.controller.abort();
  tap.box.remove();
  open.delete(dataflow);
}

/** Stops every tap (signing out). */
export function closeAllTaps() {
  for (const dataflow of [...open.keys()]) closeTap(dataflow);
}

function sampleItem(s) {
  const props = s.properties.filter(([k]) => k !== "__ts").map(([k, v]) => `${k}=${v}`).join(" ");
  return h(
    "li",
    { class: "sample" },
    h("time", { datetime: s.at }, clock(s.at)),
    " ",
    h("span", { class: "ts", title: "record time (HLC)" }, s.ts),
    " ",
    h("span", { class: "topic" }, s.topic ?? s.dataKind),
    props ? h("span", { class: "props" }, ` ${props}`) : "",
    s.skipped > 0 ? h("span", { class: "skipped" }, ` (+${s.skipped} not shown)`) : "",
    h("code", { class: "preview" }, s.preview.text + (s.preview.truncated ? "…" : "")),
    h("small", {}, ` ${size(s.payloadBytes)}`),
  );
}

/**
 * Opens (or moves) the tap of a dataflow's card onto the edge `from` → `to`.
 * @param {HTMLElement} card @param {string} dataflow @param {string} from @param {string} to
 */
export function openTap(card, dataflow, from, to) {
  closeTap(dataflow);
  const label = `Records from ${from} to ${to}`;
  const list = h("ol", { role: "log", "aria-label": label, class: "samples" });
  const note = h("p", { class: "hint", role: "status" }, "Waiting for records…");
  const close = h("button", {
    type: "button",
    class: "quiet",
    "aria-label": `Stop watching ${from} to ${to}`,
  }, "Stop");
  close.addEventListener("click", () => closeTap(dataflow));
  const box = h(
    "section",
    { class: "tap", "aria-label": label },
    h("header", {}, h("h4", {}, label), close),
    note,
    list,
  );
  card.append(box);
  const controller = new AbortController();
  open.set(dataflow, { controller, box });
  const params = new URLSearchParams({ kind: "tap", dataflow, from, to });
  (async () => {
    try {
      const response = await request("GET", `/api/events?${params}`, undefined, controller.signal);
      for await (const { event, data } of sseMessages(response)) {
        if (event === "live") note.textContent = "Watching; a few records a second are shown.";
        if (event !== "tap") continue;
        list.prepend(sampleItem(data));
        while (list.children.length > MAX_SAMPLES) list.lastElementChild?.remove();
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        note.textContent = `Stopped: ${/** @type {Error} */ (error).message}`;
      }
    }
  })();
}
