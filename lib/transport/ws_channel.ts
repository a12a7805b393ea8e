/**
 * A WebSocket client channel (`connect ws://…` / `wss://…`): the opening handshake over a
 * stream connection (TCP, or TLS with the same options as `connect tls://`), then whole
 * messages queued for `expect`, pings answered, pongs and the peer's close frame kept.
 *
 * @module
 */
import { formatHostPort } from "../address/address.ts";
import { type ConnectOptions, connectStream } from "./connect.ts";
import type { EventHub } from "./events.ts";
import { type Matcher, MatchError } from "./stream_buffer.ts";
import type { StreamChannel } from "./stream_channel.ts";
import {
  closePayload,
  decodeWsFrame,
  encodeWsFrame,
  newWsKey,
  OPCODE,
  parseClosePayload,
  wsAccept,
  WsMessageAssembler,
  WsProtocolError,
} from "./ws_frame.ts";

/** One received message. */
export interface WsMessage {
  type: "text" | "binary";
  bytes: Uint8Array;
}

/** A close frame's contents; 1006 when the connection ended with none. */
export interface WsClose {
  code: number;
  reason: string;
}

/** Options of {@linkcode connectWebSocket}. */
export interface WsConnectOptions extends ConnectOptions {
  /** Extra request headers of the upgrade. */
  headers?: [string, string][];
  /** The largest message accepted (default 16 MiB). */
  messageLimit?: number;
}

/** The largest message accepted by default. */
export const DEFAULT_MESSAGE_LIMIT = 16 * 1024 * 1024;
const MAX_HEAD = 64 * 1024;

/** Splits `ws://HOST:PORT/path` into the stream address and the request target. */
export function parseWsUrl(text: string): {
  tls: boolean;
  host: string;
  port: number;
  target: string;
  url: string;
} {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`Cannot parse address "${text}": not a valid ws:// URL`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new Error(`Cannot parse address "${text}": expected ws:// or wss://`);
  }
  const tls = url.protocol === "wss:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw new Error(`Cannot parse address "${text}": missing host`);
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  return { tls, host, port, target: (url.pathname || "/") + url.search, url: url.href };
}

/**
 * Opens a WebSocket: connects, sends the upgrade, checks the 101 answer.
 *
 * @throws {Error} naming the URL when the connection or the upgrade fails.
 */
