import assert from "node:assert/strict";
import { createAdminApp } from "../src/admin/mod.ts";
import { FakeControl } from "./_admin_fake_control.ts";

const TOKEN = "test-token-0123456789-abcdefghijklmnopqrstuvwxyz";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const JSON_AUTH = { ...AUTH, "Content-Type": "application/json" };

function setup() {
  const control = new FakeControl();
  control.addDeadLetter("ovens", "to-celsius", "not a number: warm", "sensors/oven-2", "warm");
  control.addDeadLetter("bridge", "bridge", "encode failed", "raw/x", "\u0000\u0001");
  const app = createAdminApp({ control, token: TOKEN });
  const get = (path: string) => app.request(path, { headers: AUTH });
  const post = (path: string, body: unknown) =>
    app.request(path, { method: "POST", headers: JSON_AUTH, body: JSON.stringify(body) });
  return { control, app, get, post };
}

Deno.test("GET /api/dead-letters lists newest first, filters and pages", async () => {
  const { get } = setup();
  const all = await (await get("/api/dead-letters")).json();
  assert.equal(all.total, 3);
  assert.deepEqual(all.deadLetters.map((d: { seq: number }) => d.seq), [3, 2, 1]);
  assert.equal(all.deadLetters[1].topic, "sensors/oven-2");
  assert.equal(all.deadLetters[1].preview.text, "warm");
  assert.equal(all.deadLetters[1].payloadBase64, undefined, "a list holds no whole payloads");
  const ovens = await (await get("/api/dead-letters?dataflow=ovens&reason=WARM")).json();
  assert.deepEqual(ovens.deadLetters.map((d: { seq: number }) => d.seq), [2]);
  const page = await (await get("/api/dead-letters?limit=2")).json();
  assert.equal(page.next, 2);
  const rest = await (await get(`/api/dead-letters?limit=2&before=${page.next}`)).json();
  assert.deepEqual(rest.deadLetters.map((d: { seq: number }) => d.seq), [1]);
  assert.equal(rest.next, undefined);
  const bad = await get("/api/dead-letters?limit=zero");
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /Query "limit" is "zero"/);
});

Deno.test("GET /api/dead-letters/:seq shows the payload as JSON, text or hex; 404 when gone", async () => {
  const { get } = setup();
  const one = await (await get("/api/dead-letters/3")).json();
  assert.equal(one.payloadBase64, "AAE=");
  assert.equal(one.preview.as, "hex");
  const text = await (await get("/api/dead-letters/2?as=hex")).json();
  assert.match(text.preview.text, /^00000000 {2}77 61 72 6d/);
  assert.equal((await get("/api/dead-letters/99")).status, 404);
  assert.equal((await get("/api/dead-letters/2?as=xml")).status, 400);
});

Deno.test("GET /api/dead-letters/export gives graph-test input lines as a download", async () => {
  const { get } = setup();
  const res = await get("/api/dead-letters/export?dataflow=ovens");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^application\/x-ndjson/);
  assert.match(res.headers.get("content-disposition")!, /filename="dead-letters-ovens\.jsonl"/);
  const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.payload), ["hot", "warm"]);
  assert.equal(lines[0].topic, "sensors/oven");
});

Deno.test("POST /api/dead-letters/replay and /purge need a selection and act on it", async () => {
  const { post, control } = setup();
  const empty = await post("/api/dead-letters/replay", {});
  assert.equal(empty.status, 400);
  assert.match((await empty.json()).error.message, /Say which dead letters/);
  assert.equal((await post("/api/dead-letters/purge", { seqs: ["x"] })).status, 400);
  assert.equal((await post("/api/dead-letters/purge", { everything: true })).status, 400);
  const replay = await (await post("/api/dead-letters/replay", { seqs: [2] })).json();
  assert.deepEqual(replay, { replayed: 1, handled: 1, skipped: [] });
  assert.ok(control.calls.includes(`replay ${JSON.stringify({ seqs: [2] })}`));
  const purged = await (await post("/api/dead-letters/purge", { all: true })).json();
  assert.deepEqual(purged, { purged: 2 });
  assert.equal(control.deadLetters().total, 0);
});

Deno.test("GET /api/queue and /api/trends report what the page charts", async () => {
  const { get, control } = setup();
  const queue = await (await get("/api/queue")).json();
  assert.equal(queue.deadLetters.count, 3);
  assert.equal(queue.outputs.count, 3);
  control.tick(5);
  control.sampleTrends();
  control.tick(5);
  control.sampleTrends();
  const trends = await (await get("/api/trends")).json();
  assert.equal(trends.times.length, 2);
  assert.deepEqual(trends.series["queue/deadLetters"], [3, 3]);
  assert.equal(trends.series["rate/ovens/source"].length, 2);
});

Deno.test("GET /vendor/uplot.js serves uPlot from the npm package, as a module the page may load", async () => {
  const { app } = setup();
  const js = await app.request("/vendor/uplot.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type")!, /^text\/javascript/);
  assert.match(await js.text(), /export \{ uPlot as default \}/);
  const css = await app.request("/vendor/uplot.css");
  assert.match(css.headers.get("content-type")!, /^text\/css/);
  await css.body?.cancel();
  assert.equal((await app.request("/vendor/other.js")).status, 404);
});

Deno.test("GET /api/events?kind=tap streams samples of an edge; an unknown edge is a 404", async () => {
  const { get, control } = setup();
  const missing = await get("/api/events?kind=tap&dataflow=ovens&from=source&to=sink");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error.message, /no edge from "source"/);
  assert.equal((await get("/api/events?kind=tap&dataflow=ovens")).status, 400);
  const res = await get("/api/events?kind=tap&dataflow=ovens&from=source&to=hot%3F");
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const ticking = setInterval(() => control.tick(3), 20);
  try {
    while (!text.includes("event: tap")) text += (await reader.read()).value ?? "";
    const block = text.slice(text.indexOf("event: tap")).split("\n\n")[0]!;
    const sample = JSON.parse(block.slice(block.indexOf("data: ") + 6));
    assert.equal(sample.from, "source");
    assert.equal(sample.to, "hot?");
    assert.equal(sample.topic, "sensors/oven");
    assert.equal(sample.preview.as, "json");
  } finally {
    clearInterval(ticking);
    await reader.cancel();
  }
});
