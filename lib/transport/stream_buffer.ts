/**
 * The receive side of a stream connection: every byte that arrived and was not yet
 * consumed by an `expect`, whatever the network's chunking, with a size limit.
 * Matchers wait on it; see `matchers.ts`.
 *
 * @module
 */
import { toLatin1 } from "../bytes/text.ts";
import { onDeadline } from "./deadline_timer.ts";

/** Default receive limit: 256 MiB of unread data. */
export const DEFAULT_BUFFER_LIMIT = 256 * 1024 * 1024;

/** The storage a buffer starts with (and starts again with after handing its storage over). */
const INITIAL_CAPACITY = 64 * 1024;
/** A reader is given at least this much free storage (or what the limit leaves). */
const MIN_WRITABLE = 16 * 1024;
/** `consume` copies up to this many bytes one by one. */
const SMALL_COPY = 64;
/** The region a reader fills when the storage is full (see `writable`). */
const SPARE_SIZE = 64 * 1024;

/**
 * What a matcher says after looking at the buffer.
 *
 * See the example on {@linkcode Matcher}.
 */
export type MatchStep<T> =
  | { done: T }
  | { fail: string }
  | { defer: number }
  | undefined;

/**
 * Why a matcher is asked to look: new bytes arrived (`data`), a look it deferred is due
 * because no bytes came for the time it asked (`quiet`), the peer closed (`end`), or the
 * statement's deadline came (`deadline`). On anything but `data` a matcher must decide
 * on what it has if it can.
 *
 * See the example on {@linkcode Matcher}.
 */
export type Look = "data" | "quiet" | "end" | "deadline";

/**
 * A matcher: looks at the unread bytes, says done (and consumes), fail, or wait.
 *
 * @example A matcher for length-prefixed frames
 * ```ts
 * import { type Look, type Matcher, type MatchStep, StreamBuffer } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * // Waits for a 2-byte big-endian length and that many bytes; consumes the frame.
 * const frame: Matcher<Uint8Array> = {
 *   describe: () => "a length-prefixed frame",
 *   check(buffer: StreamBuffer, look: Look): MatchStep<Uint8Array> {
 *     const b = buffer.unread;
 *     if (b.length >= 2 && b.length >= 2 + ((b[0]! << 8) | b[1]!)) {
 *       return { done: buffer.consume(2 + ((b[0]! << 8) | b[1]!)).subarray(2) };
 *     }
 *     return look === "end" ? { fail: "the stream ended inside a frame" } : undefined;
 *   },
 * };
 * const buffer = new StreamBuffer();
 * const got = buffer.until(frame, { timeoutMs: 1000 });
 * buffer.push(new Uint8Array([0, 3, 104]));
 * buffer.push(new Uint8Array([105, 33]));
 * assertEquals(new TextDecoder().decode(await got), "hi!");
 * ```
 */
export interface Matcher<T> {
  /** How the expectation reads in a report, e.g. `line "+PONG"`. */
  describe(): string;
  /**
   * Looks at the buffer. A matcher may answer `{ defer: ms }` to postpone a decision
   * (an amortised search, or a match that more bytes could still change); it is asked
   * again on the next bytes, or with `quiet` once `ms` passed without new bytes.
   * `deadline` is the `performance.now()` time by which the wait ends.
   */
  check(buffer: StreamBuffer, look: Look, deadline: number): MatchStep<T>;
  /** Work to finish before the first look (e.g. starting a worker). */
  prepare?(): Promise<void>;
}

/**
 * Why a wait ended without a match.
 *
 * @example A wait that times out
 * ```ts
 * import { connect, MatchError, serve } from "@wireplay/wireplay";
 * import { assertEquals, assertRejects } from "@std/assert";
 * await using sink = await serve("discard", "tcp://127.0.0.1:0");
 * await using c = await connect(sink.address);
 * const e = await assertRejects(() => c.line({ timeoutMs: 50 }), MatchError);
 * assertEquals(e.reason, "timeout");
 * ```
 */