export async function connectWebSocket(
  name: string,
  urlText: string,
  options: WsConnectOptions = {},
): Promise<WsChannel> {
  const u = parseWsUrl(urlText);
  const stream = await connectStream(
    name,
    { scheme: u.tls ? "tls" : "tcp", host: u.host, port: u.port },
    { ...options, events: undefined },
  );
  try {
    const key = newWsKey();
    const defaultPort = u.port === (u.tls ? 443 : 80);
    const hostHeader = defaultPort
      ? formatHostPort(u.host, u.port).replace(/:\d+$/, "")
      : formatHostPort(u.host, u.port);
    const lines = [
      `GET ${u.target} HTTP/1.1`,
      `Host: ${hostHeader}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...(options.headers ?? []).map(([k, v]) => `${k}: ${v}`),
    ];
    await stream.send(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
    const head = await stream.buffer.until(headMatcher(), {
      timeoutMs: options.timeoutMs ?? 5000,
      signal: options.signal,
    }).catch((e) => {
      throw new Error(
        e instanceof MatchError && e.reason === "timeout"
          ? `no answer to the upgrade within ${options.timeoutMs ?? 5000}ms`
          : `the upgrade failed: ${(e as Error).message}`,
      );
    });
    const status = head.split("\r\n")[0] ?? "";
    if (!/^HTTP\/1\.[01] 101\b/.test(status)) {
      throw new Error(`the server answered "${status}" instead of 101 Switching Protocols`);
    }
    const accept = /^sec-websocket-accept:\s*(\S+)\s*$/im.exec(head)?.[1];
    if (accept !== await wsAccept(key)) {
      throw new Error("the server's Sec-WebSocket-Accept does not match the key sent");
    }
    return new WsChannel(name, u.url, stream, {
      events: options.events,
      messageLimit: options.messageLimit,
    });
  } catch (e) {
    await stream.close();
    throw new Error(`Cannot open ${u.url}: ${(e as Error).message}`, { cause: e });
  }
}

/** Takes an HTTP response head (through the blank line) as text. */
function headMatcher(): Matcher<string> {
  return {
    describe: () => "the upgrade response",
    check(buffer) {
      const at = buffer.latin1().indexOf("\r\n\r\n");
      if (at >= 0) {
        const head = buffer.consume(at + 4);
        return { done: String.fromCharCode(...head) };
      }
      if (buffer.length > MAX_HEAD) return { fail: `a response head over ${MAX_HEAD} bytes` };
      return undefined;
    },
  };
}

type Wait = { timeoutMs: number; signal?: AbortSignal };

/**
 * A WebSocket client connection: whole messages in a queue, sends framed and masked.
 */
export class WsChannel implements AsyncDisposable {
  /** When it opened, ms since the epoch. */
  readonly openedAt: number = Date.now();
  /** Message payload bytes received. */
  bytesIn = 0;
  /** Message payload bytes sent. */
  bytesOut = 0;
  /** The peer's close frame (1006: the connection ended without one). */
  peerClose: WsClose | undefined;
  /** The close frame we sent. */
  sentClose: WsClose | undefined;
  /** Why the connection failed (a protocol error), if it did. */
  failure: string | undefined;
  #stream: StreamChannel;
  #queue: WsMessage[] = [];
  #pongs: Uint8Array[] = [];
  #wake = new Set<() => void>();
  #assembler: WsMessageAssembler;
  #unsubscribe: () => void;
  #closed = false;
  #events?: EventHub;

  /** @internal Wraps an upgraded stream; {@linkcode connectWebSocket} makes these. */
  constructor(
    /** The connection's name in a session. */
    readonly name: string,
    /** The URL it was opened with. */
    readonly url: string,
    stream: StreamChannel,
    options: { events?: EventHub; messageLimit?: number } = {},
  ) {
    this.#stream = stream;
    this.#events = options.events;
    this.#assembler = new WsMessageAssembler(options.messageLimit ?? DEFAULT_MESSAGE_LIMIT);
    this.#unsubscribe = stream.buffer.subscribe(() => this.#read());
    this.#read();
  }

  /** `ws` or `wss`. */
  get kind(): string {
    return this.#stream.kind === "tls" ? "wss" : "ws";
  }
  /** The local address. */
  get local(): string {
    return this.#stream.local;
  }
  /** The remote address. */
  get remote(): string {
    return this.#stream.remote;
  }
  /** Messages received and not yet taken. */
  get pending(): number {
    return this.#queue.length;
  }
  /** True once the connection ended (close frame exchanged, or the stream ended). */
  get ended(): boolean {
    return this.#stream.buffer.ended || this.#closed;
  }

  /** Sends a text or binary message, or a ping or pong. */
  async send(type: "text" | "binary" | "ping" | "pong", bytes: Uint8Array): Promise<void> {
    if (this.sentClose) throw new Error(`"${this.name}" has sent its close frame`);
    if (this.ended) throw new Error(`"${this.name}" is closed`);
    if ((type === "ping" || type === "pong") && bytes.byteLength > 125) {
      throw new Error(`a ${type} carries at most 125 bytes, not ${bytes.byteLength}`);
    }
    await this.#stream.send(encodeWsFrame(OPCODE[type], bytes, { mask: true }));
    if (type === "text" || type === "binary") this.bytesOut += bytes.byteLength;
  }

  /** Sends a close frame (the peer answers with its own and ends the connection). */
  async sendClose(code?: number, reason = ""): Promise<void> {
    if (this.sentClose || this.ended) return;
    this.sentClose = { code: code ?? 1005, reason };
    await this.#stream.send(
      encodeWsFrame(OPCODE.close, closePayload(code, reason), { mask: true }),
    ).catch(() => {});
  }

  /** Takes the next message; fails on timeout, cancel, or the connection ending first. */
  next(options: Wait): Promise<WsMessage> {
    return this.#waitFor(() => this.#queue.shift(), options);
  }

  /** Puts a taken message back in front (a failed expect consumes nothing). */
  giveBack(m: WsMessage): void {
    this.#queue.unshift(m);
  }

  /** Returns (without taking) the messages received so far. */
  peek(): readonly WsMessage[] {
    return this.#queue;
  }

  /** Takes the next pong's payload. */
  nextPong(options: Wait): Promise<Uint8Array> {
    return this.#waitFor(() => this.#pongs.shift(), options);
  }

  /** Waits for the peer's close frame (1006 when the connection ends without one). */
  closed(options: Wait): Promise<WsClose> {
    return this.#waitFor(
      () => this.peerClose ?? (this.ended ? { code: 1006, reason: "" } : undefined),
      options,
    );
  }

  /** Sends close 1000 (unless sent), waits a little for the peer's, and closes. */
  async close(): Promise<void> {
    if (!this.#closed) {
      if (!this.ended) {
        await this.sendClose(1000);
        await this.closed({ timeoutMs: 1000 }).catch(() => {});
      }
      this.#closed = true;
      this.#unsubscribe();
      await this.#stream.close();
      for (const w of [...this.#wake]) w();
    }
  }

  /** Closes at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #waitFor<T>(take: () => T | undefined, options: Wait): Promise<T> {
    const ready = take();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out after ${options.timeoutMs}ms`)),
        options.timeoutMs,
      );
      const onAbort = () => done(new Error("cancelled"));
      const check = () => {
        const v = take();
        if (v !== undefined) done(undefined, v);
        else if (this.ended) done(new Error(this.#endedText()));
      };
      const done = (e?: Error, v?: T) => {
        clearTimeout(timer);
        this.#wake.delete(check);
        options.signal?.removeEventListener("abort", onAbort);
        if (e) reject(e);
        else resolve(v!);
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake.add(check);
      check();
    });
  }

  #endedText(): string {
    if (this.failure) return `the connection failed: ${this.failure}`;
    const c = this.peerClose;
    if (c) {
      return `the peer closed the WebSocket (close ${c.code}${c.reason ? ` "${c.reason}"` : ""})`;
    }
    return "the connection ended";
  }

  #read(): void {
    const buffer = this.#stream.buffer;
    if (this.failure) {
      for (const w of [...this.#wake]) w();
      return; // failed once: what follows is not read
    }
    try {
      while (true) {
        const got = decodeWsFrame(buffer.unread, this.#assembler.limit);
        if (!got) break;
        buffer.discard(got.size);
        if (got.frame.masked) throw new WsProtocolError("a masked frame from the server");
        const m = this.#assembler.push(got.frame);
        if (m) this.#handle(m.opcode, m.payload);
      }
    } catch (e) {
      this.failure = (e as Error).message;
      const code = e instanceof WsProtocolError ? e.code : 1002;
      void this.sendClose(code).finally(() => this.#stream.close());
      this.#events?.emit({ type: "error", channel: this.name, message: this.failure });
    }
    if (buffer.ended && !this.peerClose) {
      this.#events?.emit({ type: "closed", channel: this.name, reason: "eof" });
    }
    for (const w of [...this.#wake]) w();
  }

  #handle(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      this.#queue.push({ type: opcode === OPCODE.text ? "text" : "binary", bytes: payload });
      this.bytesIn += payload.byteLength;
      this.#events?.emit({ type: "data", channel: this.name, bytes: payload });
    } else if (opcode === OPCODE.ping) {
      if (!this.sentClose) {
        void this.#stream.send(encodeWsFrame(OPCODE.pong, payload, { mask: true })).catch(
          () => {},
        );
      }
    } else if (opcode === OPCODE.pong) {
      this.#pongs.push(payload);
    } else if (opcode === OPCODE.close) {
      this.peerClose = parseClosePayload(payload);
      const c = this.peerClose;
      this.#events?.emit({
        type: "closed",
        channel: this.name,
        reason: "eof",
        message: `close ${c.code}${c.reason ? ` "${c.reason}"` : ""}`,
      });
      // answer with the same code; the server then ends the TCP connection
      if (!this.sentClose) {
        void this.sendClose(c.code === 1005 ? undefined : c.code);
      }
    }
  }
}
