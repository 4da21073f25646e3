import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createAdminApp,
  EventTickets,
  FailureLimiter,
  loadOrCreateToken,
  sameSecret,
  TICKET_TTL_MS,
  TOKEN_FILE_NAME,
} from "../src/admin/mod.ts";
import { WeirError } from "../src/base/mod.ts";
import { FakeControl } from "./_admin_fake_control.ts";

const TOKEN = "test-token-0123456789-abcdefghijklmnopqrstuvwxyz";

function app(now?: () => number) {
  return createAdminApp({ control: new FakeControl(), token: TOKEN, ...(now ? { now } : {}) });
}

/** A request from a given client address, as Deno.serve would report it. */
function from(address: string) {
  return { remoteAddr: { transport: "tcp", hostname: address, port: 40000 } };
}

function bearer(token: string): RequestInit {
  return { headers: { Authorization: `Bearer ${token}` } };
}

Deno.test("GET /api/health answers without a token", async () => {
  const res = await app().request("/api/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ok",
    dataflows: 2,
    endpointsDown: [],
    dataflowsFailed: [],
  });
});

Deno.test("GET /api/health says degraded and names an endpoint that is down", async () => {
  const control = new FakeControl();
  control.endpointStates = [
    { name: "local", up: true, since: "2026-01-01T00:00:00.000Z" },
    { name: "upstream", up: false, since: "2026-01-01T00:00:00.000Z", error: "ECONNREFUSED" },
  ];
  const res = await createAdminApp({ control, token: TOKEN }).request("/api/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "degraded",
    dataflows: 2,
    endpointsDown: ["upstream"],
    dataflowsFailed: [],
  });
});

Deno.test("createAdminApp() refuses API calls without a token with 401 and a JSON error", async () => {
  const res = await app().request("/api/dataflows");
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate") ?? "", /^Bearer/);
  const body = await res.json();
  assert.equal(body.error.code, "unauthorized");
  assert.match(body.error.message, /Bearer/);
});

Deno.test("createAdminApp() refuses a wrong token with 401 and accepts the right one", async () => {
  const a = app();
  const wrong = await a.request("/api/dataflows", bearer("nope"));
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error.message, "The admin token is not valid");
  const prefix = await a.request("/api/dataflows", bearer(TOKEN.slice(0, -1)));
  assert.equal(prefix.status, 401);
  const right = await a.request("/api/dataflows", bearer(TOKEN));
  assert.equal(right.status, 200);
  assert.deepEqual((await right.json()).dataflows.map((d: { name: string }) => d.name), [
    "ovens",
    "bridge",
  ]);
});

Deno.test("createAdminApp() answers 429 with Retry-After after 5 failures from one address, yet lets the right token in", async () => {
  let now = 1_000_000;
  const a = app(() => now);
  for (let i = 0; i < 5; i++) {
    const res = await a.request("/api/dataflows", bearer(`guess-${i}`), from("127.0.0.7"));
    assert.equal(res.status, 401, `attempt ${i + 1}`);
  }
  const limited = await a.request("/api/dataflows", bearer("guess-5"), from("127.0.0.7"));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("Retry-After"), "60");
  assert.equal((await limited.json()).error.code, "rate_limited");
  // The right token is checked first and gets through: a shared address cannot be locked out.
  const right = await a.request("/api/dataflows", bearer(TOKEN), from("127.0.0.7"));
  assert.equal(right.status, 200);
  // ... and does not wipe the slate for the guesses that share its address.
  const still = await a.request("/api/dataflows", bearer("guess-6"), from("127.0.0.7"));
  assert.equal(still.status, 429);
  // Another address is not affected.
  const other = await a.request("/api/dataflows", bearer("typo"), from("127.0.0.8"));
  assert.equal(other.status, 401);
  // The limit lifts as the failures leave the one-minute window.
  now += 30_000;
  const later = await a.request("/api/dataflows", bearer("guess-7"), from("127.0.0.7"));
  assert.equal(later.status, 429);
  assert.equal(later.headers.get("Retry-After"), "30");
  now += 60_001;
  const after = await a.request("/api/dataflows", bearer("guess-8"), from("127.0.0.7"));
  assert.equal(after.status, 401);
});

for (const burst of [60, 200]) {
  Deno.test(`createAdminApp() answers exactly 5 of ${burst} concurrent wrong tokens with 401, the rest 429`, async () => {
    const a = app(() => 2_000_000);
    const answers = await Promise.all(
      Array.from({ length: burst }, async (_, i) => {
        const res = await a.request("/api/modules", bearer(`guess-${i}`), from("192.0.2.1"));
        await res.body?.cancel();
        return res.status;
      }),
    );
    const count = (status: number) => answers.filter((s) => s === status).length;
    assert.deepEqual([count(401), count(429)], [5, burst - 5]);
    const right = await a.request("/api/modules", bearer(TOKEN), from("192.0.2.1"));
    assert.equal(right.status, 200);
  });
}

Deno.test("createAdminApp() counts failures by the socket address, never by X-Forwarded-For", async () => {
  const a = app(() => 3_000_000);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await a.request(
      "/api/dataflows",
      { headers: { Authorization: "Bearer wrong", "X-Forwarded-For": `198.51.100.${i}` } },
      from("127.0.0.1"),
    );
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  // Naming someone else's address in the header does not slow them down either.
  const victim = await a.request(
    "/api/dataflows",
    { headers: { Authorization: "Bearer wrong", "X-Forwarded-For": "127.0.0.1" } },
    from("203.0.113.9"),
  );
  assert.equal(victim.status, 401);
});