export class MatchError extends Error {
  /** Always `"MatchError"`. */
  override name = "MatchError";
  /** Makes the error. */
  constructor(
    message: string,
    /** Why: the deadline passed, a byte differed, the peer closed, the buffer overflowed, or the wait was aborted. */
    readonly reason: "timeout" | "mismatch" | "closed" | "overflow" | "aborted",
    /** How long it waited, ms. */
    readonly waitedMs: number,
    /** The unread bytes at the time (nothing was consumed). */
    readonly received: Uint8Array,
  ) {
    super(message);
  }
}

/** Raised into waiters when the peer sends more than the limit allows. */
export class BufferOverflowError extends Error {
  override name = "BufferOverflowError";
}

/**
 * A growable byte queue with a limit. Bytes are appended by the channel's read loop and
 * consumed from the front by matchers; a latin1 view of the unread bytes is kept
 * incrementally for binary-safe regex matching.
 *
 * @example Bytes arrive in pieces; a line is taken whole
 * ```ts
 * import { StreamBuffer } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const buffer = new StreamBuffer();
 * buffer.push(new TextEncoder().encode("PO"));
 * buffer.push(new TextEncoder().encode("NG\r\nrest"));
 * assertEquals(buffer.length, 10);
 * assertEquals(new TextDecoder().decode(buffer.consume(6)), "PONG\r\n");
 * ```
 */
export class StreamBuffer {
  #data = new Uint8Array(INITIAL_CAPACITY);
  #start = 0;
  #end = 0;
  /** Unread bytes a waiter needs (see `reserve`): the next growth makes room for them. */
  #wanted = 0;
  /** Where a reader reads while the storage is full (see `writable`). */
  #spare: Uint8Array | undefined;
  #ended = false;
  #error: Error | undefined;
  #waiters = new Set<() => void>();
  /** The latin1 view of the first `#latin1Length` unread bytes (extended on demand). */
  #latin1 = "";
  #latin1Length = 0;
  /** Bytes ever appended. */
  received = 0;
  /**
   * True when a reader with a read always pending fills this buffer (a channel's read
   * loop): that read keeps the process alive, so a wait's deadline need not.
   */
  fedByPendingRead = false;

  /** An empty buffer holding at most `limit` unread bytes. */
  constructor(
    /** The most unread bytes held; more is an overflow error for every waiter. */
    readonly limit: number = DEFAULT_BUFFER_LIMIT,
  ) {}

