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
import { findSocketFd, setSockopt, SOCKOPT } from "./sockopt.ts";

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

/**
 * Socket options of a UDP socket (`bind … broadcast join GROUP ttl N loopback on|off`).
 *
 * @example A socket that may broadcast
 * ```ts
 * import type { DatagramSocketOptions } from "@wireplay/wireplay";
 * const options: DatagramSocketOptions = { broadcast: true, ttl: 4 };
 * ```
 */
export interface DatagramSocketOptions {
  /** Allow sending to a broadcast address (as SO_BROADCAST). Off by default. */
  broadcast?: boolean;
  /** Multicast sent here also reaches members on this host (IP_MULTICAST_LOOP). On by default. */
  loopback?: boolean;
  /** Several sockets may bind the port (SO_REUSEADDR and SO_REUSEPORT, as Deno sets both). */
  reuseaddr?: boolean;
  /** The multicast TTL (hop limit) of datagrams sent to a group. */
  ttl?: number;
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
  #memberships = new Map<string, Deno.MulticastV4Membership | Deno.MulticastV6Membership>();
  #socket: DatagramSocketOptions;
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
    readonly options: {
      events?: EventHub;
      queueLimit?: number;
      socket?: DatagramSocketOptions;
    } = {},
  ) {
    this.#conn = conn;
    this.#socket = { broadcast: false, loopback: true, reuseaddr: false, ...options.socket };
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

  /** The socket's options as set, and the groups joined (`${NAME.options}`). */
  get socketOptions(): {
    broadcast: boolean;
    loopback: boolean;
    reuseaddr: boolean;
    ttl?: number;
    groups: string[];
  } {
    const { broadcast = false, loopback = true, reuseaddr = false, ttl } = this.#socket;
    return {
      broadcast,
      loopback,
      reuseaddr,
      ...(ttl === undefined ? {} : { ttl }),
      groups: [...this.#memberships.keys()],
    };
  }

  /**
   * Joins a multicast group: IPv4 on the interface with address `iface` (default: the
   * one the routing table picks), IPv6 on the interface of that name or index.
   */
  async join(group: string, iface?: string): Promise<void> {
    const g = group.replace(/^\[|\]$/g, "");
    if (this.#memberships.has(g)) throw new Error(`"${this.name}" has already joined ${g}`);
    const v6 = g.includes(":");
    if (!isMulticast(g)) throw new Error(`${g} is not a multicast group address`);
    const m = v6
      ? await this.#conn.joinMulticastV6(g, interfaceIndex(iface))
      : await this.#conn.joinMulticastV4(g, iface ?? "0.0.0.0");
    this.#memberships.set(g, m);
    await m.setLoopback(this.#socket.loopback ?? true);
    if (this.#socket.ttl !== undefined) await this.setTtl(this.#socket.ttl);
  }

  /**
   * Sets the multicast TTL (IPv6: hop limit) of what this socket sends: through an IPv4
   * membership when it has one (Deno's only handle on it), else `setsockopt` through FFI.
   *
   * @throws {Error} when neither is possible (no group joined, no `--allow-ffi`).
   */
  async setTtl(ttl: number): Promise<void> {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
      throw new Error(`ttl must be 0 to 255, not ${ttl}`);
    }
    this.#socket.ttl = ttl;
    const v4 = [...this.#memberships.values()].find((m) => "setTTL" in m);
    if (v4 && "setTTL" in v4) return await v4.setTTL(ttl);
    const addr = this.#conn.addr as Deno.NetAddr;
    const v6 = addr.hostname.includes(":");
    const fd = findSocketFd("udp", addr, undefined, "ttl on a socket that joined no group");
    setSockopt(fd, v6 ? SOCKOPT.IPV6_MULTICAST_HOPS : SOCKOPT.IP_MULTICAST_TTL, ttl, "ttl");
  }

  /** Leaves a group joined with {@linkcode DatagramChannel.join}. */
  async leave(group: string): Promise<void> {
    const g = group.replace(/^\[|\]$/g, "");
    const m = this.#memberships.get(g);
    if (!m) throw new Error(`"${this.name}" has not joined ${g}`);
    this.#memberships.delete(g);
    await m.leave();
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
    if (!this.#socket.broadcast && isBroadcast(target.hostname)) {
      throw new Error(
        `${target.hostname} is a broadcast address: bind the socket with "broadcast" to send to it`,
      );
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

/** True for an IPv4 class D (224.0.0.0/4) or IPv6 `ff00::/8` address. */
export function isMulticast(ip: string): boolean {
  if (ip.includes(":")) return /^ff/i.test(ip);
  const first = Number(ip.split(".")[0]);
  return first >= 224 && first <= 239;
}

/**
 * True for 255.255.255.255 and the broadcast address of a local IPv4 network (as the
 * kernel would refuse without SO_BROADCAST: Deno sets it on every UDP socket, so wireplay
 * checks here instead). Without `--allow-sys` only 255.255.255.255 is known.
 */
export function isBroadcast(ip: string): boolean {
  if (ip === "255.255.255.255") return true;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  let nets: Deno.NetworkInterfaceInfo[];
  try {
    nets = Deno.networkInterfaces();
  } catch {
    return false;
  }
  const n = ipv4Number(ip);
  return nets.some((i) => {
    if (i.family !== "IPv4" || i.netmask === "255.255.255.255") return false;
    const mask = ipv4Number(i.netmask);
    return ((ipv4Number(i.address) & mask) | ~mask) >>> 0 === n;
  });
}

function ipv4Number(ip: string): number {
  return ip.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
}

/**
 * An IPv6 interface by name (`eth0`; Linux, from `/proc/net/if_inet6`, which follows the
 * network namespace) or index; 0 (the kernel's choice) when not given.
 */
function interfaceIndex(iface: string | undefined): number {
  if (iface === undefined || iface === "") return 0;
  if (/^\d+$/.test(iface)) return Number(iface);
  let table = "";
  try {
    table = Deno.readTextFileSync("/proc/net/if_inet6");
  } catch { /* not Linux, or no permission */ }
  for (const line of table.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols[5] === iface) return parseInt(cols[1]!, 16);
  }
  throw new Error(`no IPv6 interface "${iface}" (give its name or index)`);
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
  options: { events?: EventHub; peer?: Deno.NetAddr; socket?: DatagramSocketOptions } = {},
): DatagramChannel {
  if (address.scheme !== "udp") {
    throw new Error(`Cannot bind ${formatAddress(address)}: not a udp:// address`);
  }
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: address.host,
    port: address.port,
    reuseAddress: options.socket?.reuseaddr ?? false,
    loopback: options.socket?.loopback ?? true,
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
    loopback: true,
  });
  return new DatagramChannel(
    name,
    conn,
    { transport: "udp", hostname: host, port: address.port },
    options,
  );
}
