/**
 * The typed face of a stream channel for `mod.ts` users: send text or bytes, and
 * expect exactly what a script's `expect` would, with the same matchers.
 *
 * @module
 */
import { utf8 } from "../bytes/text.ts";
import {
  bytesMatcher,
  eofMatcher,
  exactMatcher,
  lineMatcher,
  type RegexMatch,
  regexMatcher,
} from "../transport/matchers.ts";
import type { StreamChannel } from "../transport/stream_channel.ts";

/**
 * Options for an expectation.
 *
 * @example A deadline and a cancel button
 * ```ts
 * import type { ExpectOptions } from "@wireplay/wireplay";
 * const stop = new AbortController();
 * const options: ExpectOptions = { timeoutMs: 2000, signal: stop.signal };
 * // await c.line(options)
 * ```
 */
export interface ExpectOptions {
  /** How long to wait (default 5 s). */
  timeoutMs?: number;
  /** Gives up waiting when aborted. */
  signal?: AbortSignal;
}

/**
 * A stream connection (TCP, TLS, Unix) with send and expect.
 *
 * @example Send, then expect a line and a regex
 * ```ts
 * import { connect, serve } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * await using c = await connect(echo.address);
 * await c.send("HELLO 42\r\n");
 * const m = await c.expect(/HELLO (\d+)/, { timeoutMs: 2000 });
 * assertEquals(new TextDecoder().decode(m.groups[0]), "42");
 * assertEquals(await c.line(), "");
 * ```
 */
export class Connection implements AsyncDisposable {
  /**
   * Wraps an open channel; {@linkcode connect} and `Listener.accept` make these.
   *
   * @internal
   */
  constructor(
    /**
     * The underlying channel (receive buffer, addresses, byte counts).
     *
     * @internal
     */
    readonly channel: StreamChannel,
  ) {}

  /** Local address, e.g. `tcp://127.0.0.1:50123`. */
  get local(): string {
    return this.channel.local;
  }

  /** Remote address. */
  get remote(): string {
    return this.channel.remote;
  }

  /** Sends text (UTF-8) or bytes. */
  send(data: string | Uint8Array): Promise<void> {
    return this.channel.send(typeof data === "string" ? utf8(data) : data);
  }

  /**
   * Waits for the next bytes of the stream to be exactly `expected` (text or bytes),
   * or for a regex to match in the unread stream; consumes them.
   *
   * @returns The bytes consumed, or the regex match with its groups as bytes.
   * @throws {MatchError} on timeout, mismatch or the peer closing.
   */
  expect(expected: string | Uint8Array, options?: ExpectOptions): Promise<Uint8Array>;
  /**
   * Waits for a regex to match in the unread stream and consumes through the match.
   *
   * @returns The match, with its groups as bytes.
   * @throws {MatchError} on timeout or the peer closing first.
   */
  expect(expected: RegExp, options?: ExpectOptions): Promise<RegexMatch>;
  expect(
    expected: string | Uint8Array | RegExp,
    options: ExpectOptions = {},
  ): Promise<Uint8Array | RegexMatch> {
    const opts = { timeoutMs: options.timeoutMs ?? 5000, signal: options.signal };
    if (expected instanceof RegExp) return this.channel.buffer.until(regexMatcher(expected), opts);
    return this.channel.buffer.until(
      exactMatcher(typeof expected === "string" ? utf8(expected) : expected),
      opts,
    );
  }

  /** Reads one line (`\n` or `\r\n`), returned without its terminator, as text. */
  async line(options: ExpectOptions = {}): Promise<string> {
    const bytes = await this.channel.buffer.until(lineMatcher(this.channel.buffer.limit), {
      timeoutMs: options.timeoutMs ?? 5000,
      signal: options.signal,
    });
    return new TextDecoder().decode(bytes);
  }

  /** Reads exactly `n` bytes. */
  bytes(n: number, options: ExpectOptions = {}): Promise<Uint8Array> {
    return this.channel.buffer.until(bytesMatcher(n), {
      timeoutMs: options.timeoutMs ?? 5000,
      signal: options.signal,
    });
  }

  /** Waits for the peer to close (fails if unread bytes remain). */
  eof(options: ExpectOptions = {}): Promise<void> {
    return this.channel.buffer.until(eofMatcher(), {
      timeoutMs: options.timeoutMs ?? 5000,
      signal: options.signal,
    });
  }

  /** Fails if anything arrives within `ms`. */
  silence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.channel.buffer.silence(ms, signal);
  }

  /** Half-closes (no more sending). */
  closeWrite(): Promise<void> {
    return this.channel.closeWrite();
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.channel.close();
  }

  /** Closes the connection at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
