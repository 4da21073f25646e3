/**
 * The WASI 0.2 WIT as upstream publishes it, read from the copy jco ships
 * (modules/js/node_modules, installed by .ci/install-python-js-toolchain.sh),
 * and a small reader for the parts the deny-all tests need: every function,
 * method, static function and constructor of every interface, with the error
 * type of its `result` when it returns one. Tests that need it skip, saying
 * so, when the copy is absent.
 *
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

const BUILTIN = join(ROOT, "modules/js/node_modules/@bytecodealliance/jco/lib/wit/builtin");

/** The newest WASI 0.2.x folder jco ships, or undefined. */
export function wasiWitDir(): string | undefined {
  if (!existsSync(BUILTIN)) return undefined;
  const versions = readdirSync(BUILTIN)
    .filter((v) => /^0\.2\.\d+$/.test(v))
    .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : join(BUILTIN, newest);
}

/** A note for test names when the WIT is missing. */
export function wasiWitNote(): string {
  return wasiWitDir() === undefined
    ? ` (skipped: no WASI 0.2 WIT in ${BUILTIN}; run .ci/install-python-js-toolchain.sh)`
    : "";
}

/** One callable of an interface, named as jco's bindings ask for it. */
export interface WitCallable {
  readonly kind: "function" | "method" | "static" | "constructor";
  /** The jco class name of its resource (methods, statics, constructors). */
  readonly resource?: string;
  /** camelCase name; the class name for constructors. */
  readonly name: string;
  /** The WIT return type, or "" when it returns nothing. */
  readonly returns: string;
  /** Whether it returns a `result` (then `error` is its error type, if any). */
  readonly isResult: boolean;
  readonly error?: string;
}

/** One interface: `wasi:sockets/tcp`, without version. */
export interface WitInterface {
  readonly key: string;
  readonly version: string;
  readonly resources: readonly string[];
  readonly callables: readonly WitCallable[];
}

/** kebab-case → camelCase, as jco names functions and methods. */
export function camel(name: string): string {
  return name.replace(/^%/, "").replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** kebab-case → PascalCase, as jco names resource classes. */
export function pascal(name: string): string {
  const c = camel(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** Splits a block into `head;` and `head { body }` items. */
function items(text: string): Array<{ head: string; body?: string }> {
  const out: Array<{ head: string; body?: string }> = [];
  let i = 0;
  for (;;) {
    const semi = text.indexOf(";", i);
    const brace = text.indexOf("{", i);
    if (semi < 0 && brace < 0) return out;
    if (brace >= 0 && (semi < 0 || brace < semi)) {
      let depth = 1;
      let j = brace + 1;
      for (; depth > 0 && j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}") depth--;
      }
      out.push({ head: text.slice(i, brace).trim(), body: text.slice(brace + 1, j - 1) });
      i = j;
    } else {
      out.push({ head: text.slice(i, semi).trim() });
      i = semi + 1;
    }
  }
}

function resultError(returns: string): { isResult: boolean; error?: string } {
  if (!/^result\b/.test(returns)) return { isResult: false };
  const open = returns.indexOf("<");
  if (open < 0) return { isResult: true };
  const inner = returns.slice(open + 1, returns.lastIndexOf(">"));
  let depth = 0;
  for (let k = 0; k < inner.length; k++) {
    if (inner[k] === "<") depth++;
    else if (inner[k] === ">") depth--;
    else if (inner[k] === "," && depth === 0) {
      return { isResult: true, error: inner.slice(k + 1).trim() };
    }
  }
  return { isResult: true };
}

const FUNC = /^%?([a-z0-9-]+)\s*:\s*(static\s+)?func\s*\([\s\S]*?\)\s*(?:->\s*([\s\S]+))?$/;

function callables(block: string, resource?: string): WitCallable[] {
  const out: WitCallable[] = [];
  for (const item of items(block)) {
    if (resource !== undefined && /^constructor\s*\(/.test(item.head)) {
      out.push({ kind: "constructor", resource, name: resource, returns: "", isResult: false });
      continue;
    }
    const m = FUNC.exec(item.head);
    if (!m) continue;
    const returns = (m[3] ?? "").trim();
    const kind = resource === undefined ? "function" : m[2] ? "static" : "method";
    out.push({
      kind,
      ...(resource === undefined ? {} : { resource }),
      name: camel(m[1]!),
      returns,
      ...resultError(returns),
    });
  }
  return out;
}

/** Reads one `package.wit` (one package, many interfaces). */
export function readWasiPackage(text: string): WitInterface[] {
  const clean = text
    .replace(/\/\/[^\n]*/g, "")
    .replace(/@(since|unstable|deprecated)\([^)]*\)/g, "");
  const pkg = /package\s+(wasi:[a-z-]+)@([0-9.]+)\s*;/.exec(clean);
  if (!pkg) throw new Error("no package line");
  const out: WitInterface[] = [];
  for (const item of items(clean.slice(pkg.index + pkg[0].length))) {
    const name = /^interface\s+%?([a-z0-9-]+)$/.exec(item.head)?.[1];
    if (name === undefined || item.body === undefined) continue;
    const resources: string[] = [];
    const all = callables(item.body);
    for (const inner of items(item.body)) {
      const r = /^resource\s+%?([a-z0-9-]+)$/.exec(inner.head)?.[1];
      if (r === undefined) continue;
      resources.push(pascal(r));
      if (inner.body !== undefined) all.push(...callables(inner.body, pascal(r)));
    }
    out.push({ key: `${pkg[1]}/${name}`, version: pkg[2]!, resources, callables: all });
  }
  return out;
}

/** Every interface of every WASI 0.2 package in `dir`. */
export async function readWasiWit(dir: string): Promise<WitInterface[]> {
  const out: WitInterface[] = [];
  for (const folder of readdirSync(dir).sort()) {
    out.push(...readWasiPackage(await Deno.readTextFile(join(dir, folder, "package.wit"))));
  }
  return out;
}

/**
 * WIT source of a component world importing `imports` (full names), followed
 * by every package in `dir` nested, so it embeds from one string.
 */
export async function probeWorldSource(dir: string, imports: readonly string[]): Promise<string> {
  let source = `package weir:probe;\nworld probe {\n${
    imports.map((i) => `  import ${i};`).join("\n")
  }\n}\n`;
  for (const folder of readdirSync(dir).sort()) {
    const text = await Deno.readTextFile(join(dir, folder, "package.wit"));
    source += `\n${text.replace(/^package ([^;]+);/m, "package $1 {")}\n}\n`;
  }
  return source;
}
