/**
 * Tensors as wasi-nn sees them: dimensions, an element type and raw
 * little-endian element bytes, plus the checks that a tensor is whole.
 *
 * @module
 */

/** The WIT `tensor-type` cases, in WIT order (the wire sends the index). */
export const TENSOR_TYPES = ["FP16", "FP32", "FP64", "BF16", "U8", "I32", "I64"] as const;

/** One wasi-nn element type, spelled as the WIT enum (and jco) spells it. */
export type TensorType = typeof TENSOR_TYPES[number];

/** A tensor's value. */
export interface TensorValue {
  readonly dimensions: readonly number[];
  readonly type: TensorType;
  /** Elements, little-endian, row-major. */
  readonly data: Uint8Array;
}

/** A tensor with the model input or output name it belongs to. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: TensorValue;
}

const SIZES: Record<TensorType, number> = {
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BF16: 2,
  U8: 1,
  I32: 4,
  I64: 8,
};

/** Bytes per element. */
export function elementSize(type: TensorType): number {
  return SIZES[type];
}

/** The number of elements the dimensions describe. */
export function elementCount(dimensions: readonly number[]): number {
  return dimensions.reduce((n, d) => n * d, 1);
}

/** Why a tensor is not whole (its data does not match its dimensions), or undefined. */
export function tensorProblem(name: string, t: TensorValue): string | undefined {
  const want = elementCount(t.dimensions) * elementSize(t.type);
  if (t.data.byteLength === want) return undefined;
  return `Input "${name}" has ${t.data.byteLength} bytes of data, but ${t.type} [${
    t.dimensions.join(", ")
  }] needs ${want}`;
}
