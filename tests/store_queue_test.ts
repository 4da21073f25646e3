import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  OutboundQueue,
  type OutboundQueueOptions,
  QueueFullError,
  type QueueMessage,
  ROW_OVERHEAD_BYTES,
} from "../src/store/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";

const encoder = new TextEncoder();

function message(n: number, destination = "cloud", size = 10): QueueMessage {
  return {
    destination,
    topic: `t/${n}`,
    payload: encoder.encode(String(n).padStart(size, "0")),
    properties: { contentType: "text/plain", userProperties: [["n", String(n)], ["n", "again"]] },
    id: `flow/op/${n}`,
  };
}

/** Accounted size of `message(n)` for n < 10 (same lengths for every one-digit n). */
function sizeOf(m: QueueMessage): number {
  const props = JSON.stringify({ c: m.properties.contentType, u: m.properties.userProperties });
  return m.payload.byteLength + m.topic.length + props.length + m.id.length +
    m.destination.length + ROW_OVERHEAD_BYTES;
}

async function withDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "weir-queue-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true });
  }
}

const BIG: OutboundQueueOptions = { maxBytes: 1 << 30, maxAgeSeconds: 3600 };

Deno.test("OutboundQueue keeps messages in order with their payload, properties and id", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), BIG);
    const seqs = queue.append([message(1), message(2), message(3)]);
    assert.equal(seqs.length, 3);
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
    const rows = queue.peek(10);
    assert.deepEqual(rows.map((r) => r.topic), ["t/1", "t/2", "t/3"]);
    assert.deepEqual(rows[0]!.payload, encoder.encode("0000000001"));
    assert.deepEqual(rows[0]!.properties, {
      contentType: "text/plain",
      userProperties: [["n", "1"], ["n", "again"]],
    });
    assert.equal(rows[0]!.id, "flow/op/1");
    assert.equal(rows[0]!.destination, "cloud");
    assert.equal(typeof rows[0]!.enqueuedAt, "number");
    assert.equal(queue.depth(), 3);
    assert.equal(queue.bytes(), sizeOf(message(1)) * 3);
  }));

Deno.test("OutboundQueue.peek() does not remove; ack() deletes only what it names", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), BIG);
    queue.append([message(1), message(2), message(3)]);
    const first = queue.peek(2);
    assert.deepEqual(queue.peek(2).map((r) => r.seq), first.map((r) => r.seq));
    assert.equal(queue.ack([first[0]!.seq]), 1);
    assert.equal(queue.ack([first[0]!.seq, 999_999]), 0, "already acked and unknown seqs");
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/2", "t/3"]);
    assert.deepEqual(queue.peek(10, { after: first[1]!.seq }).map((r) => r.topic), ["t/3"]);
    assert.equal(queue.depth(), 2);
  }));

Deno.test("OutboundQueue.peek() filters by destination, keeping each destination's order", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), BIG);
    queue.append([message(1, "a"), message(2, "b"), message(3, "a"), message(4, "b")]);
    assert.deepEqual(queue.peek(10, { destination: "a" }).map((r) => r.topic), ["t/1", "t/3"]);
    assert.deepEqual(queue.peek(1, { destination: "b" }).map((r) => r.topic), ["t/2"]);
  }));

Deno.test("OutboundQueue survives a reopen: same rows, same order, counters rebuilt, seqs not reused", () =>
  withDir((dir) => {
    const path = join(dir, "sub", "q.db");
    let lastSeq: number;
    {
      using queue = OutboundQueue.open(path, BIG);
      queue.append([message(1), message(2), message(3)]);
      lastSeq = queue.append([message(4)])[0]!;
      assert.ok(existsSync(`${path}-wal`), "the queue runs in WAL mode");
      queue.ack([queue.peek(1)[0]!.seq]);
      queue.ack([lastSeq]);
    }
    using again = OutboundQueue.open(path, BIG);
    assert.deepEqual(again.peek(10).map((r) => r.topic), ["t/2", "t/3"]);
    assert.equal(again.depth(), 2);
    assert.equal(again.bytes(), sizeOf(message(2)) * 2);
    const [next] = again.append([message(5)]);
    assert.ok(next! > lastSeq, "a deleted seq is never handed out again");
  }));

