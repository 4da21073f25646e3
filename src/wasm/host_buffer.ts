/**
 * The `buffer` resource of the WIT `types` interface: bytes the host holds,
 * which a module copies into its memory with `read()`. Payloads and topics
 * reach modules as buffers, as AIO's own host hands them out.
 *
 * @module
 */

/** A host-held byte buffer; jco passes instances to modules as resource handles. */
export class HostBuffer {
  readonly #bytes: Uint8Array;

  /** Wraps bytes; they are not copied, so they must not change afterwards. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The WIT method: the module receives a copy of the bytes. */
  read(): Uint8Array {
    return this.#bytes;
  }

  /** The bytes, for the host side, without a copy. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
}
