/**
 * Buffered reads from a connection: exact counts for the protocol's messages and
 * large chunks for the data, sharing one buffer so no byte is lost between them.
 *
 * @module
 */
import { ProtocolError } from "./protocol.ts";

/** The readable side of a connection. */
export interface Readable {
  read(into: Uint8Array): Promise<number | null>;
}

/** Thrown when the peer closes the connection before a message or the data is complete. */
export class EndOfStreamError extends Error {
  override name = "EndOfStreamError";
}

/** A reader with one reusable buffer of `bufferSize` bytes. */
export class ConnReader {
  #buf: Uint8Array;
  #start = 0;
  #end = 0;

  constructor(readonly source: Readable, bufferSize = 1024 * 1024) {
    this.#buf = new Uint8Array(bufferSize);
  }

  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    else if (this.#end === this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const n = await this.source.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** Exactly `n` bytes (a copy), for protocol messages; `n` must fit the buffer. */
  async readExact(n: number): Promise<Uint8Array> {
    if (n > this.#buf.length) throw new ProtocolError(`message of ${n} bytes is too large`);
    while (this.#end - this.#start < n) {
      if (!(await this.#fill())) {
        throw new EndOfStreamError("the peer closed the connection mid-message");
      }
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /**
   * At most `max` bytes, as a view into the internal buffer valid until the next call;
   * `null` at end of stream.
   */
  async readChunk(max: number): Promise<Uint8Array | null> {
    if (this.#start === this.#end && !(await this.#fill())) return null;
    const n = Math.min(max, this.#end - this.#start);
    const out = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /**
   * Fills `target` (buffered bytes first, then straight from the source) until it is
   * full; returns how many bytes it holds, fewer only at end of stream.
   */
  async readFull(target: Uint8Array): Promise<number> {
    let n = Math.min(target.length, this.#end - this.#start);
    target.set(this.#buf.subarray(this.#start, this.#start + n));
    this.#start += n;
    while (n < target.length) {
      const got = await this.source.read(target.subarray(n));
      if (got === null) break;
      n += got;
    }
    return n;
  }
}
