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

/** The outcome of one client connection. */
export interface ReplayResult {
  /** The recorded connection it was matched to (`c1`), if any. */
  name?: string;
  client: string;
  ok: boolean;
  /** Why it failed: `file:line: statement` and expected vs got. */
  failure?: {
    where: string;
  /** The client's address. */
    statement: string;
  /** True when the client did what the recording says. */
    reason: string;
    expected: string;
    got: string;
  };
}

/** Options for {@linkcode startReplay}. */
export interface ReplayOptions {
  listen: ListenSide;
  connections: ReplayConnection[];
  /** The recording's path, for messages. */
  file: string;
  /** How long to wait for each thing the client should do (default 10 s). */
  /** Where clients connect. */
  timeoutMs?: number;
  /** The server's side of each recorded connection (from reading a recording). */
  /** Serve the whole recording this many times (default 1). */
  repeat?: number;
  /** Told about each finished client connection. */
  onResult?: (r: ReplayResult) => void;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  onLog?: (line: string) => void;
  /** The largest amount of client data held while matching (default 64 MiB). */
  bufferLimit?: number;
}

/** A running replay server. */
export class ReplayServer implements AsyncDisposable {
  #bound: BoundListener;
  #o: ReplayOptions;
  #remaining: number[];
  #served = 0;
  #total: number;
  #accept: AcceptLoop;
  #done = Promise.withResolvers<void>();
  /** Every finished client connection, in the order they finished. */
  readonly results: ReplayResult[] = [];

  constructor(bound: BoundListener, options: ReplayOptions) {
    this.#bound = bound;
    this.#o = options;
    const repeat = options.repeat ?? 1;
    this.#remaining = options.connections.map(() => repeat);
    this.#total = options.connections.length * repeat;
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
  /**
   * Serves on an already bound listener; {@linkcode startReplay} binds one and makes this.
   *
   * @internal
   */
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

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #report(r: ReplayResult): void {
    this.results.push(r);
    this.#o.onResult?.(r);
    if (r.name !== undefined) this.#served++;
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
  /** Closes the server at the end of an `await using` block. */
    let chosen: number | undefined;
    try {
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
    for (const step of steps) {
      try {
        switch (step.kind) {
          case "receive":
            await buffer.until(exactMatcher(step.bytes), { timeoutMs, signal });
            break;
          case "receive-eof":
            await buffer.until(eofMatcher(), { timeoutMs, signal });
            break;
          case "reply":
            await writeAll(conn, step.bytes);
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

/** Starts serving a planned recording on `options.listen`. */
export async function startReplay(options: ReplayOptions): Promise<ReplayServer> {
  return new ReplayServer(await bindListener(options.listen), options);
}