Deno.test("OutboundQueue drop-oldest makes room by dropping the oldest messages and counts them", () =>
  withDir((dir) => {
    const one = sizeOf(message(1));
    const warnings: string[] = [];
    using queue = OutboundQueue.open(join(dir, "q.db"), {
      maxBytes: one * 3,
      maxAgeSeconds: 3600,
      policy: "drop-oldest",
      logger: jsonLogger({ write: (line) => warnings.push(line) }),
    });
    queue.append([message(1), message(2), message(3)]);
    queue.append([message(4), message(5)]);
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/3", "t/4", "t/5"]);
    assert.equal(queue.stats().droppedOverflow, 2);
    assert.equal(queue.bytes(), one * 3);
    assert.equal(queue.depth(), 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"dropped":2/);
  }));

Deno.test("OutboundQueue reject-new refuses a batch that does not fit, stores none of it, takes it once acked", () =>
  withDir((dir) => {
    const one = sizeOf(message(1));
    using queue = OutboundQueue.open(join(dir, "q.db"), {
      maxBytes: one * 3,
      maxAgeSeconds: 3600,
      policy: "reject-new",
    });
    queue.append([message(1), message(2)]);
    assert.throws(
      () => queue.append([message(3), message(4)]),
      (e: unknown) =>
        e instanceof QueueFullError && e.code === "queue_full" && e.reason === "full" &&
        e.needed === one * 2 && e.available === one,
    );
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/1", "t/2"], "nothing of it stored");
    assert.equal(queue.stats().rejected, 2);
    queue.ack([queue.peek(1)[0]!.seq]);
    queue.append([message(3), message(4)]);
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/2", "t/3", "t/4"]);
  }));

Deno.test("OutboundQueue refuses a message larger than the whole queue, under either policy", () =>
  withDir((dir) => {
    for (const policy of ["drop-oldest", "reject-new"] as const) {
      using queue = OutboundQueue.open(join(dir, `${policy}.db`), {
        maxBytes: 200,
        maxAgeSeconds: 3600,
        policy,
      });
      queue.append([message(1)]);
      assert.throws(
        () => queue.append([message(2, "cloud", 500)]),
        (e: unknown) => e instanceof QueueFullError && e.reason === "too-large",
      );
      assert.equal(queue.depth(), 1, `${policy}: nothing dropped for a message that never fits`);
    }
  }));

Deno.test("OutboundQueue drops messages older than maxAgeSeconds, on append, peek and expire()", () =>
  withDir((dir) => {
    let now = 1_000_000;
    using queue = OutboundQueue.open(join(dir, "q.db"), {
      maxBytes: 1 << 20,
      maxAgeSeconds: 10,
      now: () => now,
    });
    queue.append([message(1)]);
    now += 5_000;
    queue.append([message(2)]);
    now += 6_000; // message 1 is 11 s old, message 2 is 6 s old
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/2"]);
    assert.equal(queue.stats().droppedExpired, 1);
    now += 5_000;
    assert.equal(queue.expire(), 1);
    assert.equal(queue.depth(), 0);
    assert.equal(queue.bytes(), 0);
    now += 100_000;
    queue.append([message(3)]);
    assert.equal(queue.depth(), 1);
  }));

Deno.test("OutboundQueue with reject-new still drops expired messages before refusing", () =>
  withDir((dir) => {
    let now = 0;
    const one = sizeOf(message(1));
    using queue = OutboundQueue.open(join(dir, "q.db"), {
      maxBytes: one * 2,
      maxAgeSeconds: 1,
      policy: "reject-new",
      now: () => now,
    });
    queue.append([message(1), message(2)]);
    now = 2_000;
    queue.append([message(3), message(4)]);
    assert.deepEqual(queue.peek(10).map((r) => r.topic), ["t/3", "t/4"]);
    assert.equal(queue.stats().droppedExpired, 2);
    assert.equal(queue.stats().rejected, 0);
  }));

