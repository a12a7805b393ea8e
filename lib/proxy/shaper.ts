/**
 * The slow lane of a pump: chunks wait in a bounded queue for their due time (latency,
 * jitter), then go out at a limited rate (bandwidth) and in slices. The queue holds at
 * most {@linkcode MAX_QUEUED} bytes, so a fast producer waits for a slow consumer.
 *
 * @module
 */
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import type { DirectionFaults } from "./faults.ts";

/** The most bytes a shaped direction holds in flight before the reader waits. */
export const MAX_QUEUED = 4 * 1024 * 1024;

/** What to do after a chunk went out: the end of a reset-after / close-after budget. */
export type After = "reset" | "close";

interface Item {
  due: number;
  bytes: Uint8Array;
  after?: After;
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A queue of chunks written to `dst` with the faults of one direction applied. */
export class ShapedWriter {
  #queue: Item[] = [];
  #queued = 0;
  #lastDue = 0;
  #nextSend = 0;
  #running: Promise<void> | undefined;
  #error: unknown;
  #finished: After | undefined;
  #spaceWaiter: (() => void) | undefined;

  constructor(
    readonly dst: ByteDuplex,
    readonly faults: () => DirectionFaults,
    readonly signal: AbortSignal,
  ) {}

  /** True when nothing is queued or being written. */
  get idle(): boolean {
    return this.#running === undefined;
  }

  /** Queues a chunk (kept, not copied: pass a copy), waiting while the queue is full. */
  async push(bytes: Uint8Array, after?: After): Promise<void> {
    while (this.#queued >= MAX_QUEUED && this.#error === undefined) {
      await new Promise<void>((r) => (this.#spaceWaiter = r));
    }
    if (this.#error !== undefined) throw this.#error;
    const f = this.faults();
    const now = performance.now();
    const wait = (f.latencyMs ?? 0) + (f.jitterMs ? Math.random() * f.jitterMs : 0);
    const due = Math.max(now + wait, this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ due, bytes, after });
    this.#queued += bytes.byteLength;
    this.#running ??= this.#run();
  }

  /**
   * Waits until everything queued went out. Returns the `after` action of the last
   * chunk when one was reached; throws the write error when the destination failed.
   */
  async drain(): Promise<After | undefined> {
    while (this.#running) await this.#running;
    if (this.#error !== undefined) throw this.#error;
    return this.#finished;
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length) {
        const item = this.#queue[0]!;
        const wait = item.due - performance.now();
        if (wait >= 1) await delay(wait, this.signal);
        await this.#send(item.bytes);
        this.#queue.shift();
        this.#queued -= item.bytes.byteLength;
        this.#spaceWaiter?.();
        this.#spaceWaiter = undefined;
        if (item.after) {
          this.#finished = item.after;
          this.#queue.length = 0;
        }
      }
    } catch (e) {
      this.#error = e ?? new Error("write failed");
      this.#queue.length = 0;
      this.#spaceWaiter?.();
    } finally {
      this.#running = undefined;
    }
  }

  async #send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const f = this.faults();
      let piece = bytes.byteLength - off;
      if (f.slice && f.slice > 0) piece = Math.min(piece, f.slice);
      if (f.bandwidth && f.bandwidth > 0) {
        // about 20 sends a second at most, smooth enough for a rate limit
        piece = Math.min(piece, Math.max(1, Math.floor(f.bandwidth / 20)));
        const now = performance.now();
        if (this.#nextSend > now + 1) await delay(this.#nextSend - now, this.signal);
        this.#nextSend = Math.max(performance.now(), this.#nextSend) + (piece / f.bandwidth) * 1000;
      }
      if (off > 0 && f.sliceDelayMs) await delay(f.sliceDelayMs, this.signal);
      await writeAll(this.dst, bytes.subarray(off, off + piece));
      off += piece;
    }
  }
}
