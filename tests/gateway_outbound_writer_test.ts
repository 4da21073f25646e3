/**
 * The one write path into the queue: with `reject-new` a full queue makes
 * outputs wait for room while dead letters still go in (their own budget), and
 * a message that can never fit becomes a payload-less dead letter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { OutboundWriter, QueueRoom, tooLargeDeadLetter } from "../src/gateway/mod.ts";
import { OutboundQueue, type QueueMessage } from "../src/store/mod.ts";
import { Metrics, silentLogger } from "../src/telemetry/mod.ts";

const msg = (n: number, size = 100, deadLetter = false): QueueMessage => ({
  destination: deadLetter ? "dead-letter/flow" : "flow",
  topic: `t/${n}`,
  payload: new Uint8Array(size),
  properties: { contentType: null, userProperties: [] },
  id: `flow/${n}`,
  ...(deadLetter ? { deadLetter: true } : {}),
});

async function withWriter(
  fn: (w: OutboundWriter, q: OutboundQueue, room: QueueRoom) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "weir-writer-" });
  const queue = OutboundQueue.open(join(dir, "q.db"), {
    maxBytes: 600,
    maxAgeSeconds: 3600,
    policy: "reject-new",
  });
  const room = new QueueRoom();
  const writer = new OutboundWriter({
    queue,
    room,
    appended: () => {},
    tooLarge: (m, e) => tooLargeDeadLetter("flow", m, e),
    log: silentLogger,
    metrics: new Metrics(),
    labels: { dataflow: "flow" },
  });
  try {
    await fn(writer, queue, room);
  } finally {
    writer.stop();
    queue.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("OutboundWriter: a full reject-new queue holds outputs back, never dead letters", () =>
  withWriter(async (writer, queue, room) => {
    assert.equal(writer.write([msg(1), msg(2), msg(3)]), undefined, "fits: synchronous");
    const waiting = writer.write([msg(4)]);
    assert.ok(waiting instanceof Promise, "full: the output waits for room");
    assert.equal(writer.write([msg(5, 100, true)]), undefined, "a dead letter goes in at once");
    assert.equal(queue.usage().deadLetters.count, 1);
    let done = false;
    waiting.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false);
    queue.ack(queue.peek(1, { destination: "flow" }).map((m) => m.seq));
    room.made();
    await waiting;
    assert.deepEqual(queue.peek(10, { destination: "flow" }).map((m) => m.topic), [
      "t/2",
      "t/3",
      "t/4",
    ]);
  }));

Deno.test("OutboundWriter: a message larger than the queue becomes a dead letter without payload", () =>
  withWriter(async (writer, queue) => {
    await writer.write([msg(1), msg(2, 5_000), msg(3)]);
    assert.deepEqual(queue.peek(10, { destination: "flow" }).map((m) => m.topic), ["t/1", "t/3"]);
    const [stub] = queue.peek(10, { destination: "dead-letter/flow" });
    const body = JSON.parse(new TextDecoder().decode(stub!.payload));
    assert.equal(body.kind, "too-large");
    assert.equal(body.payloadBytes, 5_000);
    assert.equal(body.topic, "t/2");
  }));
