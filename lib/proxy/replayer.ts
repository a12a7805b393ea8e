/**
 * Plays the server's side of a recording to real clients: waits for the bytes the
 * client sent (whatever the chunking), answers what the server answered, speaks first
 * where it did, closes where it closed. A client that deviates gets nothing further;
 * the difference is reported.
 *
 * @module
 */
import { AcceptLoop } from "../transport/accept_loop.ts";
import { formatDenoAddr } from "../address/address.ts";
import { escapeForDisplay } from "../bytes/escape.ts";
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import { eofMatcher, exactMatcher } from "../transport/matchers.ts";
import { MatchError, StreamBuffer } from "../transport/stream_buffer.ts";
import { bindListener, type BoundListener, type ListenSide } from "./endpoints.ts";
import type { ReplayConnection, ReplayStep } from "./replay_plan.ts";
import { defaultHttpRule, type HttpMatchRule, requestLine } from "./http_match.ts";
import type { HttpRequest } from "./http_message.ts";
import { looksLikeHttpRequest } from "./http_message.ts";
import type { HttpExchange } from "./http_plan.ts";
import { ExchangePool, type HttpOutcome, serveHttp } from "./http_replayer.ts";
import { asksWebSocket } from "./ws_replay.ts";

/**
 * The outcome of one client connection.
 *
 * @example Why a client deviated
 * ```ts
 * import type { ReplayResult } from "@wireplay/wireplay/proxy";
 * function line(r: ReplayResult): string {
 *   return r.ok ? `ok ${r.name}` : `${r.failure?.where}: expected ${r.failure?.expected}, got ${r.failure?.got}`;
 * }
 * ```
 */
export interface ReplayResult {
  /** The recorded connection it was matched to (`c1`), if any. */
  name?: string;
  /** The client's address. */
  client: string;
  /** True when the client did what the recording says. */
  ok: boolean;
  /** Why it failed: `file:line: statement` and expected vs got. */
  failure?: {
    where: string;
    statement: string;
    reason: string;
    expected: string;
    got: string;
  };
}

/**
 * Options for {@linkcode startReplay}.
 *
 * @example Serve a recording three times
 * ```ts
 * import { parseAddress } from "@wireplay/wireplay";
 * import type { ReplayOptions } from "@wireplay/wireplay/proxy";
 * const options: ReplayOptions = { listen: { address: parseAddress("tcp://127.0.0.1:0") }, connections: [], file: "rec.wire", repeat: 3 };
 * // await startReplay(options)
 * ```
 */
export interface ReplayOptions {
  /** Where clients connect. */
  listen: ListenSide;
  /** The server's side of each recorded connection (from reading a recording). */
  connections: ReplayConnection[];
  /** The recording's path, for messages. */
  file: string;
  /** How long to wait for each thing the client should do (default 10 s). */
  timeoutMs?: number;
  /** Serve the whole recording this many times (default 1). */
  repeat?: number;
  /** Told about each finished client connection. */
  onResult?: (r: ReplayResult) => void;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  onLog?: (line: string) => void;
  /** The largest amount of client data held while matching (default 64 MiB). */
  bufferLimit?: number;
  /** Recorded HTTP exchanges, served by request in any order on any connection. */
  exchanges?: HttpExchange[];
  /** How HTTP requests are matched (default: method, path, query, body). */
  httpRule?: HttpMatchRule;
  /** Serve HTTP exchanges any number of times (runs until stopped). */
  reuse?: boolean;
  /** Replays recorded pauses (`# after D`) multiplied by this (default 0: none). */
  timingScale?: number;
  /**
   * Forwards an HTTP request no exchange matches (new-episode mode) and returns the
   * response to send and whether to close after it.
   */
  forward?: (req: HttpRequest) => Promise<{ response: Uint8Array; close: boolean }>;
}

