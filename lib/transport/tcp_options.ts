/**
 * Socket options of a TCP connection (`connect … nodelay off keepalive 30s ttl 7 sndbuf
 * 64KiB rcvbuf 64KiB bind-source 127.0.0.2:40000`): Deno's own calls where it has them
 * (no-delay, keep-alive on/off), `setsockopt` through FFI for the rest, and node:net's
 * `localAddress` for the source address (Deno.connect cannot bind one).
 *
 * @module
 */
import net from "node:net";
import { formatHostPort, parseAddress } from "../address/address.ts";
import type { ByteDuplex } from "./duplex.ts";
import { NodeSocketDuplex } from "./node_tls_duplex.ts";
import { findSocketFd, getSockopt, setSockopt, SOCKOPT } from "./sockopt.ts";

/**
 * Socket options for a TCP connection.
 *
 * @example Keep-alive probes after 30 s idle, Nagle on
 * ```ts
 * import type { TcpSocketOptions } from "@wireplay/wireplay";
 * const options: TcpSocketOptions = { nodelay: false, keepalive: 30_000 };
 * ```
 */
export interface TcpSocketOptions {
  /** TCP_NODELAY: on by default in wireplay (small writes go at once). */
  nodelay?: boolean;
  /** SO_KEEPALIVE on/off, or on with this idle time in ms before probes (TCP_KEEPIDLE, FFI). */
  keepalive?: number | boolean;
  /** The local `HOST[:PORT]` to connect from (as `nc -s HOST -p PORT`). */
  bindSource?: string;
  /** IP_TTL (IPv6: the unicast hop limit), 1 to 255 (FFI). */
  ttl?: number;
  /** SO_SNDBUF in bytes (FFI; Linux reports and uses twice the value asked for). */
  sndbuf?: number;
  /** SO_RCVBUF in bytes (FFI; Linux doubles it too). */
  rcvbuf?: number;
}

/** What `${NAME.options}` shows of a TCP connection. */
export type AppliedOptions = Record<string, string | number | boolean>;

/** A duplex whose no-delay and keep-alive flags Deno (or node:net) can set. */
interface Tunable {
  setNoDelay?(on: boolean): void;
  setKeepAlive?(on: boolean): void;
}

/** The local address of `bind-source`, as `{host, port}` (port 0: any). */
export function parseBindSource(text: string): { host: string; port: number } {
  const withPort = /:\d+$/.test(text) && (!text.includes("::") || text.startsWith("["))
    ? text
    : `${text.includes(":") && !text.startsWith("[") ? `[${text}]` : text}:0`;
  const a = parseAddress(`tcp://${withPort}`);
  if (a.scheme === "unix") throw new Error(`"${text}" is not HOST[:PORT]`);
  return { host: a.host, port: a.port };
}

/** Connects from a chosen local address through node:net (Deno.connect cannot bind one). */
export function connectFrom(
  address: { host: string; port: number },
  source: string,
  signal?: AbortSignal,
): Promise<ByteDuplex> {
  const from = parseBindSource(source);
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: address.host,
      port: address.port,
      localAddress: from.host,
      localPort: from.port || undefined,
    });
    const onAbort = () => {
      socket.destroy();
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      socket.setNoDelay(true);
      resolve(new NodeSocketDuplex(socket));
    });
    socket.once("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(
        new Error(`from ${formatHostPort(from.host, from.port)}: ${e.message}`, { cause: e }),
      );
    });
  });
}

/**
 * Sets `options` on a connected TCP duplex and returns what `${NAME.options}` reads: the
 * kernel's values (through FFI) for the options set that way.
 *
 * @throws {Error} naming the option, e.g. when it needs `--allow-ffi`.
 */
export function applyTcpOptions(duplex: ByteDuplex, options: TcpSocketOptions): AppliedOptions {
  const tunable = duplex as ByteDuplex & Tunable;
  const applied: AppliedOptions = { nodelay: options.nodelay ?? true };
  tunable.setNoDelay?.(options.nodelay ?? true);
  const { keepalive, ttl, sndbuf, rcvbuf } = options;
  if (keepalive !== undefined) {
    tunable.setKeepAlive?.(keepalive !== false);
    applied.keepalive = typeof keepalive === "number" ? `${keepalive / 1000}s` : keepalive;
  }
  if (options.bindSource) applied.bindSource = options.bindSource;
  const viaFfi: [string, number | undefined][] = [
    ["keepalive", typeof keepalive === "number" ? keepalive : undefined],
    ["ttl", ttl],
    ["sndbuf", sndbuf],
    ["rcvbuf", rcvbuf],
  ];
  if (viaFfi.every(([, v]) => v === undefined)) return applied;
  const local = duplex.localAddr as Deno.NetAddr;
  const v6 = local.hostname.includes(":") && !/^::ffff:/i.test(local.hostname);
  const first = viaFfi.find(([, v]) => v !== undefined)![0].replace(
    "keepalive",
    "keepalive with a time (keepalive on does not)",
  );
  const fd = findSocketFd("tcp", local, duplex.remoteAddr as Deno.NetAddr, first);
  if (typeof keepalive === "number") {
    const seconds = Math.max(1, Math.round(keepalive / 1000));
    setSockopt(fd, SOCKOPT.TCP_KEEPIDLE, seconds, "keepalive");
    setSockopt(fd, SOCKOPT.TCP_KEEPINTVL, seconds, "keepalive");
  }
  if (ttl !== undefined) {
    if (ttl < 1) throw new Error("ttl must be 1 to 255 for TCP");
    const opt = v6 ? SOCKOPT.IPV6_UNICAST_HOPS : SOCKOPT.IP_TTL;
    setSockopt(fd, opt, ttl, "ttl");
    applied.ttl = getSockopt(fd, opt, "ttl");
  }
  if (sndbuf !== undefined) {
    setSockopt(fd, SOCKOPT.SO_SNDBUF, sndbuf, "sndbuf");
    applied.sndbuf = getSockopt(fd, SOCKOPT.SO_SNDBUF, "sndbuf");
  }
  if (rcvbuf !== undefined) {
    setSockopt(fd, SOCKOPT.SO_RCVBUF, rcvbuf, "rcvbuf");
    applied.rcvbuf = getSockopt(fd, SOCKOPT.SO_RCVBUF, "rcvbuf");
  }
  return applied;
}
