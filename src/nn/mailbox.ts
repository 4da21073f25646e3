/**
 * A caller's mailbox: one growable SharedArrayBuffer through which a thread
 * that must block (a module calling wasi-nn synchronously) hands a request
 * to the inference worker and waits for the reply with `Atomics.wait`. The
 * caller spins briefly first, because waking a sleeping thread costs tens of
 * microseconds, about what a small model takes to run. A caller that times
 * out is released at once; the worker discards the late reply.
 *
 * @module
 */
import { NnError } from "./nn_error.ts";
import {
  type NnReply,
  type NnRequest,
  readReply,
  readRequest,
  writeReply,
  writeRequest,
} from "./protocol.ts";
import { ByteReader, ByteWriter, type WriteTarget } from "./wire.ts";

const STATE = 0, LENGTH = 1, ABANDONED = 2;
const IDLE = 0, REQUEST = 1, WORKING = 2, REPLY = 3;
/** Header bytes before the message. */
const DATA = 16;
const INITIAL_BYTES = 64 * 1024;
/**
 * How long a caller spins before it sleeps: long enough to catch the reply of
 * a short compute (a sleeping thread takes ~100 µs to wake), but only briefly
 * when its computes are long, so the run keeps every core for ONNX Runtime.
 */
const SPIN_LONG_MS = 0.3;
const SPIN_SHORT_MS = 0.03;
/** Computes averaging under this are short. */
const SHORT_MS = 0.5;

/** A new mailbox that carries messages of up to `maxBytes`. */
export function createMailbox(maxBytes: number): SharedArrayBuffer {
  // deno-lint-ignore no-explicit-any
  const Growable = SharedArrayBuffer as any;
  return new Growable(DATA + Math.min(INITIAL_BYTES, maxBytes), {
    maxByteLength: DATA + maxBytes,
  }) as SharedArrayBuffer;
}

/**
 * Room to write in a mailbox, growing it (by doubling) up to its maximum. The
 * views have a fixed length, remade when the buffer has grown (on either
 * side): V8 copies out of length-tracking views element by element, about
 * seven times slower.
 */
function target(sab: SharedArrayBuffer): WriteTarget {
  // deno-lint-ignore no-explicit-any
  const growable = sab as any as { maxByteLength: number; grow(n: number): void };
  let bytes = new Uint8Array(sab, 0, sab.byteLength);
  let view = new DataView(sab, 0, sab.byteLength);
  const fresh = () => {
    if (bytes.byteLength !== sab.byteLength) {
      bytes = new Uint8Array(sab, 0, sab.byteLength);
      view = new DataView(sab, 0, sab.byteLength);
    }
  };
  return {
    get bytes() {
      fresh();
      return bytes;
    },
    get view() {
      fresh();
      return view;
    },
    ensure(end: number) {
      if (end > growable.maxByteLength) {
        throw new NnError(
          "too-large",
          `The message is over ${
            growable.maxByteLength - DATA
          } bytes, the most a wasi-nn call may carry on this gateway (ml.maxModelBytes)`,
        );
      }
      growable.grow(Math.min(Math.max(end, sab.byteLength * 2), growable.maxByteLength));
      fresh();
    },
  };
}

