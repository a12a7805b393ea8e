/**
 * A client's bounded outgoing queue and the loop that writes it. Senders only ever
 * enqueue, so one slow or stuck reader never delays anyone else; when a client's queue
 * would pass its limit, {@linkcode Outbox.push} returns `false` and the caller drops it.
 *
 * @module
 */

/** The writable side of a connection. */
export interface Writable {
  write(data: Uint8Array): Promise<number>;
}

/** A byte-bounded queue drained by one writer loop. */
export class Outbox {
  #queue: Uint8Array[] = [];
  #queued = 0;
  #wake: (() => void) | undefined;
  #closing = false;
  #done: Promise<void>;

  /**
   * @param out Where the bytes go.
   * @param maxBytes The most bytes waiting (not yet handed to `write`).
   */
  constructor(out: Writable, readonly maxBytes: number) {
    this.#done = this.#run(out);
  }

  /** Whether `end()` was called (or a write failed): nothing more is accepted. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Bytes waiting to be written. */
  get queued(): number {
    return this.#queued;
  }

  /** Queues `data`; returns `false` (queueing nothing) if it would pass the limit or is closed. */
  push(data: Uint8Array): boolean {
    if (this.#closing) return false;
    if (this.#queued + data.length > this.maxBytes) return false;
    this.#queue.push(data);
    this.#queued += data.length;
    this.#wake?.();
    return true;
  }

  /** Stops accepting data; the loop writes what is queued, then `finished` resolves. */
  end(): void {
    this.#closing = true;
    this.#wake?.();
  }

  /** Resolves when the loop has written everything after `end()`, or a write failed. */
  get finished(): Promise<void> {
    return this.#done;
  }

  async #run(out: Writable): Promise<void> {
    try {
      while (true) {
        if (this.#queue.length === 0) {
          if (this.#closing) return;
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = undefined;
          continue;
        }
        const batch = this.#take();
        let off = 0;
        while (off < batch.length) off += await out.write(batch.subarray(off));
      }
    } catch {
      // the connection closed under us: the owner notices on its read side
      this.#closing = true;
      this.#queue = [];
      this.#queued = 0;
    }
  }

  #take(): Uint8Array {
    const parts = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    if (parts.length === 1) return parts[0]!;
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