Deno.test("FailureLimiter counts failures past the budget, so a source that keeps guessing stays slowed", () => {
  let now = 0;
  const limiter = new FailureLimiter({ maxFailures: 2, windowMs: 10_000, now: () => now });
  assert.equal(limiter.fail("a"), 0);
  assert.equal(limiter.fail("a"), 0);
  assert.equal(limiter.fail("a"), 10);
  now = 9_000;
  assert.equal(limiter.fail("a"), 1, "the two latest failures are at 0 and 9000");
  assert.equal(limiter.retryAfterSeconds("a"), 1);
  now = 10_001; // the failures at 0 have left the window; the one at 9000 has not
  assert.equal(limiter.retryAfterSeconds("a"), 0);
  assert.equal(limiter.fail("a"), 0);
  assert.equal(limiter.fail("a"), 10);
  assert.equal(limiter.retryAfterSeconds("b"), 0, "other sources are not affected");
});

Deno.test("FailureLimiter keeps at most maxClients addresses", () => {
  const limiter = new FailureLimiter({ maxFailures: 1, maxClients: 2, now: () => 0 });
  assert.equal(limiter.fail("a"), 0);
  limiter.fail("b");
  limiter.fail("c");
  assert.equal(limiter.retryAfterSeconds("a"), 0, "the stalest address is forgotten");
  assert.ok(limiter.retryAfterSeconds("c") > 0);
});

Deno.test("sameSecret() compares SHA-256 digests, so lengths and prefixes do not matter", async () => {
  assert.equal(await sameSecret(TOKEN, TOKEN), true);
  assert.equal(await sameSecret("", TOKEN), false);
  assert.equal(await sameSecret(TOKEN.slice(0, 10), TOKEN), false);
  assert.equal(await sameSecret(TOKEN + "x", TOKEN), false);
});

Deno.test("createAdminApp() checks the token by hashing both sides with SHA-256", async () => {
  const digest = crypto.subtle.digest;
  const hashed: string[] = [];
  crypto.subtle.digest = function (algorithm, data) {
    hashed.push(`${algorithm}:${new TextDecoder().decode(data as Uint8Array)}`);
    return digest.call(crypto.subtle, algorithm, data);
  };
  try {
    const res = await app().request("/api/dataflows", bearer("wrong-token"));
    assert.equal(res.status, 401);
  } finally {
    crypto.subtle.digest = digest;
  }
  assert.deepEqual(hashed.sort(), [`SHA-256:${TOKEN}`, "SHA-256:wrong-token"]);
});

Deno.test("GET /api/events accepts a ticket from POST /api/events/ticket instead of a header", async () => {
  let now = 5_000_000;
  const a = app(() => now);
  const issued = await a.request("/api/events/ticket", { method: "POST", ...bearer(TOKEN) });
  assert.equal(issued.status, 200);
  const { ticket, expiresInSeconds } = await issued.json();
  assert.equal(expiresInSeconds, TICKET_TTL_MS / 1000);
  const stream = await a.request(`/api/events?ticket=${ticket}`);
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get("Content-Type"), "text/event-stream");
  await stream.body?.cancel();
  // A ticket opens only the event stream.
  const other = await a.request(`/api/dataflows?ticket=${ticket}`);
  assert.equal(other.status, 401);
  // And only for a minute.
  now += TICKET_TTL_MS;
  const expired = await a.request(`/api/events?ticket=${ticket}`);
  assert.equal(expired.status, 401);
});

Deno.test("EventTickets.verify() refuses forged, altered and far-future tickets", async () => {
  const tickets = new EventTickets(TOKEN, () => 1000);
  const good = await tickets.issue();
  assert.equal(await tickets.verify(good), true);
  const [expiry, mac] = good.split(".");
  assert.equal(await tickets.verify(`${Number(expiry) + 1}.${mac}`), false);
  assert.equal(await tickets.verify(`${expiry}.${mac!.slice(0, -1)}A`), mac!.endsWith("A"));
  const forged = await new EventTickets("another-token", () => 1000).issue();
  assert.equal(await tickets.verify(forged), false);
  const future = await new EventTickets(TOKEN, () => 1000 + TICKET_TTL_MS).issue();
  assert.equal(await tickets.verify(future), false);
  assert.equal(await tickets.verify("garbage"), false);
});

Deno.test("loadOrCreateToken() creates a 0600 token file once and reads it back after", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateToken(join(dir, "data"));
    assert.equal(first.created, true);
    assert.equal(first.path, join(dir, "data", TOKEN_FILE_NAME));
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/, "32 random bytes as base64url");
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    assert.equal(await Deno.readTextFile(first.path), first.token + "\n");
    const second = await loadOrCreateToken(join(dir, "data"));
    assert.deepEqual(second, { ...first, created: false });
    const other = await loadOrCreateToken(join(dir, "elsewhere"));
    assert.notEqual(other.token, first.token);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadOrCreateToken() refuses a token file others can read, and one without a token", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { path } = await loadOrCreateToken(dir);
    await Deno.chmod(path, 0o644);
    await assert.rejects(loadOrCreateToken(dir), (e: unknown) => {
      assert.ok(e instanceof WeirError);
      assert.equal(e.code, "usage");
      assert.match(e.message, /has mode 0644, which lets other users read it; expected 0600/);
      assert.ok(e.message.includes(`chmod 600 "${path}"`));
      return true;
    });
    await Deno.chmod(path, 0o600);
    await Deno.writeTextFile(path, "short\n");
    await assert.rejects(loadOrCreateToken(dir), /holds no usable token/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
