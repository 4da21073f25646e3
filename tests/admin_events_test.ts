import assert from "node:assert/strict";
import { createAdminApp } from "../src/admin/mod.ts";
import { FakeControl } from "./_admin_fake_control.ts";

const TOKEN = "test-token-0123456789-abcdefghijklmnopqrstuvwxyz";
const AUTH = { headers: { Authorization: `Bearer ${TOKEN}` } };

interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads SSE events from a response body, one at a time. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const comments: string[] = [];
  return {
    comments,
    async next(timeoutMs = 2000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: "message", data: {} };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line);
            else if (line.startsWith("event: ")) event.event = line.slice(7);
            else if (line.startsWith("id: ")) event.id = line.slice(4);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          event.data = JSON.parse(data.join("\n"));
          return event;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error("no event in time")),
              Math.max(0, deadline - Date.now()),
            );
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error("stream ended");
        buffer += chunk.value;
      }
    },
    async close() {
      await reader.cancel();
    },
  };
}

Deno.test("GET /api/events sends the recent ring, a live marker, then new events as they happen", async () => {
  const control = new FakeControl();
  const app = createAdminApp({ control, token: TOKEN });
  const res = await app.request("/api/events", AUTH);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Content-Type"), "text/event-stream");
  const sse = sseReader(res);
  const first = await sse.next();
  assert.equal(first.event, "log");
  assert.equal(first.id, "1");
  assert.deepEqual(first.data.data, { level: "info", msg: "dataflow started" });
  const second = await sse.next();
  assert.equal(second.event, "dead-letter");
  assert.equal((second.data.data as Record<string, unknown>).reason, "not a number: hot");
  assert.deepEqual((await sse.next()).event, "live");
  assert.equal(control.subscribers, 1);
  await control.stop("ovens");
  const live = await sse.next();
  assert.equal(live.event, "state");
  assert.equal(live.id, "3");
  assert.equal(live.data.dataflow, "ovens");
  assert.deepEqual(live.data.data, { state: "stopped" });
  await sse.close();
  // Leaving unsubscribes.
  for (let i = 0; i < 50 && control.subscribers > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(control.subscribers, 0);
});

Deno.test("GET /api/events?kind= sends only that kind, recent and live", async () => {
  const control = new FakeControl();
  const app = createAdminApp({ control, token: TOKEN });
  const sse = sseReader(await app.request("/api/events?kind=dead-letter", AUTH));
  const recent = await sse.next();
  assert.equal(recent.event, "dead-letter");
  assert.equal((await sse.next()).event, "live");
  await control.stop("ovens"); // a state event: filtered out
  control.emit({ kind: "dead-letter", dataflow: "ovens", data: { reason: "late" } });
  const live = await sse.next();
  assert.equal(live.event, "dead-letter");
  assert.deepEqual(live.data.data, { reason: "late" });
  await sse.close();
});

Deno.test("GET /api/events?kind= refuses an unknown kind with 400", async () => {
  const app = createAdminApp({ control: new FakeControl(), token: TOKEN });
  const res = await app.request("/api/events?kind=metrics", AUTH);
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "usage");
  assert.equal(
    body.error.message,
    'Query "kind" is "metrics"; expected one of "log", "dead-letter", "deploy", "state" or "tap"',
  );
});

Deno.test("GET /api/events sends keep-alive comments when quiet, and ends when the server stops", async () => {
  const control = new FakeControl();
  const stopping = new AbortController();
  const app = createAdminApp({ control, token: TOKEN, heartbeatMs: 20, signal: stopping.signal });
  const res = await app.request("/api/events?kind=state", AUTH);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(": keep-alive")) {
    const chunk = await reader.read();
    assert.equal(chunk.done, false);
    text += chunk.value;
  }
  stopping.abort();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
  }
  assert.equal(control.subscribers, 0);
});

Deno.test("GET /api/events tells a slow reader how many events it lost", async () => {
  const control = new FakeControl();
  const app = createAdminApp({ control, token: TOKEN });
  const res = await app.request("/api/events?kind=log", AUTH);
  const sse = sseReader(res);
  assert.equal((await sse.next()).event, "log");
  assert.equal((await sse.next()).event, "live");
  // Far more than the pending bound, all at once, while the reader reads nothing.
  for (let i = 0; i < 1500; i++) {
    control.emit({ kind: "log", data: { level: "info", msg: `line ${i}` } });
  }
  const kinds: string[] = [];
  const messages: unknown[] = [];
  while (!messages.includes("line 1499")) {
    const e = await sse.next();
    kinds.push(e.event);
    if (e.event === "dropped") messages.push(e.data);
    else messages.push((e.data.data as Record<string, unknown>).msg);
  }
  // The oldest 500 made way for the newest: a notice, then the last 1000 in order.
  assert.deepEqual(messages[0], { count: 500 });
  assert.equal(kinds.length, 1001);
  assert.equal(messages[1], "line 500");
  await sse.close();
});

/** A request from a given client address, as Deno.serve would report it. */
function from(address: string) {
  return { remoteAddr: { transport: "tcp", hostname: address, port: 40000 } };
}

Deno.test("GET /api/events allows 4 open streams per address; the 5th gets 429 until one closes", async () => {
  const control = new FakeControl();
  const app = createAdminApp({ control, token: TOKEN });
  const open: Response[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await app.request("/api/events", AUTH, from("10.0.0.1"));
    assert.equal(res.status, 200, `stream ${i + 1}`);
    open.push(res);
  }
  const fifth = await app.request("/api/events", AUTH, from("10.0.0.1"));
  assert.equal(fifth.status, 429);
  assert.equal(fifth.headers.get("Retry-After"), "5");
  assert.deepEqual(await fifth.json(), {
    error: {
      code: "too_many_streams",
      message: "Too many open event streams from this address (at most 4); close one first",
    },
  });
  // A ticket opens a stream of the same address's allowance.
  const { ticket } = await (await app.request("/api/events/ticket", { method: "POST", ...AUTH }))
    .json();
  const byTicket = await app.request(`/api/events?ticket=${ticket}`, {}, from("10.0.0.1"));
  assert.equal(byTicket.status, 429);
  await byTicket.body?.cancel();
  const other = await app.request("/api/events", AUTH, from("10.0.0.2"));
  assert.equal(other.status, 200);
  await other.body!.cancel();
  // Closing one frees its slot.
  await open.pop()!.body!.cancel();
  let again: Response | undefined;
  for (let i = 0; i < 100; i++) {
    again = await app.request("/api/events", AUTH, from("10.0.0.1"));
    if (again.status === 200) break;
    await again.body?.cancel();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(again?.status, 200);
  open.push(again!);
  for (const res of open) await res.body!.cancel();
  for (let i = 0; i < 100 && control.subscribers > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(control.subscribers, 0);
});