/**
 * A running replay server.
 *
 * @example Play a recording's server side
 * ```ts
 * import { connect } from "@wireplay/wireplay";
 * import { parseAddress } from "@wireplay/wireplay";
 * import { planReplay, startReplay } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * const recording = [
 *   'default target = "tcp://127.0.0.1:6379"',
 *   "connect ${target} as c1",
 *   'send c1 "PING\\r\\n"',
 *   'expect c1 "+PONG\\r\\n"',
 *   "close c1",
 * ].join("\n");
 * const connections = await planReplay(recording, "rec.wire");
 * await using server = await startReplay({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   connections,
 *   file: "rec.wire",
 *   timeoutMs: 2000,
 * });
 * {
 *   await using c = await connect(server.address);
 *   await c.send("PING\r\n");
 *   assertEquals(await c.line({ timeoutMs: 2000 }), "+PONG");
 * }
 * await server.finished;
 * assertEquals(server.ok, true);
 * ```
 */
export class ReplayServer implements AsyncDisposable {
  #bound: BoundListener;
  #o: ReplayOptions;
  #remaining: number[];
  #served = 0;
  #total: number;
  #accept: AcceptLoop;
  #pool: ExchangePool | undefined;
  #done = Promise.withResolvers<void>();
  /** Every finished client connection, in the order they finished. */
  readonly results: ReplayResult[] = [];

