/**
 * An optional front for the built-in HTTP server that drops slowloris clients: it accepts
 * each connection itself (plain or TLS), requires the first request head to arrive in
 * full within a deadline and under a size cap, and only then splices the connection to
 * the `Deno.serve` server behind it on a loopback port. `Deno.serve` has no header-read
 * timeout of its own; the price is an extra copy of every byte, so it is opt-in
 * (`header-timeout`).
 *
 * @module
 */
import { AcceptLoop } from "../../transport/accept_loop.ts";

/** Options of {@linkcode startGuard}. */
export interface GuardOptions {
  /** Where clients connect. */
  hostname: string;
  /** SO_REUSEPORT: share the port with other guards (workers). */
  reusePort?: boolean;
  port: number;
  /** Terminate TLS here (PEM). */
  tls?: { cert: string; key: string };
  /** The plain HTTP server behind. */
  target: { hostname: string; port: number };
  /** The first request head must be complete within this many ms. */
  headerTimeoutMs: number;
  /** … and no larger than this many bytes. */
  maxHeaderBytes: number;
  /** TLS: a client whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  log?: (line: string) => void;
  /** Called when a client is dropped, with why (`timeout`, `too large`). */
  onDrop?: (remote: Deno.NetAddr, why: string) => void;
}

/** A running guard. */
export interface Guard {
  /** The address clients connect to. */
  readonly addr: Deno.NetAddr;
  /** The real client of an inner connection, by the guard's local port towards the server. */
  clientOf(innerPort: number): Deno.NetAddr | undefined;
  /** How many clients were dropped for a slow or oversized head. */
  readonly dropped: number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

const HEAD_END = [13, 10, 13, 10];

function findHeadEnd(buf: Uint8Array, len: number): number {
  outer: for (let i = 0; i + 3 < len; i++) {
    for (let j = 0; j < 4; j++) if (buf[i + j] !== HEAD_END[j]) continue outer;
    return i + 4;
  }
  return -1;
}

/** Starts the guard; it runs until {@linkcode Guard.close}. */
export function startGuard(opts: GuardOptions): Guard {
  const listener: Deno.Listener = opts.tls
    ? Deno.listenTls({
      hostname: opts.hostname,
      port: opts.port,
      cert: opts.tls.cert,
      key: opts.tls.key,
      reusePort: opts.reusePort,
    })
    : Deno.listen({ hostname: opts.hostname, port: opts.port, reusePort: opts.reusePort });
  const open = new Set<Deno.Conn>();
  const clients = new Map<number, Deno.NetAddr>();
  let dropped = 0;

  const writeAll = async (conn: Deno.Conn, bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.byteLength) off += await conn.write(bytes.subarray(off));
  };
  const closeQuietly = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };
  const drop = async (conn: Deno.Conn, status: string, why: string) => {
    dropped++;
    opts.onDrop?.(conn.remoteAddr as Deno.NetAddr, why);
    await writeAll(
      conn,
      new TextEncoder().encode(
        `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      ),
    )
      .catch(() => {});
    closeQuietly(conn);
  };

  const handle = async (conn: Deno.Conn) => {
    open.add(conn);
    const buf = new Uint8Array(opts.maxHeaderBytes + 4);
    let len = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void drop(conn, "408 Request Timeout", "timeout");
    }, opts.headerTimeoutMs);
    try {
      while (findHeadEnd(buf, len) < 0) {
        if (len >= buf.byteLength) {
          clearTimeout(timer);
          return await drop(conn, "431 Request Header Fields Too Large", "too large");
        }
        const n = await conn.read(buf.subarray(len));
        if (n === null) return closeQuietly(conn);
        len += n;
      }
    } catch {
      if (!timedOut) closeQuietly(conn);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) return;
    let inner: Deno.TcpConn;
    try {
      inner = await Deno.connect(opts.target);
    } catch {
      return closeQuietly(conn);
    }
    open.add(inner);
    const innerPort = (inner.localAddr as Deno.NetAddr).port;
    clients.set(innerPort, conn.remoteAddr as Deno.NetAddr);
    try {
      inner.setNoDelay(true);
      await writeAll(inner, buf.subarray(0, len));
      // plain read/write loops: cheaper per chunk than piping web streams
      const pump = async (from: Deno.Conn, to: Deno.Conn) => {
        const chunk = new Uint8Array(64 * 1024);
        try {
          while (true) {
            const n = await from.read(chunk);
            if (n === null) break;
            await writeAll(to, chunk.subarray(0, n));
          }
          await to.closeWrite(); // pass the end of stream on; replies may still come back
        } catch {
          // reset or closed: end both sides
          closeQuietly(to);
          closeQuietly(from);
        }
      };
      await Promise.all([pump(conn, inner), pump(inner, conn)]);
    } catch {
      /* either side went away */
    } finally {
      clients.delete(innerPort);
      closeQuietly(inner);
      closeQuietly(conn);
    }
  };

  const loop = new AcceptLoop(listener, (conn) => handle(conn).catch(() => closeQuietly(conn)), {
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    log: opts.log,
    onError: (e) => opts.log?.(`listener failed: ${(e as Error).message}`),
  });

  return {
    addr: listener.addr as Deno.NetAddr,
    clientOf: (port) => clients.get(port),
    get dropped() {
      return dropped;
    },
    async close() {
      const stopping = loop.close();
      for (const c of [...open]) closeQuietly(c);
      await stopping;
    },
  };
}
