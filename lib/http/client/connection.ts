/**
 * Opens one client connection for an HTTP request, timing each phase: DNS lookup
 * (getaddrinfo, so `/etc/hosts` counts), TCP connect, TLS handshake. TLS goes through the
 * transport's one client path (`openTlsSocket`): verified against the built-in roots, or
 * only `caCerts`, unless `insecure`; a client certificate when `cert`/`key` are given.
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import { lookup } from "node:dns/promises";
import net from "node:net";
import type tls from "node:tls";
import { openTlsSocket } from "../../transport/tls_client.ts";

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
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the connection (idempotent). */
  close(): void;
  /** The IP address connected to. */
  readonly remoteIp: string;
  /** The phase timings. */
  readonly timings: ConnectTimings;
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
  let ip = target.host;
  if (!isIp(ip)) {
    try {
      ip = (await lookup(target.host)).address;
    } catch (e) {
      throw new ConnectError("dns", `Cannot resolve "${target.host}": ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  signal?.throwIfAborted();
  const t1 = performance.now();
  const servername = target.servername ?? target.host;
  if (target.tls) return await openTls(target, ip, servername, t0, t1, signal);
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

function fmt(ip: string, port: number): string {
  return formatHostPort(ip, port);
}

function denoConnection(conn: Deno.Conn, ip: string, timings: ConnectTimings): ClientConnection {
  let closed = false;
  return {
    readable: conn.readable,
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

/** TCP, then TLS over it through the transport's one client path, timing each phase. */
async function openTls(
  target: ConnectTarget,
  ip: string,
  servername: string,
  t0: number,
  t1: number,
  signal?: AbortSignal,
): Promise<ClientConnection> {
  const socket = net.connect({ host: ip, port: target.port, noDelay: true });
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
      `Cannot connect to ${fmt(ip, target.port)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const t2 = performance.now();
  let secure: tls.TLSSocket;
  try {
    secure = await openTlsSocket({
      host: ip,
      port: target.port,
      socket,
      servername,
      caCerts: target.caCerts,
      insecure: target.insecure,
      cert: target.cert,
      key: target.key,
      signal,
    });
  } catch (e) {
    socket.destroy();
    throw new ConnectError(
      "tls",
      `TLS handshake with ${fmt(ip, target.port)} failed: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const t3 = performance.now();
  let closed = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      secure.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) secure.pause();
      });
      secure.on("end", () => {
        if (!closed) controller.close();
        closed = true;
      });
      secure.on("error", (e: Error) => {
        if (!closed) controller.error(e);
        closed = true;
      });
      secure.on("close", () => {
        if (!closed) controller.close();
        closed = true;
      });
    },
    pull() {
      secure.resume();
    },
    cancel() {
      secure.destroy();
    },
  }, { highWaterMark: 16 });
  return {
    readable,
    write: (bytes) =>
      new Promise<void>((resolve, reject) =>
        secure.write(bytes, (e?: Error | null) => e ? reject(e) : resolve())
      ),
    close() {
      secure.destroy();
    },
    remoteIp: ip,
    timings: { dnsMs: t1 - t0, connectMs: t2 - t1, tlsMs: t3 - t2 },
  };
}
