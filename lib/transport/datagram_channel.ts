/**
 * A named UDP socket: datagrams received queue up whole; each expect takes the next.
 *
 * @module
 */
import {
  type Address,
  formatAddress,
  formatDenoAddr,
  formatHostPort,
  parseAddress,
} from "../address/address.ts";
import type { EventHub } from "./events.ts";

/**
 * One received datagram.
 *
 * @example Who sent a datagram
 * ```ts
 * import type { Datagram } from "@wireplay/wireplay";
 * function describe(d: Datagram): string {
 *   return `${d.bytes.byteLength} bytes from ${d.from}`;
 * }
 * ```
 */
export interface Datagram {
  /** The datagram's payload, whole. */
  bytes: Uint8Array;
  /** Sender as `HOST:PORT` (IPv6 in brackets). */
  from: string;
  /** The sender as Deno gives it. */
  fromAddr: Deno.NetAddr;
}

/** The most datagrams kept unread before the oldest are dropped. */
export const DEFAULT_DATAGRAM_QUEUE = 4096;

/**
 * A bound UDP socket with an optional default peer (for `connect udp://…`).
 *
 * @example A UDP round trip
 * ```ts
 * import { bind, serve } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using echo = await serve("echo", "udp://127.0.0.1:0");
 * await using u = bind(`udp://127.0.0.1:${echo.port}`, { connect: true });
 * await u.send(new TextEncoder().encode("ping"));
 * const d = await u.next({ timeoutMs: 2000 });
 * assertEquals(new TextDecoder().decode(d.bytes), "ping");
 * ```
 */
export class DatagramChannel implements AsyncDisposable {
  /** When the socket was opened, ms since the epoch. */
  readonly openedAt: number = Date.now();
  /** Payload bytes received. */
  bytesIn = 0;
  /** Payload bytes sent. */
  bytesOut = 0;
  /** Datagrams dropped because the unread queue was full. */
  dropped = 0;
  #conn: Deno.DatagramConn;
  #queue: Datagram[] = [];
  #wake = new Set<() => void>();
  #closed = false;
  #loop: Promise<void>;

  /**
   * Wraps a bound socket; `bind` (from `mod.ts`) makes these.
   *
   * @internal
   */
  constructor(
    /** The socket's name in a session (`u1`). */
    readonly name: string,
    conn: Deno.DatagramConn,
    /** The default peer, for a connected socket. */
    readonly peer?: Deno.NetAddr,
    /**
     * Where events go, and how many datagrams wait unread at most.
     *
     * @internal
     */
    readonly options: { events?: EventHub; queueLimit?: number } = {},
  ) {
    this.#conn = conn;
    this.#loop = this.#receive();
  }

  /** The local address, e.g. `udp://127.0.0.1:5353`. */
  get local(): string {
    return formatDenoAddr(this.#conn.addr, "udp");
  }

  /** The default peer, if connected. */
  get remote(): string {
    return this.peer ? `udp://${hostPort(this.peer)}` : "";
  }

  /** The bound port. */
  get port(): number {
    return (this.#conn.addr as Deno.NetAddr).port;
  }

  /** The bound host. */
  get host(): string {
    return (this.#conn.addr as Deno.NetAddr).hostname;
  }

  /** Datagrams received and not yet taken. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Sends one datagram to `to` (`HOST:PORT`), or to the default peer. */
  async send(bytes: Uint8Array, to?: string): Promise<void> {
    let target = this.peer;
    if (to !== undefined) {
      const a = parseAddress(to.includes("://") ? to : `udp://${to}`);
      if (a.scheme !== "udp") throw new Error(`"${to}" is not a UDP destination`);
      target = { transport: "udp", hostname: a.host, port: a.port };
    }
    if (!target) {
      throw new Error(`"${this.name}" has no default peer: use send ${this.name} … to HOST:PORT`);
    }
    await this.#conn.send(bytes, target);
    this.bytesOut += bytes.byteLength;
  }

  /**
   * Takes the next datagram.
   *
   * @throws {Error} on timeout, abort or close.
   */
  next(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Datagram> {
    const ready = this.#queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out after ${options.timeoutMs}ms`)),
        options.timeoutMs,
      );
      const onAbort = () => done(new Error("cancelled"));
      const check = () => {
        const d = this.#queue.shift();
        if (d) done(undefined, d);
        else if (this.#closed) done(new Error(`"${this.name}" is closed`));
      };
      const done = (e?: Error, d?: Datagram) => {
        clearTimeout(timer);
        this.#wake.delete(check);
        options.signal?.removeEventListener("abort", onAbort);
        if (e) reject(e);
        else resolve(d!);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake.add(check);
    });
  }

  /** Puts a datagram that was taken back at the front (a failed expect consumes nothing). */
  giveBack(d: Datagram): void {
    this.#queue.unshift(d);
  }

  /** Returns (without taking) the datagrams received so far. */
  peek(): readonly Datagram[] {
    return this.#queue;
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch { /* closed */ }
    }
    await this.#loop;
    for (const w of [...this.#wake]) w();
  }

  /** Closes the socket at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #receive(): Promise<void> {
    const limit = this.options.queueLimit ?? DEFAULT_DATAGRAM_QUEUE;
    try {
      while (true) {
        const [bytes, addr] = await this.#conn.receive();
        const fromAddr = addr as Deno.NetAddr;
        const d: Datagram = { bytes, from: hostPort(fromAddr), fromAddr };
        this.bytesIn += bytes.byteLength;
        if (this.#queue.length >= limit) {
          this.#queue.shift();
          this.dropped++;
        }
        this.#queue.push(d);
        this.options.events?.emit({ type: "data", channel: this.name, bytes, from: d.from });
        for (const w of [...this.#wake]) w();
      }
    } catch (e) {
      if (!this.#closed) {
        this.options.events?.emit({
          type: "error",
          channel: this.name,
          message: (e as Error).message,
        });
      }
    }
  }
}

function hostPort(a: Deno.NetAddr): string {
  return formatHostPort(a.hostname, a.port);
}

/**
 * Binds a UDP socket on `address` (`udp://HOST:PORT`, port 0 for any).
 */
export function bindDatagram(
  name: string,
  address: Address,
  options: { events?: EventHub; peer?: Deno.NetAddr } = {},
): DatagramChannel {
  if (address.scheme !== "udp") {
    throw new Error(`Cannot bind ${formatAddress(address)}: not a udp:// address`);
  }
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: address.host,
    port: address.port,
  });
  return new DatagramChannel(name, conn, options.peer, options);
}

/**
 * "Connects" a UDP socket: binds an ephemeral port of the peer's family and makes the
 * peer the default destination. Resolves names with `Deno.resolveDns`-free lookup by
 * letting the OS resolve on send: the host must be an IP or `localhost`.
 */
export function connectDatagram(
  name: string,
  address: Address,
  options: { events?: EventHub } = {},
): DatagramChannel {
  if (address.scheme !== "udp") {
    throw new Error(`Cannot connect ${formatAddress(address)} as datagrams`);
  }
  const host = address.host === "localhost" ? "127.0.0.1" : address.host;
  const v6 = host.includes(":");
  // a loopback peer gets a loopback socket of its family; others the wildcard address
  const loopback = host === "::1" ? "::1" : /^127\./.test(host) ? "127.0.0.1" : undefined;
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: loopback ?? (v6 ? "::" : "0.0.0.0"),
    port: 0,
  });
  return new DatagramChannel(
    name,
    conn,
    { transport: "udp", hostname: host, port: address.port },
    options,
  );
}
