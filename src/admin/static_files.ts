/**
 * The admin page: the files of `web/` served as they are (no build step), and
 * the headers that keep the page to its own origin and scripts.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { MiddlewareHandler } from "hono";
import { serveStatic } from "hono/deno";

/** `web/` of this repository. */
export const DEFAULT_WEB_DIR: string = fileURLToPath(new URL("../../web", import.meta.url));

/** The page loads only its own scripts, styles and API; nothing may frame it. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Middleware: security headers on every response. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
  };
}

/** Middleware: files from `webDir`, `index.html` for a folder. */
export function webFiles(webDir: string): MiddlewareHandler {
  return serveStatic({ root: webDir });
}
