/**
 * Opening the connection a transfer runs over: connect to, or listen on, a `tcp://`,
 * `tls://` or `unix://` address; either side of a transfer may do either.
 *
 * @module
 */
import { type Address, formatAddress, formatDenoAddr } from "../address/address.ts";
import { selfSignedCertificate } from "../tls/self_signed.ts";
import { connectTls } from "../transport/node_tls_duplex.ts";
import { AcceptLoop } from "../transport/accept_loop.ts";
import type { TransferConn } from "./conn_io.ts";

/**
 * A connection plus a label for its peer.
 *
 * @example Who is on the other end
 * ```ts
 * import type { OpenedConn } from "@wireplay/wireplay";
 * function close(opened: OpenedConn): string {
 *   opened.conn.close();
 *   return `closed ${opened.peer}`;
 * }
 * ```
 */
export interface OpenedConn {
  /** The connection. */
  conn: TransferConn;
  /** The peer, as an address to show (`tcp://127.0.0.1:9000`). */
  peer: string;
}

/**
 * Options for {@linkcode connectTransfer}.
 *
 * @example Trust a test CA
 * ```ts
 * import type { ConnectTransferOptions } from "@wireplay/wireplay";
 * const options: ConnectTransferOptions = { caCerts: ["-----BEGIN CERTIFICATE-----\n…"], timeoutMs: 5000 };
 * ```
 */
export interface ConnectTransferOptions {
  /** The CA certificates (PEM) to trust for `tls://` instead of the built-in roots. */
  caCerts?: string[];
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Give up connecting after this long. */
  timeoutMs?: number;
  /** Gives up connecting when aborted. */
  signal?: AbortSignal;
}

/**
 * Connects to `address`; for TLS, completes the handshake (errors surface here).
 *
 * @example Send a file over loopback
 * ```ts
 * import {
 *   connectTransfer,
 *   listenTransfer,
 *   parseAddress,
 *   receiveFile,
 *   sendFile,
 * } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/in`);
 * await Deno.writeTextFile(`${dir}/notes.txt`, "hello\n");
 * using listener = await listenTransfer(parseAddress("tcp://127.0.0.1:0"));
 * const receiving = listener.accept().then(({ conn }) => receiveFile(conn, { dir: `${dir}/in` }));
 * const { conn } = await connectTransfer(parseAddress(listener.address), { timeoutMs: 2000 });
 * const sent = await sendFile(conn, `${dir}/notes.txt`);
 * conn.close();
 * const got = await receiving;
 * assertEquals(got.sha256, sent.sha256);
 * assertEquals(await Deno.readTextFile(`${dir}/in/notes.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function connectTransfer(
  address: Address,
  opts: ConnectTransferOptions = {},
): Promise<OpenedConn> {
  const timeout = opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const signal = timeout && opts.signal
    ? AbortSignal.any([timeout, opts.signal])
    : timeout ?? opts.signal;
  const label = formatAddress(address);
  switch (address.scheme) {
    case "tcp": {
      const conn = await Deno.connect({ hostname: address.host, port: address.port, signal });
      return { conn, peer: label };
    }
    case "unix":
      return { conn: await Deno.connect({ transport: "unix", path: address.path }), peer: label };
    case "tls": {
      const conn = await connectTls({
        host: address.host,
        port: address.port,
        caCerts: opts.caCerts,
        insecure: opts.insecure,
        signal,
      });
      return { conn, peer: label };
    }
    default:
      throw new RangeError(
        `Cannot transfer files over ${address.scheme}:// (use tcp://, tls:// or unix://)`,
      );
  }
}

/**
 * A listening socket for transfers.
 *
 * @example Accept one sender
 * ```ts
 * import { listenTransfer, parseAddress, type TransferListener } from "@wireplay/wireplay";
 * import { assert } from "@std/assert";
 * using listener: TransferListener = await listenTransfer(parseAddress("tcp://127.0.0.1:0"));
 * assert(listener.address.startsWith("tcp://127.0.0.1:"));
 * ```
 */
export interface TransferListener extends Disposable {
  /** The bound address as text (port 0 resolved). */
  readonly address: string;
  /** The bound address as Deno gives it. */
  readonly addr: Deno.Addr;
  /** The certificate served over TLS (PEM). */
  readonly certPem?: string;
  /** The next connection (TLS handshake done); rejects once closed. */
  accept(): Promise<OpenedConn>;
  /** Stops listening. */
  close(): void;
}

/**
 * Options for {@linkcode listenTransfer}.
 *
 * @example Log dropped peers
 * ```ts
 * import type { ListenTransferOptions } from "@wireplay/wireplay";
 * const options: ListenTransferOptions = { handshakeTimeoutMs: 2000, log: (line) => console.error(line) };
 * ```
 */
