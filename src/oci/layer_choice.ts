/**
 * Which layer of a manifest is the module and which is the graph, following
 * every packaging variant AIO has used (docs/aio-compatibility.md, "Packaging"). The config blob is
 * never the payload, whatever its media type.
 *
 * @module
 */
import { OciError } from "./errors.ts";
import type { Descriptor, ImageManifest } from "./manifest.ts";
import {
  MODULE_LAYER_TYPES,
  TITLE_ANNOTATION,
  WASM_CONTENT_LAYER,
  YAML_LAYER_TYPES,
} from "./media_types.ts";

/** What an artifact is pulled as. */
export type ArtifactKind = "module" | "graph";

function titleOf(layer: Descriptor): string {
  return layer.annotations?.[TITLE_ANNOTATION] ?? "";
}

function isYamlTitle(layer: Descriptor): boolean {
  return /\.ya?ml$/i.test(titleOf(layer));
}

/**
 * The layers that may hold the payload, best first. A module's candidates
 * are the layers with a WebAssembly media type, then every other layer that
 * is not YAML (the caller checks for `\0asm`); a graph's are the YAML layers
 * (by media type or `.yaml`/`.yml` title), then `vnd.wasm.content` layers
 * (the anonymous-registry workaround; the caller checks they are not wasm).
 *
 * @throws {OciError} reason `bad_artifact` when no layer can be the payload.
 */
export function payloadCandidates(
  manifest: ImageManifest,
  kind: ArtifactKind,
  ref: string,
): Descriptor[] {
  const layers = manifest.layers;
  let candidates: Descriptor[];
  if (kind === "module") {
    const typed = layers.filter((l) => MODULE_LAYER_TYPES.has(l.mediaType) && !isYamlTitle(l));
    const others = layers.filter((l) =>
      !typed.includes(l) && !YAML_LAYER_TYPES.has(l.mediaType) && !isYamlTitle(l)
    );
    candidates = [...typed, ...others];
  } else {
    const yaml = layers.filter((l) => YAML_LAYER_TYPES.has(l.mediaType) || isYamlTitle(l));
    const workaround = layers.filter((l) =>
      !yaml.includes(l) && l.mediaType === WASM_CONTENT_LAYER
    );
    candidates = [...yaml, ...workaround];
  }
  if (candidates.length === 0) {
    const found = layers.length === 0
      ? "no layers"
      : `layers of type ${layers.map((l) => `"${l.mediaType}"`).join(", ")}`;
    const expected = kind === "module"
      ? "a WebAssembly layer (application/wasm, application/vnd.wasm.content.layer.v1+wasm, " +
        "application/vnd.module.wasm.content.layer.v1+wasm, or bytes starting \\0asm)"
      : "a graph YAML layer (application/yaml, application/x-yaml, text/yaml, or a .yaml title)";
    throw new OciError("bad_artifact", `"${ref}" has ${found}, expected ${expected}`);
  }
  return candidates;
}

/** True when a layer's media type or title promises the payload (no sniffing needed). */
export function isTypedPayload(layer: Descriptor, kind: ArtifactKind): boolean {
  return kind === "module"
    ? MODULE_LAYER_TYPES.has(layer.mediaType)
    : YAML_LAYER_TYPES.has(layer.mediaType) || isYamlTitle(layer);
}

/** True when an artifact's layers say it is a graph rather than a module. */
export function looksLikeGraph(manifest: ImageManifest): boolean {
  return manifest.layers.some((l) => YAML_LAYER_TYPES.has(l.mediaType) || isYamlTitle(l));
}