  /**
   * Serves on an already bound listener; {@linkcode startReplay} binds one and makes this.
   *
   * @internal
   */
  constructor(bound: BoundListener, options: ReplayOptions) {
    this.#bound = bound;
    this.#o = options;
    const repeat = options.repeat ?? 1;
    this.#remaining = options.connections.map(() => repeat);
    this.#total = options.connections.length * repeat;
    if (options.exchanges?.length || options.forward) {
      this.#pool = new ExchangePool(
        options.exchanges ?? [],
        options.httpRule ?? defaultHttpRule(),
        repeat,
        options.reuse,
      );
      this.#total += options.forward ? Infinity : this.#pool.total; // forwarding runs until stopped
    }
    if (this.#total === 0) this.#done.resolve();
    this.#accept = new AcceptLoop(bound.listener, (conn) => this.#serve(conn), {
      log: options.onLog,
    });
  }

  /** The address clients connect to (port 0 resolved). */
  get address(): string {
    return this.#bound.address;
  }

  /** The bound port (0 for unix). */
  get port(): number {
    const a = this.#bound.listener.addr;
    return "port" in a ? a.port : 0;
  }

  /** PEM path of a generated certificate when listening on `tls://` without one. */
  get certPath(): string | undefined {
    return this.#bound.certPath;
  }

  /** Resolves once every recorded connection was served (`repeat` times). */
  get finished(): Promise<void> {
    return this.#done.promise;
  }

  /** Recorded connections and exchanges served so far, and how many there are to serve. */
  get progress(): { served: number; total: number } {
    return { served: this.#served, total: this.#total };
  }

  /** True when every client so far followed the recording. */
  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

  /** Stops listening, ends running connections, waits for them. */
  async close(): Promise<void> {
    await this.#accept.close();
    await this.#bound.cleanup();
    this.#done.resolve();
  }

  /** Closes the server at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The HTTP exchanges (recorded and learnt), when the recording holds any. */
  get exchanges(): readonly HttpExchange[] {
    return this.#pool?.exchanges ?? [];
  }

  #report(r: ReplayResult, counts = r.name !== undefined): void {
    this.results.push(r);
    this.#o.onResult?.(r);
    if (counts) this.#served++;
    if (this.#served >= this.#total) this.#done.resolve();
  }

  /** The recorded connections still to serve, in order. */
  #candidates(): number[] {
    const out: number[] = [];
    this.#remaining.forEach((n, i) => n > 0 && out.push(i));
    return out;
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const client = formatDenoAddr(
      conn.remoteAddr,
      this.#bound.address.startsWith("tls:") ? "tls" : undefined,
    );
    const buffer = new StreamBuffer(this.#o.bufferLimit ?? 64 * 1024 * 1024);
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.#accept.signal]);
    const reading = readInto(conn, buffer, signal);
    const timeoutMs = this.#o.timeoutMs ?? 10_000;
    let chosen: number | undefined;
    try {
      if (this.#pool) {
        const next = this.#candidates()[0];
        const serverFirst = next !== undefined &&
          this.#o.connections[next]!.steps[0]?.kind !== "receive";
        if (!serverFirst) {
          const http = await sniffHttp(buffer, timeoutMs, signal);
          // a WebSocket upgrade goes to the recorded WebSocket connections, not to HTTP
          const ws = http && this.#o.connections.some((c) => c.websocket) &&
            await asksWebSocket(buffer, timeoutMs, signal);
          if (http && !ws) {
            await serveHttp(conn, buffer, {
              pool: this.#pool,
              file: this.#o.file,
              timeoutMs,
              signal,
              pause: (ms) => this.#pause(ms, signal),
              forward: this.#o.forward,
              onOutcome: (o) => this.#httpOutcome(o, client),
            });
            return;
          }
          if (next === undefined) {
            // nothing byte-exact left: a client that sent something else deviated
            if (http === false) {
              this.#httpOutcome({
                kind: "malformed",
                reason: "no recorded connection speaks this protocol",
                got: buffer.unread.slice(),
              }, client);
            }
            return; // idle or closed before sending anything: not a deviation
          }
        }
      }
      chosen = await this.#choose(buffer, timeoutMs, signal);
      if (chosen === undefined) {
        this.#report({
          client,
          ok: false,
          failure: {
            where: this.#o.file,
            statement: "",
            reason: "no recorded connection matches this client",
            expected: this.#describeFirsts(),
            got: quote(buffer.unread),
          },
        });
        return;
      }
      const rec = this.#o.connections[chosen]!;
      const failure = await this.#play(conn, buffer, rec.steps, timeoutMs, signal);
      this.#report({ name: rec.name, client, ok: !failure, failure });
    } finally {
      stop.abort();
      try {
        conn.close();
      } catch { /* closed */ }
      await reading;
    }
  }

  #pause(ms: number | undefined, signal: AbortSignal): Promise<void> {
    const scale = this.#o.timingScale ?? 0;
    if (!ms || scale <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms * scale);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #httpOutcome(o: HttpOutcome, client: string): void {
    switch (o.kind) {
      case "served":
        return this.#report({
          name: `${o.exchange.conn} ${requestLine(o.request)}`,
          client,
          ok: true,
        });
      case "forwarded":
        return this.#report({ name: `new ${requestLine(o.request)}`, client, ok: true }, false);
      case "missed":
        return this.#report({
          name: requestLine(o.request),
          client,
          ok: false,
          failure: {
            where: this.#o.file,
            statement: "",
            reason: "no recorded request matches",
            expected: o.closest,
            got: o.lines.join("; "),
          },
        }, false);
      case "malformed":
        return this.#report({
          client,
          ok: false,
          failure: {
            where: this.#o.file,
            statement: "",
            reason: `not an HTTP request: ${o.reason}`,
            expected: "an HTTP/1.x request",
            got: o.got.byteLength ? quote(o.got) : "nothing",
          },
        }, false);
    }
  }

  #describeFirsts(): string {
    return this.#candidates().map((i) => {
      const c = this.#o.connections[i]!;
      const first = c.steps[0];
      return `${c.name}: ${
        first?.kind === "receive" ? quote(first.bytes) : first?.kind ?? "nothing"
      }`;
    }).join("; ") || "(every recorded connection was served)";
  }

  /**
   * Picks the recorded connection for a new client: the next one in order when it has
   * the server speak first, else the first whose opening bytes the client sends.
   */
  async #choose(
    buffer: StreamBuffer,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<number | undefined> {
    const candidates = this.#candidates();
    const take = (i: number) => {
      this.#remaining[i]!--;
      return i;
    };
    if (candidates.length === 0) return undefined;
    const firstKind = (i: number) => this.#o.connections[i]!.steps[0]?.kind;
    if (firstKind(candidates[0]!) !== "receive") return take(candidates[0]!);
    const openers = candidates.filter((i) => firstKind(i) === "receive");
    try {
      return await buffer.until({
        describe: () => "the opening bytes of a recorded connection",
        check: (b) => {
          const got = b.unread;
          const live = openers.filter((i) =>
            this.#remaining[i]! > 0 && prefixCompatible(opening(this.#o.connections[i]!), got)
          );
          if (live.length === 0) {
            return b.ended || got.byteLength > 0 ? { done: undefined } : undefined;
          }
          const first = opening(this.#o.connections[live[0]!]!);
          if (got.byteLength >= first.byteLength) return { done: take(live[0]!) };
          if (b.ended) return { done: undefined };
          return undefined;
        },
      }, { timeoutMs, signal });
    } catch {
      return undefined;
    }
  }

  async #play(
    conn: ByteDuplex,
    buffer: StreamBuffer,
    steps: ReplayStep[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<ReplayResult["failure"]> {
    const ctx = {}; // what one step leaves for a later one (a WebSocket key)
    for (const step of steps) {
      try {
        switch (step.kind) {
          case "receive":
            await buffer.until(
              step.matcher?.(ctx) ?? exactMatcher(step.bytes, { shareExpected: true }),
              {
                timeoutMs,
                signal,
              },
            );
            break;
          case "receive-eof":
            await buffer.until(eofMatcher(), { timeoutMs, signal });
            break;
          case "reply":
            await this.#pause(step.delayMs, signal);
            await writeAll(conn, step.bytesFor ? await step.bytesFor(ctx) : step.bytes);
            break;
          case "reply-eof":
            await conn.closeWrite();
            break;
        }
      } catch (e) {
        const got = e instanceof MatchError ? e.received : buffer.unread;
        return {
          where: `${this.#o.file}:${step.node.span.line}`,
          statement: step.node.source,
          reason: e instanceof MatchError ? e.message : `cannot send: ${(e as Error).message}`,
          expected: step.kind === "receive"
            ? quote(step.bytes)
            : step.kind === "receive-eof"
            ? "the client to close"
            : `to ${step.kind === "reply" ? "send" : "close"}`,
          got: got.byteLength ? quote(got) : buffer.ended ? "the client closed" : "nothing",
        };
      }
    }
    return undefined;
  }
}

/**
 * Waits for the client's first line (or 2 KiB) and says whether it starts an HTTP
 * request; undefined when the client sent nothing before closing or the deadline.
 */
async function sniffHttp(
  buffer: StreamBuffer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean | undefined> {
  try {
    return await buffer.until<boolean | undefined>({
      describe: () => "the first line",
      check: (b) => {
        const u = b.unread;
        if (u.byteLength === 0) return b.ended ? { done: undefined } : undefined;
        if (u.includes(10) || u.byteLength >= 2048 || b.ended) {
          return { done: looksLikeHttpRequest(u) };
        }
        return undefined;
      },
    }, { timeoutMs, signal });
  } catch {
    return undefined;
  }
}

function opening(c: ReplayConnection): Uint8Array {
  const s = c.steps[0];
  return s?.kind === "receive" ? s.bytes : new Uint8Array();
}

function prefixCompatible(expected: Uint8Array, got: Uint8Array): boolean {
  const n = Math.min(expected.byteLength, got.byteLength);
  for (let i = 0; i < n; i++) if (expected[i] !== got[i]) return false;
  return true;
}

function quote(bytes: Uint8Array): string {
  return `"${escapeForDisplay(bytes, 400)}"`;
}

async function readInto(
  conn: ByteDuplex,
  buffer: StreamBuffer,
  signal: AbortSignal,
): Promise<void> {
  const chunk = new Uint8Array(64 * 1024);
  try {
    while (!signal.aborted) {
      const n = await conn.read(chunk);
      if (n === null) break;
      buffer.push(chunk.subarray(0, n));
    }
    buffer.end();
  } catch (e) {
    buffer.end(signal.aborted ? undefined : e as Error);
  }
}

/**
 * Starts serving a planned recording on `options.listen`.
 *
 * @example Play a recording's server side
 * ```ts
 * import { connect } from "@wireplay/wireplay";
 * import { parseAddress } from "@wireplay/wireplay";
 * import { planReplay, startReplay } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * const recording = [
 *   'default target = "tcp://127.0.0.1:6379"',
 *   "connect ${target} as c1",
 *   'send c1 "PING\\r\\n"',
 *   'expect c1 "+PONG\\r\\n"',
 *   "close c1",
 * ].join("\n");
 * const connections = await planReplay(recording, "rec.wire");
 * await using server = await startReplay({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   connections,
 *   file: "rec.wire",
 *   timeoutMs: 2000,
 * });
 * {
 *   await using c = await connect(server.address);
 *   await c.send("PING\r\n");
 *   assertEquals(await c.line({ timeoutMs: 2000 }), "+PONG");
 * }
 * await server.finished;
 * assertEquals(server.ok, true);
 * ```
 */
export async function startReplay(options: ReplayOptions): Promise<ReplayServer> {
  return new ReplayServer(await bindListener(options.listen), options);
}