function waitFor(
  h: Int32Array,
  done: (s: number) => boolean,
  deadline: number,
  spinMs: number,
): boolean {
  const spinUntil = Math.min(performance.now() + spinMs, deadline);
  while (performance.now() < spinUntil) if (done(Atomics.load(h, STATE))) return true;
  for (;;) {
    const s = Atomics.load(h, STATE);
    if (done(s)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(h, STATE, s, Math.min(left, 100));
  }
}

/** The calling side: blocks the thread until the reply or the time limit. */
export class MailboxCaller {
  readonly #h: Int32Array;
  readonly #bell: Int32Array;
  readonly #target: WriteTarget;
  /** Moving average of recent compute times, ms. */
  #recentMs = 0;

  /** Calls through `mailbox`, ringing `doorbell` to wake the worker. */
  constructor(mailbox: SharedArrayBuffer, doorbell: SharedArrayBuffer) {
    this.#h = new Int32Array(mailbox, 0, 4);
    this.#bell = new Int32Array(doorbell);
    this.#target = target(mailbox);
  }

  /** Sends `request` and waits up to `timeoutMs` for the reply. */
  call(request: NnRequest, timeoutMs: number): NnReply {
    const h = this.#h;
    const started = performance.now();
    const deadline = started + timeoutMs;
    const spinMs = this.#recentMs < SHORT_MS ? SPIN_LONG_MS : SPIN_SHORT_MS;
    // An earlier call that timed out may still be running: its late reply is dropped.
    if (!waitFor(h, (s) => s === IDLE || s === REPLY, deadline, spinMs)) {
      return timedOut(timeoutMs, "an earlier request that timed out is still running");
    }
    const w = new ByteWriter(this.#target, DATA);
    try {
      writeRequest(w, request);
    } catch (error) {
      if (error instanceof NnError) return { ok: false, error };
      throw error;
    }
    Atomics.store(h, LENGTH, w.offset - DATA);
    Atomics.store(h, ABANDONED, 0);
    Atomics.store(h, STATE, REQUEST);
    Atomics.add(this.#bell, 0, 1);
    Atomics.notify(this.#bell, 0);
    if (!waitFor(h, (s) => s === REPLY, deadline, spinMs)) {
      if (Atomics.compareExchange(h, STATE, REQUEST, IDLE) === REQUEST) {
        return timedOut(timeoutMs, "the inference worker did not take the request in time");
      }
      Atomics.store(h, ABANDONED, 1);
      if (Atomics.load(h, STATE) !== REPLY) {
        return timedOut(timeoutMs, "the model is still running");
      }
    }
    const reply = readReply(
      new ByteReader(this.#target.bytes, DATA, DATA + Atomics.load(h, LENGTH)),
    );
    Atomics.store(h, STATE, IDLE);
    if (request.op === "compute") {
      this.#recentMs = 0.8 * this.#recentMs + 0.2 * (performance.now() - started);
    }
    return reply;
  }
}

function timedOut(ms: number, why: string): NnReply {
  return {
    ok: false,
    error: new NnError(
      "timeout",
      `wasi-nn call exceeded its ${ms} ms limit (ml.computeTimeoutMs): ${why}`,
    ),
  };
}

/** The worker's side of one mailbox. */
export class MailboxServer {
  readonly #h: Int32Array;
  readonly #target: WriteTarget;

  /** Serves `mailbox`. */
  constructor(mailbox: SharedArrayBuffer) {
    this.#h = new Int32Array(mailbox, 0, 4);
    this.#target = target(mailbox);
  }

  /** Takes the waiting request, if any (the caller can no longer withdraw it). */
  take(): NnRequest | undefined {
    if (Atomics.compareExchange(this.#h, STATE, REQUEST, WORKING) !== REQUEST) return undefined;
    const end = DATA + Atomics.load(this.#h, LENGTH);
    return readRequest(new ByteReader(this.#target.bytes, DATA, end));
  }

  /** Writes the reply and wakes the caller; a caller that gave up gets nothing. */
  answer(reply: NnReply): void {
    const h = this.#h;
    if (Atomics.load(h, ABANDONED) === 0) {
      let w = new ByteWriter(this.#target, DATA);
      try {
        writeReply(w, reply);
      } catch (error) {
        if (!(error instanceof NnError)) throw error;
        w = new ByteWriter(this.#target, DATA);
        writeReply(w, { ok: false, error });
      }
      Atomics.store(h, LENGTH, w.offset - DATA);
    }
    if (Atomics.load(h, ABANDONED) === 1) {
      Atomics.store(h, ABANDONED, 0);
      Atomics.store(h, STATE, IDLE);
    } else Atomics.store(h, STATE, REPLY);
    Atomics.notify(h, STATE);
  }
}
