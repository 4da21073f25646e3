/**
 * The admin page: the files of `web/` served as they are (no build step), the
 * one third-party script it uses (uPlot, read from the npm package in
 * `node_modules` when first asked for, so nothing minified is committed), and
 * the headers that keep the page to its own origin and scripts.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Hono, type MiddlewareHandler } from "hono";
import { serveStatic } from "hono/deno";
import { WeirError } from "../base/mod.ts";

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

/** The vendored files the page loads from `/vendor/`: uPlot's ES module and stylesheet. */
const VENDOR: Readonly<Record<string, { file: string; type: string }>> = {
  "uplot.js": {
    file: "../../node_modules/uplot/dist/uPlot.esm.js",
    type: "text/javascript; charset=utf-8",
  },
  "uplot.css": { file: "../../node_modules/uplot/dist/uPlot.min.css", type: "text/css" },
};

/** Routes: `/uplot.js` and `/uplot.css`, read once from the npm package and kept. */
export function vendorFiles(): Hono {
  const cache = new Map<string, Uint8Array>();
  return new Hono().get("/:file", async (c) => {
    const name = c.req.param("file");
    const entry = VENDOR[name];
    if (entry === undefined) throw new WeirError("not_found", `No vendored file "${name}"`);
    let bytes = cache.get(name);
    if (bytes === undefined) {
      try {
        bytes = await readFile(fileURLToPath(new URL(entry.file, import.meta.url)));
      } catch {
        throw new WeirError(
          "not_found",
          `"${name}" is missing: the npm package uplot is not installed; run deno install`,
        );
      }
      cache.set(name, bytes);
    }
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "Content-Type": entry.type });
  });
}
