/**
 * One loaded model: an ONNX Runtime session plus the checks that turn a bad
 * request into a wasi-nn error naming what is wrong (the input name, the
 * model's inputs, the expected type or shape) before ONNX Runtime sees it.
 *
 * @module
 */
import type { OrtModule, OrtSession, OrtTensor, OrtValueMetadata } from "./backend.ts";
import { NnError } from "./nn_error.ts";
import { ortTypeOf, tensorTypeOf, toBytes, toElements } from "./ort_convert.ts";
import { type NamedTensor, tensorProblem } from "./tensor.ts";

function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(", ")}]`;
}

/** A model ready to run. */
export class ModelSession {
  /** Names the model in error texts. */
  readonly label: string;
  readonly #session: OrtSession;
  readonly #ort: OrtModule;
  readonly #inputs: Map<string, OrtValueMetadata>;

  /** Wraps a created session; `label` names the model in errors. */
  constructor(label: string, session: OrtSession, ort: OrtModule) {
    this.label = label;
    this.#session = session;
    this.#ort = ort;
    this.#inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  }

  /** The model's input names. */
  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  #inputList(): string {
    return this.#session.inputNames.map((n) => `"${n}"`).join(", ");
  }

  #feed(input: NamedTensor): OrtTensor {
    const { name, tensor } = input;
    const meta = this.#inputs.get(name);
    if (!meta) {
      throw new NnError(
        "invalid-argument",
        `Model "${this.label}" has no input "${name}"; its inputs are ${this.#inputList()}`,
      );
    }
    const type = ortTypeOf(tensor.type);
    if (meta.type && meta.type !== type) {
      const want = tensorTypeOf(meta.type) ?? meta.type;
      throw new NnError(
        "invalid-argument",
        `Input "${name}" of model "${this.label}" is ${want}, not ${tensor.type}`,
      );
    }
    const problem = tensorProblem(name, tensor);
    if (problem) throw new NnError("invalid-argument", problem);
    const shape = meta.shape;
    if (
      shape &&
      (shape.length !== tensor.dimensions.length ||
        shape.some((d, i) => typeof d === "number" && d !== tensor.dimensions[i]))
    ) {
      throw new NnError(
        "invalid-argument",
        `Input "${name}" of model "${this.label}" has shape ${shapeText(shape)}, not ${
          shapeText(tensor.dimensions)
        }`,
      );
    }
    return new this.#ort.Tensor(type, toElements(type, tensor.data), tensor.dimensions);
  }

  /** Runs the model; checks names, types and shapes first. */
  async compute(inputs: readonly NamedTensor[]): Promise<NamedTensor[]> {
    const feeds: Record<string, OrtTensor> = {};
    for (const input of inputs) {
      if (input.name in feeds) {
        throw new NnError("invalid-argument", `Input "${input.name}" is given twice`);
      }
      feeds[input.name] = this.#feed(input);
    }
    const missing = this.#session.inputNames.filter((n) => !(n in feeds));
    if (missing.length > 0) {
      throw new NnError(
        "invalid-argument",
        `Model "${this.label}" needs input ${
          missing.map((n) => `"${n}"`).join(", ")
        }; its inputs are ${this.#inputList()}`,
      );
    }
    let results: Record<string, OrtTensor>;
    try {
      results = await this.#session.run(feeds);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new NnError("runtime-error", `Model "${this.label}" failed: ${text.trim()}`, {
        cause: error,
      });
    }
    return this.#session.outputNames.map((name) => {
      const out = results[name]!;
      const type = tensorTypeOf(out.type);
      if (!type) {
        throw new NnError(
          "unsupported-operation",
          `Output "${name}" of model "${this.label}" is ${out.type}, which wasi-nn has no type for`,
        );
      }
      return {
        name,
        tensor: { dimensions: [...out.dims], type, data: toBytes(out.data as ArrayBufferView) },
      };
    });
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.#session.release();
  }
}
