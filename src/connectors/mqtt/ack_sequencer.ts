/**
 * Releases PUBACKs in the order the PUBLISHes arrived (MQTT 5 §4.6: "MUST
 * send PUBACK packets in the order in which the corresponding PUBLISH
 * packets were received"), however out of order the work on them finishes.
 * A message is acknowledged once every hold on it is released: one per
 * subscriber it went to, plus one while it waits for a subscriber.
 *
 * @module
 */

/** The acknowledgement state of one received QoS 1 message. */
export interface AckTicket {
  readonly messageId: number;
  /** Holds not yet released. */
  holds: number;
  /** From a connection that is gone: releasing it sends nothing. */
  stale: boolean;
}

/** In-order acknowledgement of received messages, for one connection at a time. */
export class AckSequencer {
  #queue: AckTicket[] = [];
  #head = 0;
  readonly #send: (messageId: number) => void;

  /** `send` writes the PUBACK of a message id. */
  constructor(send: (messageId: number) => void) {
    this.#send = send;
  }

  /** Registers a received message with `holds` holds (0 acknowledges it as soon as its turn comes). */
  open(messageId: number, holds: number): AckTicket {
    const ticket: AckTicket = { messageId, holds, stale: false };
    this.#queue.push(ticket);
    if (holds === 0) this.#flush();
    return ticket;
  }

  /** Adds a hold (a further subscriber got the message). */
  hold(ticket: AckTicket): void {
    if (!ticket.stale) ticket.holds++;
  }

  /** Releases one hold; PUBACKs go out for every message at the front whose holds are all released. */
  release(ticket: AckTicket): void {
    if (ticket.stale || ticket.holds <= 0) return;
    ticket.holds--;
    if (ticket.holds === 0) this.#flush();
  }

  /** Messages received and not yet acknowledged. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Forgets every message (the connection closed): their releases send nothing any more. */
  reset(): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]!.stale = true;
    this.#queue = [];
    this.#head = 0;
  }

  #flush(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.holds === 0) {
      const ticket = this.#queue[this.#head]!;
      ticket.stale = true;
      this.#head++;
      this.#send(ticket.messageId);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