  /** The number of unread bytes. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** A view of the unread bytes (valid until the next push or consume). */
  get unread(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  /** True once the peer closed its side (or the connection failed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The error that ended the stream, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * The unread bytes as a latin1 string (byte n is code unit n). Kept incrementally:
   * only the bytes that arrived since the last call are converted, in one batch (a
   * conversion per pushed chunk costs several times more than one per search).
   */
  latin1(): string {
    const length = this.length;
    if (this.#latin1Length < length) {
      const fresh = toLatin1(this.#data.subarray(this.#start + this.#latin1Length, this.#end));
      this.#latin1 = this.#latin1Length === 0 ? fresh : this.#latin1 + fresh;
      this.#latin1Length = length;
    }
    return this.#latin1;
  }

  /** Appends bytes (copied). Fails the stream when the limit is exceeded. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.length + chunk.byteLength > this.limit) {
      this.end(
        new BufferOverflowError(
          `receive buffer limit of ${this.limit} bytes exceeded (${
            this.length + chunk.byteLength
          } unread bytes)`,
        ),
      );
      return;
    }
    this.#reserve(chunk.byteLength);
    this.#data.set(chunk, this.#end);
    this.#end += chunk.byteLength;
    this.received += chunk.byteLength;
    this.#notify();
  }

  /**
   * Says that `bytes` unread bytes will be needed at once (`expect bytes N`): the next
   * time the storage grows, it grows to that size (at most the limit) instead of
   * doubling step by step, and a read fills it exactly, so that `consume` can hand the
   * storage over instead of copying it. Forgotten at the next consume or discard.
   */
  reserve(bytes: number): void {
    this.#wanted = Math.min(bytes, this.limit);
  }

  /**
   * Free storage after the unread bytes, for a reader to fill and then {@linkcode commit}
   * (no copy per chunk). At most `max` bytes and never more than the limit leaves room
   * for, but at least one byte: a byte past the limit is then an overflow. Valid until
   * the next call that changes the buffer.
   */
  writable(max: number): Uint8Array {
    const room = Math.max(1, Math.min(max, this.limit - this.length));
    const free = this.#data.byteLength - this.#end;
    // a storage grown to what a waiter reserved is filled to its last byte
    const filling = this.#wanted > 0 && this.#data.byteLength === this.#wanted && free > 0;
    if (free < Math.min(room, MIN_WRITABLE) && !filling) {
      const compacts = this.length + room <= this.#data.byteLength / 2;
      if (!compacts && this.#wanted <= this.#data.byteLength) {
        // Growing copies every unread byte, perhaps for nothing (the next read may find
        // the end of the stream): read into a spare region; `commit` grows if bytes came.
        this.#spare ??= new Uint8Array(SPARE_SIZE);
        return this.#spare.subarray(0, Math.min(room, SPARE_SIZE));
      }
      this.#reserve(room);
    }
    const end = Math.min(this.#data.byteLength, this.#end + room);
    return this.#data.subarray(this.#end, end);
  }

  /**
   * Appends the first `n` bytes of `region`, a region {@linkcode writable} gave out and a
   * reader filled. When the buffer changed meanwhile (bytes consumed), they are copied.
   */
  commit(region: Uint8Array, n: number): void {
    if (n <= 0) return;
    const inPlace = region.buffer === this.#data.buffer &&
      region.byteOffset === this.#data.byteOffset + this.#end &&
      this.#end + n <= this.#data.byteLength && this.length + n <= this.limit;
    if (!inPlace) return this.push(region.subarray(0, n));
    this.#end += n;
    this.received += n;
    this.#notify();
  }

  /** Marks the end of the stream (peer closed), optionally with the error that ended it. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  /** Removes and returns (a copy of) the first `n` unread bytes. */
  consume(n: number): Uint8Array {
    if (
      this.#start === 0 && n === this.#end && n === this.#data.byteLength && n > INITIAL_CAPACITY
    ) {
      // the unread bytes fill the whole storage: hand it over instead of copying it
      const out = this.#data;
      this.#data = new Uint8Array(INITIAL_CAPACITY);
      this.#end = 0;
      this.discard(n);
      return out;
    }
    const take = Math.max(0, Math.min(n, this.length));
    const out = new Uint8Array(take);
    if (take <= SMALL_COPY) {
      // (a short copy by hand beats slice's allocation path several times over)
      for (let i = 0, from = this.#start; i < take; i++) out[i] = this.#data[from + i]!;
    } else out.set(this.#data.subarray(this.#start, this.#start + take));
    this.discard(n);
    return out;
  }

  /** Removes the first `n` unread bytes without copying them. */
  discard(n: number): void {
    this.#wanted = 0;
    this.#start += Math.min(n, this.length);
    if (n < this.#latin1Length) {
      this.#latin1 = this.#latin1.slice(n);
      this.#latin1Length -= n;
    } else {
      this.#latin1 = "";
      this.#latin1Length = 0;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Removes and returns all unread bytes. */
  drain(): Uint8Array {
    return this.consume(this.length);
  }

  /** Calls `fn` after every push or end until the returned function is called. */
  subscribe(fn: () => void): () => void {
    this.#waiters.add(fn);
    return () => this.#waiters.delete(fn);
  }

  /**
   * Waits until `matcher` is satisfied and returns its result.
   *
   * @throws {MatchError} on timeout, a mismatch, the peer closing first, overflow or abort.
   */
  until<T>(matcher: Matcher<T>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
    const started = performance.now();
    const deadline = started + options.timeoutMs;
    const waited = () => performance.now() - started;
    return new Promise<T>((resolve, reject) => {
      let cancelDeadline: (() => void) | undefined;
      let cancelRetry: (() => void) | undefined;
      let settled = false;
      let unsubscribe: (() => void) | undefined;
      const finish = () => {
        settled = true;
        unsubscribe?.();
        cancelDeadline?.();
        cancelRetry?.();
        options.signal?.removeEventListener("abort", onAbort);
      };
      const failWith = (message: string, reason: MatchError["reason"]) => {
        finish();
        reject(new MatchError(message, reason, waited(), this.unread.slice()));
      };
      const step = (look: Look) => {
        if (settled) return;
        if (look === "data" && this.#ended) look = "end";
        let r: MatchStep<T>;
        try {
          r = matcher.check(this, look, deadline);
        } catch (e) {
          if (e instanceof Error && e.name === "RegexTimeoutError") {
            return failWith(e.message, "timeout");
          }
          finish();
          reject(e);
          return;
        }
        if (r && "done" in r) {
          finish();
          resolve(r.done);
        } else if (r && "fail" in r) {
          failWith(r.fail, "mismatch");
        } else if (look === "deadline") {
          failWith(`timed out after ${Math.round(waited())}ms`, "timeout");
        } else if (r && "defer" in r && !this.#ended) {
          // re-armed on every deferral: the look is due once no bytes came for `defer` ms
          cancelRetry?.();
          const now = performance.now();
          const at = now + Math.max(0, Math.min(r.defer, deadline - now));
          cancelRetry = onDeadline(at, () => {
            cancelRetry = undefined;
            step("quiet");
          }, !this.fedByPendingRead);
        } else if (this.#ended) {
          if (this.#error instanceof BufferOverflowError) failWith(this.#error.message, "overflow");
          else if (this.#error) failWith(`connection failed: ${this.#error.message}`, "closed");
          else failWith("the peer closed the connection first", "closed");
        }
      };
      const onAbort = () => failWith("cancelled", "aborted");
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const start = () => {
        if (settled) return;
        step("data");
        if (!settled) unsubscribe = this.subscribe(() => step("data"));
      };
      // one last look at the deadline: a matcher may hold a match or a deferred search
      cancelDeadline = onDeadline(deadline, () => {
        cancelDeadline = undefined;
        step("deadline");
      }, !this.fedByPendingRead);
      const preparing = matcher.prepare?.();
      if (preparing) {
        preparing.then(start, (e) => {
          if (settled) return;
          finish();
          reject(e);
        });
      } else start();
    });
  }

  /**
   * Waits `ms` and fails if any byte is (or becomes) unread in that time.
   *
   * @throws {MatchError} with reason "mismatch" when data arrives.
   */
  silence(ms: number, signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    return new Promise<void>((resolve, reject) => {
      // deno-lint-ignore prefer-const -- assigned once below, read by finish() first
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = () => {
        unsubscribe();
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const check = () => {
        if (this.length > 0) {
          finish();
          reject(
            new MatchError(
              `data arrived during the silence`,
              "mismatch",
              performance.now() - started,
              this.unread.slice(),
            ),
          );
        }
      };
      const onAbort = () => {
        finish();
        reject(
          new MatchError("cancelled", "aborted", performance.now() - started, this.unread.slice()),
        );
      };
      const unsubscribe = this.subscribe(check);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        finish();
        resolve();
      }, ms);
      check();
    });
  }

  #reserve(extra: number): void {
    const need = this.length + extra;
    if (this.#end + extra <= this.#data.byteLength) return;
    if (need <= this.#data.byteLength / 2) {
      this.#data.copyWithin(0, this.#start, this.#end);
    } else {
      // past 1 MiB, grow eightfold: fewer copies; pages never written cost no memory
      const factor = this.#data.byteLength >= 1024 * 1024 ? 8 : 2;
      let size = this.#data.byteLength * factor;
      while (size < need) size *= factor;
      size = Math.min(size, Math.max(need, this.limit));
      if (this.#wanted >= need) size = this.#wanted;
      const next = new Uint8Array(size);
      next.set(this.unread);
      this.#data = next;
    }
    this.#end -= this.#start;
    this.#start = 0;
  }

  #notify(): void {
    // a waiter that finishes unsubscribes during the loop (a Set allows it)
    for (const fn of this.#waiters) fn();
  }
}
