/**
 * Opens one client connection for an HTTP request, timing each phase: DNS lookup
 * (getaddrinfo, so `/etc/hosts` counts; `resolve` entries first, like curl's
 * `--resolve`), TCP connect (through an HTTP CONNECT or SOCKS5 tunnel when a proxy is
 * given), TLS handshake. TLS goes through the transport's one client path
 * (`openTlsSocket`): verified against the built-in roots, or only `caCerts`, unless
 * `insecure`; a client certificate when `cert`/`key` are given; ALPN offers `alpn`, and a
 * server that picks `h2` leaves the socket to the HTTP/2 path.
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import { lookup } from "node:dns/promises";
import net from "node:net";
import type tls from "node:tls";
import { openTlsSocket } from "../../transport/tls_client.ts";
import type { ByteSource } from "./http1.ts";
import { httpConnect, type ProxySpec, socks5Connect } from "./tunnel.ts";

/** Where to connect and how. */
export interface ConnectTarget {
  /** Host name or IP literal (bare IPv6). */
  host: string;
  /** TCP port. */
  port: number;
  /** Use TLS. */
  tls: boolean;
  /** The trusted CA certificates, PEM (instead of the built-in roots). */
  caCerts?: string[];
  /** Skip certificate verification. */
  insecure?: boolean;
  /** A client certificate (PEM) and its key (mutual TLS). */
  cert?: string;
  key?: string;
  /** The TLS server name (SNI and verification); default `host`. */
  servername?: string;
  /** Go through this proxy. */
  proxy?: ProxySpec;
  /** Addresses to use instead of DNS, by `host:port` (lower case), as curl's `--resolve`. */
  resolve?: Map<string, string>;
  /** ALPN protocols to offer over TLS (`["h2", "http/1.1"]`). */
  alpn?: string[];
}

/** Phase durations of opening a connection, ms. */
export interface ConnectTimings {
  /** Name resolution (0 for an IP literal). */
  dnsMs: number;
  /** TCP three-way handshake. */
  connectMs: number;
  /** TLS handshake (0 for plain HTTP). */
  tlsMs: number;
}

/** A byte stream both ways, whatever the transport underneath. */
export interface ClientConnection {
  /** Bytes from the server. */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * The same bytes read straight into a given buffer (plain TCP: `Deno.Conn.read`), when the
   * transport can; use either this or `readable`, not both.
   */
  readonly source?: ByteSource;
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the connection (idempotent). */
  close(): void;
  /** The IP address connected to. */
  readonly remoteIp: string;
  /** The phase timings. */
  readonly timings: ConnectTimings;
  /** The protocol the server chose by ALPN (`h2`, `http/1.1`), when it chose one. */
  readonly alpn?: string;
  /** The TLS socket, untouched, when the server chose `h2` (`readable` is then unused). */
  readonly h2Socket?: tls.TLSSocket;
}

