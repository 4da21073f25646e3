// DOM helpers shared by the page's modules: elements are built with h(),
// text is always set as text (never as HTML), and a few formatters.

/**
 * Creates an element with attributes and children (text is set as text, never as HTML).
 * @param {string} tag @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
}

/** The element with this id. */
export const $ = (
  /** @type {string} */ id,
) => /** @type {HTMLElement} */ (document.getElementById(id));

/** `sha256:0123456789ab…` */
export const shortDigest = (/** @type {string | undefined} */ d) =>
  d ? d.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, "sha256:$1…") : "";

/** @param {number} bytes */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Records per second for people. */
export const rate = (/** @type {number} */ r) => (r >= 100 ? r.toFixed(0) : r.toFixed(1));

/** Milliseconds for people: whole numbers, or two decimals below ten. */
export function formatMs(/** @type {number} */ ms) {
  return ms < 10 ? ms.toFixed(2) : String(Math.round(ms));
}

/** A local time of day for an ISO time. */
export const clock = (/** @type {string} */ iso) => new Date(iso).toLocaleTimeString();
