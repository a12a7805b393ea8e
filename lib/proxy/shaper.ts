/**
 * The slow lane of a pump: chunks wait in a bounded queue for their due time (latency,
 * jitter), then go out at a limited rate (bandwidth) and in slices. The queue holds at
 * most {@linkcode MAX_QUEUED} bytes, and all the queues of one proxy together at most
 * their {@linkcode ShapedBudget}, so a fast producer waits for a slow consumer (its pump
 * stops reading: backpressure) instead of growing the proxy.
 *
 * @module
 */
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import type { DirectionFaults } from "./faults.ts";

/** The most bytes a shaped direction holds in flight before the reader waits. */
export const MAX_QUEUED = 1024 * 1024;

/** The default of {@linkcode ShapedBudget}: bytes all shaped directions of a proxy hold. */
export const DEFAULT_MAX_SHAPED_BYTES = 64 * 1024 * 1024;

/** Bytes held by all the shaped queues of one proxy, against a cap; takers wait for room. */
export class ShapedBudget {
  #used = 0;
  #waiters = new Set<() => void>();

  constructor(readonly cap: number = DEFAULT_MAX_SHAPED_BYTES) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Takes `n` bytes when they fit (a chunk larger than the cap fits an empty budget). */
  tryTake(n: number): boolean {
    if (this.#used > 0 && this.#used + n > this.cap) return false;
    this.#used += n;
    return true;
  }

  /** Resolves on the next {@linkcode give} or when `signal` aborts (a taker then tries again). */
  room(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener("abort", wake);
        this.#waiters.delete(wake);
        resolve();
      };
      signal.addEventListener("abort", wake, { once: true });
      this.#waiters.add(wake);
    });
  }

  /** Gives back `n` bytes and wakes the takers. */
  give(n: number): void {
    if (n <= 0) return;
    this.#used = Math.max(0, this.#used - n);
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}

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
    readonly budget: ShapedBudget = new ShapedBudget(),
  ) {}

  /** True when nothing is queued or being written. */
  get idle(): boolean {
    return this.#running === undefined;
  }

  /** Queues a chunk (kept, not copied: pass a copy), waiting while the queue is full. */
  async push(bytes: Uint8Array, after?: After): Promise<void> {
    while (this.#error === undefined) {
      if (this.#queued >= MAX_QUEUED) {
        await new Promise<void>((r) => (this.#spaceWaiter = r));
        continue;
      }
      if (this.budget.tryTake(bytes.byteLength)) break;
      // the proxy's queues are full: wait for any of them (or this one's end)
      await this.budget.room(this.signal);
      if (this.signal.aborted) throw this.signal.reason;
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
        this.budget.give(item.bytes.byteLength);
        this.#spaceWaiter?.();
        this.#spaceWaiter = undefined;
        if (item.after) {
          this.#finished = item.after;
          this.#dropQueue();
        }
      }
    } catch (e) {
      this.#error = e ?? new Error("write failed");
      this.#dropQueue();
      this.#spaceWaiter?.();
    } finally {
      this.#running = undefined;
    }
  }

  /** Forgets what is queued and gives its bytes back to the budget. */
  #dropQueue(): void {
    this.budget.give(this.#queued);
    this.#queued = 0;
    this.#queue.length = 0;
  }

  async #send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const f = this.faults();
      let piece = bytes.byteLength - off;
      if (f.slice && f.slice > 0) {
        const vary = f.sliceVariation ? Math.round((Math.random() * 2 - 1) * f.sliceVariation) : 0;
        piece = Math.min(piece, Math.max(1, f.slice + vary));
      }
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
