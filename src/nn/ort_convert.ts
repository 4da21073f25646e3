/**
 * wasi-nn tensors to and from ONNX Runtime tensors: element type names and
 * typed arrays over the little-endian bytes. BF16 has no ONNX Runtime
 * JavaScript type, so it is refused with `unsupported-operation`.
 *
 * @module
 */
import { NnError } from "./nn_error.ts";
import type { TensorType } from "./tensor.ts";

/** The ONNX Runtime JavaScript element type names Weir maps. */
export type OrtTensorType = "float16" | "float32" | "float64" | "uint8" | "int32" | "int64";

const TO_ORT: Record<TensorType, OrtTensorType | undefined> = {
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BF16: undefined,
  U8: "uint8",
  I32: "int32",
  I64: "int64",
};

const FROM_ORT: Record<string, TensorType> = {
  float16: "FP16",
  float32: "FP32",
  float64: "FP64",
  uint8: "U8",
  int32: "I32",
  int64: "I64",
};

// Tensor bytes are little-endian; typed arrays use the platform's order.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("wasi-nn tensors need a little-endian platform");
}

/** The ONNX Runtime type of a wasi-nn type; throws `unsupported-operation` for BF16. */
export function ortTypeOf(type: TensorType): OrtTensorType {
  const ort = TO_ORT[type];
  if (!ort) {
    throw new NnError(
      "unsupported-operation",
      `Tensor type ${type} is not supported: ONNX Runtime's JavaScript API has no bfloat16 tensors`,
    );
  }
  return ort;
}

/** The wasi-nn type of an ONNX Runtime type name, or undefined when wasi-nn has none. */
export function tensorTypeOf(ortType: string): TensorType | undefined {
  return FROM_ORT[ortType];
}

/** Any typed array ONNX Runtime hands back. */
export type ElementArray = ArrayBufferView & { readonly length: number };

type ArrayMaker = (buffer: ArrayBuffer) => ElementArray;

const MAKERS: Record<OrtTensorType, ArrayMaker> = {
  // Raw halves: ONNX Runtime takes a Uint16Array for float16 with or without Float16Array.
  float16: (b) => new Uint16Array(b),
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
  uint8: (b) => new Uint8Array(b),
  int32: (b) => new Int32Array(b),
  int64: (b) => new BigInt64Array(b),
};

const ALIGN: Record<OrtTensorType, number> = {
  float16: 2,
  float32: 4,
  float64: 8,
  uint8: 1,
  int32: 4,
  int64: 8,
};

/**
 * A typed array of `type` over `bytes`: a view when they fill a plain buffer
 * of their own at an aligned offset (as request decoding leaves them), else a copy.
 */
export function toElements(type: OrtTensorType, bytes: Uint8Array): ElementArray {
  const own = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength;
  if (own && bytes.byteLength % ALIGN[type] === 0) return MAKERS[type](bytes.buffer as ArrayBuffer);
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return MAKERS[type](buffer);
}

/** The little-endian bytes of a typed array (a copy). */
export function toBytes(elements: ArrayBufferView): Uint8Array {
  return new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength).slice();
}
