import assert from "node:assert/strict";
import { formatHlc, type Message } from "../src/base/mod.ts";
import { formatInputLine, parseInputLine } from "../src/gateway/mod.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("parseInputLine() takes a payload given as a JSON value as its JSON text", () => {
  const r = parseInputLine(
    '{"topic":"sensors/oven","payload":{"temperature":{"value":212,"unit":"F"}}}',
    "in.jsonl:1",
    undefined,
  );
  const m = r.data as Message;
  assert.equal(decode(m.payload), '{"temperature":{"value":212,"unit":"F"}}');
  assert.equal(
    decode((parseInputLine('{"payload":72.5}', "x", undefined).data as Message).payload),
    "72.5",
  );
  assert.equal(
    decode((parseInputLine('{"payload":"72.5"}', "x", undefined).data as Message).payload),
    "72.5",
  );
});

Deno.test("formatInputLine() writes a line parseInputLine() reads back into the same record", () => {
  for (
    const line of [
      '{"topic":"sensors/oven","payload":"not json","ts":"1700000000000:3:dev","properties":[["site","7"],["__ts","x"]],"contentType":"text/plain"}',
      '{"topic":"bin","payloadBase64":"AAH/","ts":"5:0:weir","properties":[]}',
    ]
  ) {
    const record = parseInputLine(line, "in", undefined);
    const again = parseInputLine(
      formatInputLine(record.time, record.data as Message),
      "out",
      undefined,
    );
    assert.deepEqual(again, record);
    assert.equal(formatHlc(again.time), formatHlc(record.time));
  }
});