/** A failure while connecting, with the phase it happened in. */
export class ConnectError extends Error {
  override name = "ConnectError";
  constructor(readonly phase: "dns" | "connect" | "tls", message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Whether `host` is an IPv4 or IPv6 literal. */
export function isIp(host: string): boolean {
  return net.isIP(host) !== 0;
}

/**
 * Resolves, connects and (for TLS) handshakes.
 *
 * @throws {ConnectError} naming the phase that failed.
 */
export async function openConnection(
  target: ConnectTarget,
  signal?: AbortSignal,
): Promise<ClientConnection> {
  const t0 = performance.now();
  const proxy = target.proxy;
  const hop = proxy ? { host: proxy.host, port: proxy.port } : target;
  const ip = await resolveHost(hop.host, hop.port, target.resolve);
  signal?.throwIfAborted();
  const t1 = performance.now();
  const servername = target.servername ?? target.host;
  if (!proxy && !target.tls) {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: ip, port: target.port });
    } catch (e) {
      throw new ConnectError(
        "connect",
        `Cannot connect to ${fmt(ip, target.port)}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const t2 = performance.now();
    conn.setNoDelay(true); // the head and body go out at once
    return denoConnection(conn, ip, { dnsMs: t1 - t0, connectMs: t2 - t1, tlsMs: 0 });
  }
  const socket = await tcpSocket(ip, hop.port, proxy ? "proxy " : "", signal);
  try {
    if (proxy?.kind === "socks5h") {
      await socks5Connect(socket, proxy, target.host, target.port);
    } else if (proxy?.kind === "socks5") {
      const to = await resolveHost(target.host, target.port, target.resolve);
      await socks5Connect(socket, proxy, to, target.port);
    } else if (proxy && target.tls) {
      await httpConnect(socket, proxy, target.host, target.port);
    }
  } catch (e) {
    socket.destroy();
    if (e instanceof ConnectError) throw e;
    const via = `${proxy!.kind} proxy ${fmt(ip, hop.port)}`;
    throw new ConnectError("connect", `${via}: ${(e as Error).message}`, { cause: e });
  }
  const t2 = performance.now();
  if (!target.tls) {
    return nodeConnection(socket, ip, { dnsMs: t1 - t0, connectMs: t2 - t1, tlsMs: 0 });
  }
  let secure: tls.TLSSocket;
  try {
    secure = await openTlsSocket({
      host: target.host,
      port: target.port,
      socket,
      servername,
      caCerts: target.caCerts,
      insecure: target.insecure,
      cert: target.cert,
      key: target.key,
      signal,
      alpn: target.alpn,
    });
  } catch (e) {
    socket.destroy();
    const where = proxy ? formatHostPort(target.host, target.port) : fmt(ip, target.port);
    throw new ConnectError("tls", `TLS handshake with ${where} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const timings = { dnsMs: t1 - t0, connectMs: t2 - t1, tlsMs: performance.now() - t2 };
  const alpn = typeof secure.alpnProtocol === "string" ? secure.alpnProtocol : undefined;
  if (alpn === "h2") {
    return {
      readable: new ReadableStream({ start: (c) => c.close() }),
      write: () => Promise.reject(new Error("an h2 connection is written by the HTTP/2 path")),
      close: () => secure.destroy(),
      remoteIp: ip,
      timings,
      alpn,
      h2Socket: secure,
    };
  }
  return { ...nodeConnection(secure, ip, timings), ...(alpn ? { alpn } : {}) };
}

/** The address for `host:port`: a `resolve` entry, the literal itself, or a DNS lookup. */
async function resolveHost(
  host: string,
  port: number,
  resolve?: Map<string, string>,
): Promise<string> {
  const pinned = resolve?.get(`${host.toLowerCase()}:${port}`);
  if (pinned !== undefined) return pinned;
  if (isIp(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch (e) {
    throw new ConnectError("dns", `Cannot resolve "${host}": ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** A connected `node:net` socket (for TLS or a tunnel on top). */
async function tcpSocket(
  ip: string,
  port: number,
  what: string,
  signal?: AbortSignal,
): Promise<net.Socket> {
  const socket = net.connect({ host: ip, port, noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  } catch (e) {
    socket.destroy();
    throw new ConnectError(
      "connect",
      `Cannot connect to ${what}${fmt(ip, port)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return socket;
}

function fmt(ip: string, port: number): string {
  return formatHostPort(ip, port);
}

function denoConnection(conn: Deno.Conn, ip: string, timings: ConnectTimings): ClientConnection {
  let closed = false;
  return {
    // a getter: touching `conn.readable` makes the stream, which the source must not share
    get readable() {
      return conn.readable;
    },
    source: { read: (into) => conn.read(into) },
    async write(bytes) {
      let off = 0;
      while (off < bytes.byteLength) off += await conn.write(bytes.subarray(off));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* the readable may have closed it */ }
    },
    remoteIp: ip,
    timings,
  };
}

/** A `node:net` or `node:tls` socket as a client connection. */
function nodeConnection(
  socket: net.Socket,
  ip: string,
  timings: ConnectTimings,
): ClientConnection {
  let closed = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) socket.pause();
      });
      socket.on("end", () => {
        if (!closed) controller.close();
        closed = true;
      });
      socket.on("error", (e: Error) => {
        if (!closed) controller.error(e);
        closed = true;
      });
      socket.on("close", () => {
        if (!closed) controller.close();
        closed = true;
      });
      socket.resume();
    },
    pull() {
      socket.resume();
    },
    cancel() {
      socket.destroy();
    },
  }, { highWaterMark: 16 });
  return {
    readable,
    write: (bytes) =>
      new Promise<void>((resolve, reject) =>
        socket.write(bytes, (e?: Error | null) => e ? reject(e) : resolve())
      ),
    close() {
      socket.destroy();
    },
    remoteIp: ip,
    timings,
  };
}
