/**
 * The `WWW-Authenticate` challenge a registry answers 401 with: `Basic
 * realm="…"`, or `Bearer realm="…",service="…",scope="…"` naming the token
 * server to ask.
 *
 * @module
 */

/** A parsed challenge. */
export interface AuthChallenge {
  /** Lower case: `basic`, `bearer`, or whatever else the registry said. */
  readonly scheme: string;
  /** Parameters by lower-case name (`realm`, `service`, `scope`, `error`). */
  readonly params: Readonly<Record<string, string>>;
}

const PARAM = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/y;

/** Parses the first challenge of a `WWW-Authenticate` header; undefined when there is none. */
export function parseChallenge(header: string | null): AuthChallenge | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const scheme = /^[A-Za-z][A-Za-z0-9_-]*/.exec(text)?.[0];
  if (scheme === undefined) return undefined;
  const params: Record<string, string> = {};
  let at = scheme.length;
  while (at < text.length) {
    while (at < text.length && /[\s,]/.test(text[at]!)) at++;
    PARAM.lastIndex = at;
    const m = PARAM.exec(text);
    if (m === null) break;
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
    at = PARAM.lastIndex;
  }
  return { scheme: scheme.toLowerCase(), params };
}