Deno.test("OutboundQueue.open() refuses bad bounds, and a closed queue refuses use", () =>
  withDir((dir) => {
    assert.throws(
      () => OutboundQueue.open(join(dir, "a.db"), { maxBytes: 0, maxAgeSeconds: 1 }),
      RangeError,
    );
    assert.throws(
      () => OutboundQueue.open(join(dir, "b.db"), { maxBytes: 1, maxAgeSeconds: 0 }),
      RangeError,
    );
    const queue = OutboundQueue.open(join(dir, "c.db"), BIG);
    queue.close();
    queue.close();
    assert.throws(() => queue.append([message(1)]), /Queue is closed/);
  }));

Deno.test("OutboundQueue: a large batch in one transaction and a drain keep exact counters", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), { ...BIG, synchronous: "normal" });
    const batch = Array.from({ length: 2000 }, (_, i) => message(i));
    queue.append(batch);
    assert.equal(queue.depth(), 2000);
    let seen = 0;
    for (let rows = queue.peek(300); rows.length > 0; rows = queue.peek(300)) {
      assert.equal(rows[0]!.topic, `t/${seen}`);
      seen += rows.length;
      queue.ack(rows.map((r) => r.seq));
    }
    assert.equal(seen, 2000);
    assert.equal(queue.depth(), 0);
    assert.equal(queue.bytes(), 0);
  }));

const dead = (n: number): QueueMessage => ({
  ...message(n, "dead-letter/flow"),
  deadLetter: true,
});

Deno.test("OutboundQueue: dead letters have their own budget and never evict outputs", () =>
  withDir((dir) => {
    const one = sizeOf(message(1));
    const oneDead = sizeOf(dead(4));
    for (const policy of ["drop-oldest", "reject-new"] as const) {
      using queue = OutboundQueue.open(join(dir, `${policy}.db`), {
        maxBytes: one * 3,
        deadLetterMaxBytes: oneDead * 2,
        maxAgeSeconds: 3600,
        policy,
      });
      queue.append([message(1), message(2), message(3)]); // outputs fill their budget
      queue.append([dead(4), dead(5), dead(6), dead(7)]); // a flood of bad input
      const rows = queue.peek(10);
      assert.deepEqual(rows.filter((m) => m.destination === "cloud").map((m) => m.topic), [
        "t/1",
        "t/2",
        "t/3",
      ], `${policy}: every output kept`);
      assert.deepEqual(
        rows.filter((m) => m.destination !== "cloud").map((m) => m.topic),
        ["t/6", "t/7"],
        `${policy}: the newest dead letters kept within their budget`,
      );
      assert.equal(queue.stats().droppedDeadLetters, 2);
      assert.equal(queue.stats().droppedOverflow, 0);
      assert.deepEqual(queue.usage(), {
        outputs: { count: 3, bytes: one * 3 },
        deadLetters: { count: 2, bytes: oneDead * 2 },
      });
    }
  }));

