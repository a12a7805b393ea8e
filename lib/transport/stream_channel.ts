/**
 * A named stream connection (TCP, TLS or Unix): a read loop that fills a
 * {@linkcode StreamBuffer}, and send / half-close / close.
 *
 * @module
 */
import { formatDenoAddr } from "../address/address.ts";
import { type ByteDuplex, writeAll } from "./duplex.ts";
import type { EventHub } from "./events.ts";
import { DEFAULT_BUFFER_LIMIT, StreamBuffer } from "./stream_buffer.ts";

/** The kinds of stream channel (`process`: a spawned program's stdout + stdin, or stderr). */
export type StreamKind = "tcp" | "tls" | "unix" | "process";

/** The most bytes asked of one read (fewer when the buffer has less room). */
const READ_SIZE = 1024 * 1024;

/** A connected byte stream with a receive buffer that matchers wait on. */
export class StreamChannel implements AsyncDisposable {
  readonly buffer: StreamBuffer;
  readonly openedAt: number = Date.now();
  bytesOut = 0;
  /** Socket options as set and read back (`${NAME.options}`); empty for other kinds. */
  socketOptions: Record<string, string | number | boolean> = {};
  #duplex: ByteDuplex;
  #closed = false;
  #writeClosed = false;
  #readLoop: Promise<void>;
  /** Unread bytes at which reading pauses (interactive use); undefined: never pause. */
  #pauseAt: number | undefined;
  #wakeReader: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly kind: StreamKind,
    duplex: ByteDuplex,
    options: { bufferLimit?: number; events?: EventHub } = {},
  ) {
    this.#duplex = duplex;
    this.buffer = new StreamBuffer(options.bufferLimit ?? DEFAULT_BUFFER_LIMIT);
    // the read loop always has a read (or a handshake, or a paused-reading check)
    // pending until the buffer ends, and no wait outlives the end
    this.buffer.fedByPendingRead = true;
    this.#readLoop = this.#pump(options.events);
  }

  /** The local address, e.g. `tcp://127.0.0.1:50123`. */
  get local(): string {
    return formatDenoAddr(this.#duplex.localAddr, this.kind === "tls" ? "tls" : undefined);
  }

  /** The remote address. */
  get remote(): string {
    return formatDenoAddr(this.#duplex.remoteAddr, this.kind === "tls" ? "tls" : undefined);
  }

  /** Bytes received so far. */
  get bytesIn(): number {
    return this.buffer.received;
  }

  /** True once closed locally. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Pauses reading (backpressure: the peer's sends block) while `bytes` or more are
   * unread, instead of failing at the buffer limit; reading resumes once unread bytes are
   * consumed or discarded (call {@linkcode wake} after discarding). Undefined turns it off.
   */
  pauseWhenUnread(bytes: number | undefined): void {
    this.#pauseAt = bytes;
    this.wake();
  }

  /** True while reading is paused because the buffer is full. */
  get paused(): boolean {
    return this.#wakeReader !== undefined;
  }

  /** Lets a paused read loop look again at the buffer (after a consume or discard). */
  wake(): void {
    this.#wakeReader?.();
  }

  /** Sends all of `data`. */
  async send(data: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error(`connection "${this.name}" is closed`);
    if (this.#writeClosed) throw new Error(`connection "${this.name}" was half-closed for writing`);
    // most writes take everything at once: one await fewer than writeAll
    if (data.byteLength === 0) return;
    const n = await this.#duplex.write(data);
    if (n < data.byteLength) await writeAll(this.#duplex, data.subarray(n));
    this.bytesOut += data.byteLength;
  }

  /** Half-closes: no more sending, the peer sees end-of-stream; receiving goes on. */
  async closeWrite(): Promise<void> {
    if (this.#closed || this.#writeClosed) return;
    this.#writeClosed = true;
    try {
      await this.#duplex.closeWrite();
    } catch { /* already closed by the peer */ }
  }

  /** Closes the connection and waits for the read loop to stop. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.wake();
      try {
        this.#duplex.close();
      } catch { /* already closed */ }
    }
    await this.#readLoop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Resolves once fewer bytes than the pause mark are unread, or the channel closed. */
  #roomToRead(): Promise<void> {
    return new Promise((resolve) => {
      // matchers consume without telling the channel: look again every 50 ms as well
      const timer = setInterval(() => check(), 50);
      const check = () => {
        if (this.#closed || this.#pauseAt === undefined || this.buffer.length < this.#pauseAt) {
          clearInterval(timer);
          this.#wakeReader = undefined;
          resolve();
        }
      };
      this.#wakeReader = check;
    });
  }

  async #pump(events?: EventHub): Promise<void> {
    try {
      if (this.#duplex.handshake) await this.#duplex.handshake();
      while (true) {
        if (this.#pauseAt !== undefined && this.buffer.length >= this.#pauseAt) {
          events?.emit({ type: "paused", channel: this.name, unread: this.buffer.length });
          await this.#roomToRead();
          if (this.#closed) break;
          events?.emit({ type: "resumed", channel: this.name });
        }
        // read straight into the buffer's free storage, never more than the limit leaves
        // room for: a matcher sees the bytes that fit before an overflow ends the stream
        // (nor, when reading pauses at a mark, more than the room left below the mark)
        const upTo = this.#pauseAt === undefined
          ? READ_SIZE
          : Math.max(1, Math.min(READ_SIZE, this.#pauseAt - this.buffer.length));
        const region = this.buffer.writable(upTo);
        const n = await this.#duplex.read(region);
        if (n === null) break;
        // copy for the listeners first: when the buffer emptied while the read was pending,
        // commit copies the bytes to the storage's start, over the region's own bytes
        const seen = events?.active ? region.slice(0, n) : undefined;
        this.buffer.commit(region, n);
        if (seen) events!.emit({ type: "data", channel: this.name, bytes: seen });
        // Let the code these bytes woke run first: it usually sends next, and the next
        // read's first attempt is a system call that would otherwise delay that send.
        await null;
        if (this.buffer.ended) break; // overflow
      }
      this.buffer.end();
      const overflow = this.buffer.error;
      if (overflow && !this.#closed) {
        events?.emit({
          type: "closed",
          channel: this.name,
          reason: "error",
          message: overflow.message,
        });
      } else {
        events?.emit({
          type: "closed",
          channel: this.name,
          reason: this.#closed ? "local" : "eof",
        });
      }
    } catch (e) {
      if (this.#closed) {
        this.buffer.end();
        events?.emit({ type: "closed", channel: this.name, reason: "local" });
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      this.buffer.end(err);
      const reset = e instanceof Deno.errors.ConnectionReset || /reset/i.test(err.message);
      events?.emit({
        type: "closed",
        channel: this.name,
        reason: reset ? "reset" : "error",
        message: err.message,
      });
    }
  }
}
