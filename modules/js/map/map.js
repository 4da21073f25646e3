// js-map: Fahrenheit → Celsius in JavaScript (componentize-js), Weir's JS sample operator.
//
//   {"temperature":{"value":1209,"unit":"F"}} → {"temperature":{"value":653.8888888888889,"unit":"C"}}
//
// * Only messages are accepted (snapshots / raw bytes → error, record dropped).
// * A payload {"temperature": {"value": <number>, "unit": "F"}} gets value (v − 32) × 5/9 at
//   full double precision (the same number as the Rust temperature map, aio-compat T01) and
//   unit "C"; every other key is kept in its place, and the payload is re-serialised with
//   JSON.stringify (compact, no spaces).
// * Any other JSON payload (unit C, humidity, …) is returned unchanged, byte for byte.
// * A payload that is not JSON → error "payload is not JSON: …" (record dropped).
//
// Built for world `map-impl` of wasm-graph:processor@1.1.0 (see ../README.md). The `map`
// export below implements interface `wasm-graph:processor/map@1.1.0`: componentize-js maps a
// returned value to `ok(...)` and a thrown {message} to `err(error)`.
import { log } from "wasm-graph:processor/logger@1.1.0";

const CONTEXT = "js-map";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The WIT `error` record the host logs before dropping the record. */
function failure(message) {
  return { message };
}

/** The bytes of a `buffer-or-bytes` or `buffer-or-string` value. */
function readBytes(value) {
  switch (value.tag) {
    case "buffer":
      return value.val.read();
    case "bytes":
      return value.val;
    case "string":
      return encoder.encode(value.val);
    default:
      throw failure(`unexpected value tag ${value.tag}`);
  }
}

/** Gives a host buffer handle back to the host now rather than at garbage collection. */
function release(value) {
  if (value.tag === "buffer") value.val[Symbol.dispose]?.();
}

/** The message payload parsed as JSON (UTF-8). */
function payloadJson(message) {
  const bytes = readBytes(message.payload);
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw failure(`payload is not JSON: ${error.message}`);
  }
}

export const map = {
  init(configuration) {
    const keys = configuration.properties.map(([key]) => key).join(", ") ||
      "none";
    log("info", CONTEXT, `init (properties: ${keys})`);
    return true;
  },

  process(data) {
    if (data.tag !== "message") {
      throw failure(`expected a message, got ${data.tag}`);
    }
    const message = data.val;
    const document = payloadJson(message);
    const temperature = document?.temperature;
    if (
      typeof temperature !== "object" || temperature === null ||
      typeof temperature.value !== "number" ||
      String(temperature.unit).toUpperCase() !== "F"
    ) {
      return data; // unchanged: the payload buffer goes back to the host as it came
    }
    temperature.value = (temperature.value - 32) * 5 / 9;
    temperature.unit = "C";
    release(message.payload);
    message.payload = {
      tag: "bytes",
      val: encoder.encode(JSON.stringify(document)),
    };
    return data;
  },
};