Deno.test("OutboundQueue: a queue file from before dead-letter budgets is upgraded in place", () =>
  withDir(async (dir) => {
    const path = join(dir, "old.db");
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec(
      `CREATE TABLE outbound (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL,
      topic TEXT NOT NULL, payload BLOB NOT NULL, properties TEXT NOT NULL, id TEXT NOT NULL,
      bytes INTEGER NOT NULL, enqueued_at INTEGER NOT NULL)`,
    );
    db.prepare(
      "INSERT INTO outbound (destination, topic, payload, properties, id, bytes, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).run("dead-letter/flow", "t", new Uint8Array(3), '{"c":null,"u":[]}', "x", 100, Date.now());
    db.close();
    using queue = OutboundQueue.open(path, BIG);
    assert.deepEqual(queue.usage(), {
      outputs: { count: 0, bytes: 0 },
      deadLetters: { count: 1, bytes: 100 },
    });
  }));

/** A dead letter whose payload is JSON, as the gateway writes them. */
function deadJson(n: number, body: Record<string, string>, destination = "dead-letter/a") {
  return {
    destination,
    topic: `weir/dead-letter/${n}`,
    payload: encoder.encode(JSON.stringify(body)),
    properties: { contentType: "application/json", userProperties: [] },
    id: `dl/${n}`,
    deadLetter: true,
  } satisfies QueueMessage;
}

Deno.test("OutboundQueue.list() pages by seq either way and filters by class, destination and JSON fields", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), BIG);
    queue.append([message(1)]);
    queue.append([
      deadJson(2, { operation: "convert", reason: "Failed to parse payload as JSON" }),
      deadJson(3, { operation: "flaky", reason: "Module trapped: unreachable" }),
      deadJson(4, { operation: "convert", reason: "not a number" }, "dead-letter/b"),
    ]);
    queue.append([{ ...message(5), deadLetter: true, destination: "dead-letter/a" }]); // not JSON
    const topics = (rows: { topic: string }[]) => rows.map((r) => r.topic);

    assert.deepEqual(topics(queue.list({ deadLetters: false })), ["t/1"]);
    const dead = queue.list({ deadLetters: true });
    assert.deepEqual(topics(dead), [
      "weir/dead-letter/2",
      "weir/dead-letter/3",
      "weir/dead-letter/4",
      "t/5",
    ]);
    assert.ok(
      dead.every((r) => r.deadLetter) && !queue.list({ deadLetters: false })[0]!.deadLetter,
    );
    assert.deepEqual(
      topics(queue.list({ deadLetters: true, destination: "dead-letter/a", newestFirst: true })),
      ["t/5", "weir/dead-letter/3", "weir/dead-letter/2"],
    );
    assert.deepEqual(
      topics(queue.list({ deadLetters: true, payloadEquals: { operation: "convert" } })),
      ["weir/dead-letter/2", "weir/dead-letter/4"],
      "a payload that is not JSON matches no field filter",
    );
    assert.deepEqual(
      topics(queue.list({ payloadContains: { reason: "PARSE" }, destination: "dead-letter/a" })),
      ["weir/dead-letter/2"],
    );

    // Pages: oldest first with `after`, newest first with `before`.
    const first = queue.list({ deadLetters: true, limit: 2 });
    const second = queue.list({ deadLetters: true, limit: 2, after: first.at(-1)!.seq });
    assert.deepEqual(topics([...first, ...second]), topics(dead));
    const newest = queue.list({ deadLetters: true, limit: 3, newestFirst: true });
    const older = queue.list({
      deadLetters: true,
      limit: 3,
      newestFirst: true,
      before: newest.at(-1)!.seq,
    });
    assert.deepEqual(topics([...newest, ...older]), topics(dead).reverse());

    assert.equal(queue.count({ deadLetters: true }), 4);
    assert.equal(queue.count({ payloadEquals: { operation: "flaky" } }), 1);
    assert.throws(() => queue.list({ payloadEquals: { "a') OR 1=1 --": "x" } }), RangeError);
  }));

Deno.test("OutboundQueue.get() finds one row by seq; remove() deletes what a filter names and keeps the counters", () =>
  withDir((dir) => {
    using queue = OutboundQueue.open(join(dir, "q.db"), BIG);
    const [out] = queue.append([message(1)]);
    const seqs = queue.append([
      deadJson(2, { operation: "convert" }),
      deadJson(3, { operation: "flaky" }),
      deadJson(4, { operation: "convert" }, "dead-letter/b"),
    ]);
    const got = queue.get(seqs[1]!)!;
    assert.equal(got.topic, "weir/dead-letter/3");
    assert.equal(got.deadLetter, true);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(got.payload)), { operation: "flaky" });
    assert.equal(queue.get(999_999), undefined);

    assert.equal(queue.remove({}), 0, "no filter removes nothing");
    assert.equal(queue.remove({ seqs: [seqs[0]!] }), 1);
    assert.equal(queue.get(seqs[0]!), undefined);
    assert.equal(
      queue.remove({ deadLetters: true, payloadEquals: { operation: "convert" } }),
      1,
      "only the dead letter of b is left with operation convert",
    );
    assert.equal(queue.remove({ deadLetters: true, destination: "dead-letter/a" }), 1);
    const usage = queue.usage();
    assert.equal(usage.deadLetters.count, 0);
    assert.equal(usage.deadLetters.bytes, 0);
    assert.equal(usage.outputs.count, 1, "outputs are untouched");
    assert.equal(queue.get(out!)!.deadLetter, false);
    // The counters agree with the file after a reopen.
    queue.close();
    using again = OutboundQueue.open(join(dir, "q.db"), BIG);
    assert.deepEqual(again.usage(), usage);
  }));