export interface ListenTransferOptions {
  /** PEM certificate for `tls://` (a fresh self-signed pair when absent). */
  cert?: string;
  /** The certificate's private key (PEM). */
  key?: string;
  /** TLS: a peer whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  log?: (line: string) => void;
}

/**
 * Listens on `address`; `tls://` without `cert`/`key` gets a fresh self-signed certificate.
 * Connections are taken by the shared accept loop (TLS handshakes run per connection,
 * with a deadline) and queue until {@linkcode TransferListener.accept}.
 *
 * @example Send a file over loopback
 * ```ts
 * import {
 *   connectTransfer,
 *   listenTransfer,
 *   parseAddress,
 *   receiveFile,
 *   sendFile,
 * } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/in`);
 * await Deno.writeTextFile(`${dir}/notes.txt`, "hello\n");
 * using listener = await listenTransfer(parseAddress("tcp://127.0.0.1:0"));
 * const receiving = listener.accept().then(({ conn }) => receiveFile(conn, { dir: `${dir}/in` }));
 * const { conn } = await connectTransfer(parseAddress(listener.address), { timeoutMs: 2000 });
 * const sent = await sendFile(conn, `${dir}/notes.txt`);
 * conn.close();
 * const got = await receiving;
 * assertEquals(got.sha256, sent.sha256);
 * assertEquals(await Deno.readTextFile(`${dir}/in/notes.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listenTransfer(
  address: Address,
  opts: ListenTransferOptions = {},
): Promise<TransferListener> {
  let listener: Deno.Listener;
  let certPem: string | undefined;
  switch (address.scheme) {
    case "tcp":
      listener = Deno.listen({ hostname: address.host, port: address.port });
      break;
    case "unix":
      listener = Deno.listen({ transport: "unix", path: address.path });
      break;
    case "tls": {
      let { cert, key } = opts;
      if (!cert || !key) ({ certPem: cert, keyPem: key } = await selfSignedCertificate());
      certPem = cert;
      listener = Deno.listenTls({ hostname: address.host, port: address.port, cert, key });
      break;
    }
    default:
      throw new RangeError(
        `Cannot transfer files over ${address.scheme}:// (use tcp://, tls:// or unix://)`,
      );
  }
  const tls = address.scheme === "tls";
  const queue: OpenedConn[] = [];
  const waiters: PromiseWithResolvers<OpenedConn>[] = [];
  const loop = new AcceptLoop(listener, (conn) => {
    const a = conn.remoteAddr;
    const opened = {
      conn,
      peer: "hostname" in a ? formatDenoAddr(a, tls ? "tls" : undefined) : "unix",
    };
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(opened);
    else queue.push(opened);
    return Promise.resolve();
  }, {
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    log: opts.log,
    onError: (e) => opts.log?.(`listener failed: ${(e as Error).message}`),
  });
  const addr = listener.addr;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void loop.close();
    for (const q of queue.splice(0)) q.conn.close();
    for (const w of waiters.splice(0)) w.reject(new Deno.errors.BadResource("listener closed"));
  };
  return {
    address: formatDenoAddr(addr, tls ? "tls" : undefined),
    addr,
    certPem,
    accept() {
      const next = queue.shift();
      if (next) return Promise.resolve(next);
      if (closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
      const waiter = Promise.withResolvers<OpenedConn>();
      waiters.push(waiter);
      return waiter.promise;
    },
    close,
    [Symbol.dispose]: close,
  };
}

/**
 * Wraps a connection so that it is closed when neither side moves a byte for `ms`
 * (a stalled peer never hangs a transfer forever). Dispose to stop the watchdog.
 */
export function withIdleTimeout(
  conn: TransferConn,
  ms: number,
  onIdle: () => void = () => {},
): TransferConn & Disposable & { readonly timedOut: boolean } {
  let last = performance.now();
  let timedOut = false;
  const timer = setInterval(() => {
    if (performance.now() - last > ms) {
      timedOut = true;
      clearInterval(timer);
      onIdle();
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }, Math.max(10, Math.min(1000, ms / 4)));
  return {
    async read(into) {
      const n = await conn.read(into);
      last = performance.now();
      return n;
    },
    async write(data) {
      const n = await conn.write(data);
      last = performance.now();
      return n;
    },
    close() {
      clearInterval(timer);
      try {
        conn.close();
      } catch { /* closed */ }
    },
    get timedOut() {
      return timedOut;
    },
    [Symbol.dispose]() {
      clearInterval(timer);
    },
  };
}
