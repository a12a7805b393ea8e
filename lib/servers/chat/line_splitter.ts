/**
 * Splits a byte stream into lines (`\n` or `\r\n`) with a length limit: an oversized
 * line is reported once and its bytes discarded up to the next newline, so a peer can
 * never make the buffer grow past the limit.
 *
 * @module
 */

/** What {@linkcode LineSplitter.push} yields: a complete line, or notice of a discarded one. */
export type SplitItem = { kind: "line"; bytes: Uint8Array } | { kind: "too-long" };

/** An incremental line splitter holding at most `maxLineBytes` bytes. */
export class LineSplitter {
  #buf: Uint8Array;
  #len = 0;
  #discarding = false;

  /** @param maxLineBytes Longest accepted line without its ending. */
  constructor(readonly maxLineBytes: number) {
    this.#buf = new Uint8Array(maxLineBytes + 1); // +1 for a trailing \r
  }

  /** Feeds bytes; yields the lines completed by them (copies, without `\r\n`). */
  *push(chunk: Uint8Array): Generator<SplitItem> {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      const part = chunk.subarray(start, end);
      if (!this.#discarding) {
        if (this.#len + part.length > this.#buf.length) {
          this.#discarding = true;
          this.#len = 0;
          yield { kind: "too-long" };
        } else {
          this.#buf.set(part, this.#len);
          this.#len += part.length;
        }
      }
      if (nl === -1) break;
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        let n = this.#len;
        if (n > 0 && this.#buf[n - 1] === 0x0d) n--;
        if (n > this.maxLineBytes) {
          yield { kind: "too-long" };
        } else {
          yield { kind: "line", bytes: this.#buf.slice(0, n) };
        }
      }
      this.#len = 0;
      start = nl + 1;
    }
  }

  /** Bytes of an unfinished line held right now. */
  get pending(): number {
    return this.#len;
  }
}
