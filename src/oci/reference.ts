/**
 * OCI references: `[host[:port]/]repo/path[:tag][@sha256:<hex>]`, parsed
 * strictly so a typo fails before any request, with a message saying which
 * part is wrong.
 *
 * @module
 */
import { defined, looksLikeRegistryHost } from "../base/mod.ts";
import { OciError } from "./errors.ts";

/** A parsed reference. */
export interface OciReference {
  /** `host[:port]`, lower case; empty when the text named no registry (`temperature:1.0.0`). */
  readonly registry: string;
  /** The repository path, e.g. `azure-samples/explore-iot-operations/temperature`. */
  readonly repository: string;
  /** The tag; `latest` when the text named neither a tag nor a digest. */
  readonly tag?: string;
  /** `sha256:<64 hex>` when the text pinned one. */
  readonly digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function fail(text: string, problem: string): never {
  throw new OciError(
    "bad_reference",
    `Reference "${text}" is invalid: ${problem}; expected [host[:port]/]repository[:tag][@sha256:<digest>]`,
  );
}

/**
 * Parses a reference.
 *
 * @throws {OciError} reason `bad_reference`, naming the part that is wrong.
 */
export function parseReference(text: string): OciReference {
  const trimmed = text.trim();
  if (trimmed === "") fail(text, "it is empty");
  let name = trimmed;
  let digest: string | undefined;
  const at = trimmed.indexOf("@");
  if (at >= 0) {
    name = trimmed.slice(0, at);
    digest = trimmed.slice(at + 1);
    if (!digest.startsWith("sha256:")) {
      fail(text, `found the digest "${digest}", only sha256 digests are supported`);
    }
    if (!DIGEST.test(digest)) {
      fail(text, `found the digest "${digest}", expected sha256: and 64 lower-case hex digits`);
    }
  }
  let registry = "";
  const slash = name.indexOf("/");
  if (slash > 0 && looksLikeRegistryHost(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    name = name.slice(slash + 1);
    if (!HOST.test(registry)) fail(text, `found the registry host "${registry}"`);
    registry = registry.toLowerCase();
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) {
      fail(
        text,
        `found the tag "${tag}", expected letters, digits, ".", "_" and "-" (at most 128)`,
      );
    }
  }
  if (name === "") fail(text, "the repository is missing");
  for (const component of name.split("/")) {
    if (!COMPONENT.test(component)) {
      const hint = component !== component.toLowerCase() ? " (repositories are lower case)" : "";
      fail(text, `found the repository path component "${component}"${hint}`);
    }
  }
  if (tag === undefined && digest === undefined) tag = "latest";
  return {
    registry,
    repository: name,
    ...defined({ tag }),
    ...defined({ digest }),
  };
}

/** The reference as text: `host/repo:tag`, `host/repo@sha256:…` or `host/repo:tag@sha256:…`. */
export function formatReference(ref: OciReference): string {
  const name = ref.registry === "" ? ref.repository : `${ref.registry}/${ref.repository}`;
  return `${name}${ref.tag === undefined ? "" : `:${ref.tag}`}${
    ref.digest === undefined ? "" : `@${ref.digest}`
  }`;
}

/** The same repository pinned to a digest (the tag is dropped). */
export function atDigest(ref: OciReference, digest: string): OciReference {
  return { registry: ref.registry, repository: ref.repository, digest };
}
