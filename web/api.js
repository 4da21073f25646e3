// The admin API as the page uses it: every call carries the admin token
// (kept in this tab's sessionStorage); a refused token tells the page to
// sign out. Server-Sent Events are read from fetch responses, which, unlike
// EventSource, can send the token.

const TOKEN_KEY = "weir-admin-token";

/** @type {string | null} */
let token = sessionStorage.getItem(TOKEN_KEY);
/** @type {() => void} */
let onRefused = () => {};

/** The token in use, or null when signed out. */
export const currentToken = () => token;

/** Uses `value` for every call; `keep` also stores it for this tab. */
export function useToken(/** @type {string | null} */ value, keep = false) {
  token = value;
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else if (keep) sessionStorage.setItem(TOKEN_KEY, value);
}

/** What to do when the gateway refuses the token. */
export function whenRefused(/** @type {() => void} */ fn) {
  onRefused = fn;
}

/** An error the API answered with. */
export class ApiFailure extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API with the token.
 * @param {string} method @param {string} path @param {unknown} [body]
 * @param {AbortSignal} [signal]
 */
export async function request(method, path, body, signal) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (response.ok) return response;
  const data = await response.json().catch(() => ({}));
  const failure = new ApiFailure(
    response.status,
    data.error?.code ?? "http",
    data.error?.message ?? `HTTP ${response.status}`,
  );
  if (response.status === 401) onRefused();
  throw failure;
}

/** @param {string} method @param {string} path @param {unknown} [body] */
export async function api(method, path, body) {
  return await (await request(method, path, body)).json();
}

/**
 * Server-Sent Events from a fetch response.
 * @param {Response} response
 */
export async function* sseMessages(response) {
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
