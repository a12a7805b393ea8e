/**
 * One connection's worth of load: a driver does one request (or writes one chunk) per
 * call, reconnecting when needed, and says how many bytes went each way.
 *
 * @module
 */
import type { BenchSpec } from "./spec.ts";
import { encodeRequest, ResponseParser } from "./http_codec.ts";
import type { ByteDuplex } from "../../transport/duplex.ts";
import { connectTls } from "../../transport/node_tls_duplex.ts";

/** A classified failure: `kind` is what the report groups errors by. */
export class BenchError extends Error {
  override name = "BenchError";
  constructor(readonly kind: string, message = kind) {
    super(message);
  }
}

/** One unit of work and its byte counts. */
export interface Driver {
  /** Does one request (or one write); throws {@linkcode BenchError}. */
  once(): Promise<void>;
  /** Bytes sent and received by the last `once`. */
  sent: number;
  received: number;
  /** The HTTP status of the last response. */
  status?: number;
  /** Aborts what is in flight (the pending call throws) and releases the socket; may go on. */
  abort(): void;
  /** Aborts what is in flight and ends the driver. */
  close(): void;
  /** Counts the last `once` in the measured window (drivers that keep their own tallies). */
  commit?(): void;
}

/** Makes the driver for a spec. */
export function makeDriver(spec: BenchSpec): Driver {
  if (spec.scheme === "udp") return new UdpDriver(spec);
  if (spec.scheme === "http" || spec.scheme === "https") return new HttpDriver(spec);
  return spec.mode === "stream" ? new StreamDriver(spec) : new EchoDriver(spec);
}

/** Classifies a socket error. */
export function errorKind(e: unknown): string {
  if (e instanceof BenchError) return e.kind;
  if (e instanceof Deno.errors.ConnectionRefused) return "refused";
  if (e instanceof Deno.errors.ConnectionReset) return "reset";
  if (e instanceof Deno.errors.BrokenPipe) return "broken_pipe";
  if (e instanceof Deno.errors.TimedOut) return "timeout";
  if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return "closed";
  if (e instanceof Error && /certificate|tls|handshake/i.test(e.message)) return "tls";
  return e instanceof Error ? e.name : "error";
}

abstract class StreamBase {
  conn: ByteDuplex | undefined;
  sent = 0;
  received = 0;
  #closed = false;
  constructor(readonly spec: BenchSpec) {}

