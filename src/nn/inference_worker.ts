/**
 * The inference worker: the one thread that loads ONNX Runtime and the model
 * files and owns every session. Callers hand it requests through mailboxes
 * and block until it answers; it serves whichever mailbox has a request,
 * spins a short while after a request (the next one often follows at once),
 * then sleeps on the shared doorbell without holding up its event loop.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { selectBackend } from "./backend.ts";
import { InferenceHost } from "./inference_host.ts";
import { MailboxServer } from "./mailbox.ts";
import { asNnError } from "./nn_error.ts";
import type { ControlMessage, WorkerEvent } from "./worker_messages.ts";

/** How long the worker keeps spinning after a request before it sleeps. */
const HOT_MS = 1;
/** Longest stretch without letting control messages in. */
const YIELD_MS = 5;

let host: InferenceHost | undefined;
let bell: Int32Array | undefined;
const servers = new Map<number, MailboxServer>();
/** Channel opens and closes, applied between requests. */
const control: ControlMessage[] = [];

function post(event: WorkerEvent): void {
  self.postMessage(event);
}

function ring(): void {
  if (!bell) return;
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
}

async function applyControl(): Promise<void> {
  while (control.length > 0) {
    const m = control.shift()!;
    if (m.type === "open") {
      host!.openChannel(m.id);
      servers.set(m.id, new MailboxServer(m.mailbox));
      post({ type: "opened", id: m.id });
    } else if (m.type === "close") {
      servers.delete(m.id);
      await host!.closeChannel(m.id);
      post({ type: "closed", id: m.id });
    } else if (m.type === "stats") post({ type: "stats", ...host!.stats() });
  }
}

async function serveOnce(): Promise<boolean> {
  let served = false;
  for (const [id, server] of servers) {
    let request;
    try {
      request = server.take();
    } catch (error) {
      server.answer({ ok: false, error: asNnError(error) });
      continue;
    }
    if (!request) continue;
    served = true;
    server.answer(await host!.handle(id, request));
  }
  return served;
}

/** A macrotask turn (a message to self: timers would be clamped to 4 ms when nested). */
const turn = new MessageChannel();
let resume: (() => void) | undefined;
turn.port1.onmessage = () => resume?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    resume = resolve;
    turn.port2.postMessage(0);
  });
}

async function serve(doorbell: Int32Array): Promise<never> {
  let hotUntil = 0;
  let lastYield = performance.now();
  for (;;) {
    await applyControl();
    const seen = Atomics.load(doorbell, 0);
    const served = await serveOnce();
    const now = performance.now();
    if (served) hotUntil = now + HOT_MS;
    if (now - lastYield > YIELD_MS) {
      await yieldToEvents();
      lastYield = performance.now();
    }
    if (served || now < hotUntil) continue;
    const wait = Atomics.waitAsync(doorbell, 0, seen, 1000);
    if (wait.async) await wait.value;
    lastYield = performance.now();
  }
}

async function start(m: Extract<ControlMessage, { type: "start" }>): Promise<void> {
  try {
    const backend = await selectBackend({ prefer: m.prefer });
    host = new InferenceHost(backend, { models: m.models, limits: m.limits });
    bell = new Int32Array(m.doorbell);
    post({
      type: "ready",
      backend: backend.name,
      ...(backend.fallbackReason ? { fallbackReason: backend.fallbackReason } : {}),
    });
  } catch (error) {
    post({ type: "failed", message: (error as Error).message ?? String(error) });
    return;
  }
  serve(bell).catch((error) => {
    // Anything unexpected ends this worker; the gateway sees it.
    throw error;
  });
}

self.onmessage = (e: MessageEvent<ControlMessage>) => {
  if (e.data.type === "start") {
    start(e.data);
    return;
  }
  control.push(e.data);
  ring();
};
