/**
 * The requests a wasi-nn caller sends to the inference worker and the
 * replies it gets, and their byte layout in a mailbox.
 *
 * @module
 */
import { NN_ERROR_CODES, NnError } from "./nn_error.ts";
import type { NamedTensor } from "./tensor.ts";
import { ByteReader, ByteWriter } from "./wire.ts";

/** What a caller asks for. Ids are the caller's channel's own. */
export type NnRequest =
  | {
    readonly op: "load";
    readonly builders: readonly Uint8Array[];
    readonly encoding: string;
    readonly target: string;
  }
  | { readonly op: "load-by-name"; readonly name: string }
  | { readonly op: "init"; readonly graph: number }
  | { readonly op: "compute"; readonly context: number; readonly inputs: readonly NamedTensor[] }
  | { readonly op: "drop-graph"; readonly graph: number }
  | { readonly op: "drop-context"; readonly context: number };

/** The answer: an id (load, init), tensors (compute), nothing (drops), or an error. */
export type NnReply =
  | { readonly ok: true; readonly id?: number; readonly outputs?: NamedTensor[] }
  | { readonly ok: false; readonly error: NnError };

const OPS = ["load", "load-by-name", "init", "compute", "drop-graph", "drop-context"] as const;

/** Writes a request. */
export function writeRequest(w: ByteWriter, r: NnRequest): void {
  w.u8(OPS.indexOf(r.op));
  switch (r.op) {
    case "load":
      w.u32(r.builders.length);
      for (const b of r.builders) w.block(b);
      w.string(r.encoding);
      w.string(r.target);
      return;
    case "load-by-name":
      return w.string(r.name);
    case "init":
    case "drop-graph":
      return w.u32(r.graph);
    case "compute":
      w.u32(r.context);
      return w.tensors(r.inputs);
    case "drop-context":
      return w.u32(r.context);
  }
}

/** Reads a request. */
export function readRequest(r: ByteReader): NnRequest {
  const op = OPS[r.u8()];
  switch (op) {
    case "load": {
      const n = r.u32();
      const builders: Uint8Array[] = [];
      for (let i = 0; i < n; i++) builders.push(r.block());
      return { op, builders, encoding: r.string(), target: r.string() };
    }
    case "load-by-name":
      return { op, name: r.string() };
    case "init":
    case "drop-graph":
      return { op, graph: r.u32() };
    case "compute":
      return { op, context: r.u32(), inputs: r.tensors() };
    case "drop-context":
      return { op, context: r.u32() };
    default:
      throw new NnError("runtime-error", "Unknown wasi-nn request");
  }
}

const OK_EMPTY = 0, OK_ID = 1, OK_TENSORS = 2, ERR = 3;

/** Writes a reply. */
export function writeReply(w: ByteWriter, reply: NnReply): void {
  if (!reply.ok) {
    w.u8(ERR);
    w.u8(NN_ERROR_CODES.indexOf(reply.error.nnCode));
    w.string(reply.error.message);
  } else if (reply.outputs) {
    w.u8(OK_TENSORS);
    w.tensors(reply.outputs);
  } else if (reply.id !== undefined) {
    w.u8(OK_ID);
    w.u32(reply.id);
  } else w.u8(OK_EMPTY);
}

/** Reads a reply. */
export function readReply(r: ByteReader): NnReply {
  switch (r.u8()) {
    case OK_EMPTY:
      return { ok: true };
    case OK_ID:
      return { ok: true, id: r.u32() };
    case OK_TENSORS:
      return { ok: true, outputs: r.tensors() };
    case ERR: {
      const code = NN_ERROR_CODES[r.u8()] ?? "unknown";
      return { ok: false, error: new NnError(code, r.string()) };
    }
    default:
      throw new NnError("runtime-error", "Unknown wasi-nn reply");
  }
}