  async connected(): Promise<ByteDuplex> {
    if (this.conn) return this.conn;
    if (this.#closed) throw new BenchError("closed");
    const tls = this.spec.scheme === "tls" || this.spec.scheme === "https";
    // TLS through the transport's one client path (same verification and messages as connect).
    const conn: ByteDuplex = tls
      ? await connectTls({ host: this.spec.host, port: this.spec.port, caCerts: this.spec.caCerts })
      : await Deno.connect({ hostname: this.spec.host, port: this.spec.port });
    if (!tls) (conn as Deno.TcpConn).setNoDelay(true);
    if (this.#closed) {
      conn.close();
      throw new BenchError("closed");
    }
    this.conn = conn;
    return conn;
  }

  abort(): void {
    this.drop();
  }

  drop(): void {
    try {
      this.conn?.close();
    } catch { /* closed */ }
    this.conn = undefined;
  }

  close(): void {
    this.#closed = true;
    this.drop();
  }
}

class EchoDriver extends StreamBase implements Driver {
  #payload: Uint8Array;
  #buf: Uint8Array;
  #want: number;
  constructor(spec: BenchSpec) {
    super(spec);
    this.#payload = new Uint8Array(spec.size).fill(0x61);
    this.#want = spec.replySize ?? spec.size;
    this.#buf = new Uint8Array(Math.max(64 * 1024, this.#want));
  }
  async once(): Promise<void> {
    const conn = this.conn ?? await this.connected();
    try {
      let w = 0;
      while (w < this.#payload.byteLength) w += await conn.write(this.#payload.subarray(w));
      let got = 0;
      while (got < this.#want) {
        const n = await conn.read(this.#buf);
        if (n === null) throw new BenchError("eof", "peer closed the connection");
        got += n;
      }
      if (got > this.#want) throw new BenchError("extra_bytes", "more bytes than sent came back");
      this.sent = w;
      this.received = got;
    } catch (e) {
      this.drop();
      throw e;
    }
  }
}

class StreamDriver extends StreamBase implements Driver {
  #chunk: Uint8Array;
  constructor(spec: BenchSpec) {
    super(spec);
    this.#chunk = new Uint8Array(Math.max(spec.size, 1)).fill(0x61);
  }
  async once(): Promise<void> {
    const conn = this.conn ?? await this.connected();
    try {
      this.sent = await conn.write(this.#chunk);
      this.received = 0;
    } catch (e) {
      this.drop();
      throw e;
    }
  }
}

/** Where a request's write reports: bytes written, or the error. */
class WriteOutcome {
  wrote = -1;
  error: unknown = undefined;
  ok = (n: number): void => {
    this.wrote = n;
  };
  fail = (e: unknown): void => {
    this.error = e ?? new Error("write failed");
  };
}

class HttpDriver extends StreamBase implements Driver {
  #request: Uint8Array;
  #buf = new Uint8Array(64 * 1024);
  #parser = new ResponseParser();
  #outcome = new WriteOutcome();
  status?: number;
  constructor(spec: BenchSpec) {
    super(spec);
    this.#request = encodeRequest({
      url: spec.url!,
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
    });
    this.#parser.headRequest = (spec.method ?? "GET").toUpperCase() === "HEAD";
  }
  async once(): Promise<void> {
    const conn = this.conn ?? await this.connected();
    const p = this.#parser;
    p.reset();
    const w = this.#outcome;
    try {
      // Read while the request is being written: one wait fewer per request. The write's
      // outcome lands in `w` (handlers that never reject), so the usual request costs no
      // extra promise or wait after its response.
      w.wrote = -1;
      w.error = undefined;
      const writing = writeAll(conn, this.#request).then(w.ok, w.fail);
      const buf = this.#buf;
      while (!p.complete) {
        const n = await conn.read(buf);
        if (n === null) {
          p.end();
          break;
        }
        const used = p.feed(buf, 0, n);
        if (used < n) throw new BenchError("protocol", "bytes after the response");
      }
      if (w.wrote < 0 && w.error === undefined) await writing;
      if (w.error !== undefined) throw w.error;
      this.sent = w.wrote;
      this.received = p.bytes;
      this.status = p.status;
      if (!p.keepAlive) this.drop();
    } catch (e) {
      this.drop();
      this.#outcome = new WriteOutcome(); // a write still in flight reports to the old one
      if (e instanceof Error && e.name === "HttpParseError") {
        throw new BenchError("protocol", e.message);
      }
      throw e;
    }
  }
}

class UdpDriver implements Driver {
  sent = 0;
  received = 0;
  #sock: Deno.DatagramConn | undefined;
  #payload: Uint8Array;
  #buf = new Uint8Array(65536);
  #addr: Deno.NetAddr;
  #closed = false;
  #wake: ((e: Error) => void) | undefined;
  constructor(readonly spec: BenchSpec) {
    this.#payload = new Uint8Array(spec.size).fill(0x61);
    this.#addr = { transport: "udp", hostname: spec.host, port: spec.port };
  }
  async once(): Promise<void> {
    if (this.#closed) throw new BenchError("closed");
    this.#sock ??= Deno.listenDatagram({
      transport: "udp",
      hostname: this.spec.host.includes(":") ? "::" : "0.0.0.0",
      port: 0,
    });
    const sock = this.#sock;
    // abort() (the timeout sweeper, or the end of the run) wakes this request itself, in
    // its send as in its receive: nothing here waits on the socket alone.
    const aborted = Promise.withResolvers<never>();
    aborted.promise.catch(() => {}); // an abort may come before anything races it
    this.#wake = aborted.reject;
    let sent = false;
    try {
      const sending = sock.send(this.#payload, this.#addr);
      sending.catch(() => {}); // may settle after an abort; nobody waits for it then
      this.sent = await Promise.race([sending, aborted.promise]);
      sent = true;
      for (;;) {
        const receiving = sock.receive(this.#buf);
        receiving.catch(() => {});
        const [data, from] = await Promise.race([receiving, aborted.promise]);
        if ((from as Deno.NetAddr).port !== this.spec.port) continue;
        this.received = data.byteLength;
        return;
      }
    } catch (e) {
      // A send refused by the network is that error; otherwise the socket was closed by
      // the timeout sweeper (or at the end): a lost datagram.
      if (!sent && this.#sock === sock) throw e;
      this.#sock = undefined;
      throw this.#closed ? e : new BenchError("timeout", "no reply");
    } finally {
      this.#wake = undefined;
    }
  }
  close(): void {
    this.#closed = true;
    this.abort();
  }
  /** Drops the socket and fails the request in flight. */
  abort(): void {
    try {
      this.#sock?.close();
    } catch { /* closed */ }
    this.#sock = undefined;
    this.#wake?.(new Error("aborted"));
    this.#wake = undefined;
  }
}

/** Writes all of `bytes`; returns how many (all of them). One write is the usual case. */
function writeAll(conn: ByteDuplex, bytes: Uint8Array): Promise<number> {
  return conn.write(bytes).then((n) => n < bytes.byteLength ? writeRest(conn, bytes, n) : n);
}

async function writeRest(conn: ByteDuplex, bytes: Uint8Array, w: number): Promise<number> {
  while (w < bytes.byteLength) w += await conn.write(bytes.subarray(w));
  return w;
}
