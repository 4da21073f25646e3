/**
 * Short-lived tickets for the event stream. A browser's `EventSource` cannot
 * send an `Authorization` header, so the page first asks for a ticket with
 * its bearer token and then opens `/api/events?ticket=…`. A ticket is
 * `<expiry ms>.<HMAC-SHA256 over the expiry>` keyed by the admin token: it
 * needs no server state, opens only the event stream (read-only), and is
 * worthless after a minute, so one that leaks into a log does little harm.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";

/** How long a ticket may be used to open a stream. */
export const TICKET_TTL_MS = 60_000;

/** Keeps the ticket key apart from any other use of the token. */
const PURPOSE = "weir-admin-events-ticket:";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Issues and checks event-stream tickets signed with a key from the admin token. */
export class EventTickets {
  readonly #key: Promise<CryptoKey>;
  readonly #now: () => number;

  /** Tickets keyed by `token`; `now` is the clock (for tests). */
  constructor(token: string, now: () => number = Date.now) {
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(token),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    this.#now = now;
  }

  async #signature(expiry: string): Promise<Uint8Array> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(PURPOSE + expiry));
    return new Uint8Array(mac);
  }

  /** A new ticket, valid for {@linkcode TICKET_TTL_MS}. */
  async issue(): Promise<string> {
    const expiry = String(this.#now() + TICKET_TTL_MS);
    return `${expiry}.${base64url(await this.#signature(expiry))}`;
  }

  /** True for a ticket this gateway issued that has not expired. */
  async verify(ticket: string): Promise<boolean> {
    const m = /^([0-9]{1,15})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (m === null) return false;
    const expiry = Number(m[1]);
    const now = this.#now();
    if (expiry <= now || expiry > now + TICKET_TTL_MS) return false;
    const expected = encoder.encode(base64url(await this.#signature(m[1]!)));
    return timingSafeEqual(expected, encoder.encode(m[2]!));
  }
}
