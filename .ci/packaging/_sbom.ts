/**
 * The release's software bill of materials, CycloneDX 1.5 JSON: every npm
 * package whose code ships (inside a bundle or in `node_modules/`) and the
 * Deno runtime, each with its version, licence and package URL.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** One shipped package. */
export interface SbomPackage {
  /** npm name, `@scope/name` or `name`. */
  readonly name: string;
  readonly version: string;
  /** SPDX id or expression from its package.json. */
  readonly license: string;
  /** How it ships: "bundled", "node_modules" or "runtime". */
  readonly shipped: "bundled" | "node_modules" | "runtime";
}

/** Reads name, version and licence from a package folder. */
export async function packageOf(
  dir: string,
  shipped: SbomPackage["shipped"],
): Promise<SbomPackage> {
  const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
    name?: string;
    version?: string;
    license?: string | { type?: string };
  };
  const license = typeof pkg.license === "string" ? pkg.license : pkg.license?.type;
  if (pkg.name === undefined || pkg.version === undefined) {
    throw new Error(`${dir}/package.json names no name or version`);
  }
  if (license === undefined) throw new Error(`${pkg.name}@${pkg.version} declares no licence`);
  return { name: pkg.name, version: pkg.version, license, shipped };
}

function purl(p: SbomPackage): string {
  return `pkg:npm/${p.name.replace(/^@/, "%40")}@${p.version}`;
}

/** A single SPDX id as `license.id`, anything else as an expression. */
function licenseChoice(license: string): Record<string, unknown> {
  const text = license.replace(/^\((.*)\)$/, "$1").trim();
  return /^[A-Za-z0-9.+-]+$/.test(text) ? { license: { id: text } } : { expression: text };
}

/** Options for {@linkcode cyclonedx}. */
export interface SbomOptions {
  readonly version: string;
  /** Build time, ISO 8601. */
  readonly timestamp: string;
  /** e.g. `linux-arm64`. */
  readonly target: string;
}

/** The CycloneDX document for these packages. */
export function cyclonedx(
  packages: readonly SbomPackage[],
  options: SbomOptions,
): Record<string, unknown> {
  const unique = new Map<string, SbomPackage>();
  for (const p of packages) unique.set(purl(p), p);
  const components = [...unique.values()]
    .sort((a, b) => purl(a).localeCompare(purl(b)))
    .map((p) => {
      const scope = /^(@[^/]+)\/(.+)$/.exec(p.name);
      return {
        type: p.shipped === "runtime" ? "application" : "library",
        "bom-ref": purl(p),
        ...(scope ? { group: scope[1], name: scope[2] } : { name: p.name }),
        version: p.version,
        purl: purl(p),
        licenses: [licenseChoice(p.license)],
        properties: [{ name: "weir:shipped", value: p.shipped }],
      };
    });
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${crypto.randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp,
      component: {
        type: "application",
        "bom-ref": "weir",
        name: "weir",
        version: options.version,
        properties: [{ name: "weir:target", value: options.target }],
      },
    },
    components,
    dependencies: [{ ref: "weir", dependsOn: components.map((c) => c["bom-ref"]) }],
  };
}
