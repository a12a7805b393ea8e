/**
 * One end of a one-shot transfer, as `send-file` and `recv-file` open it: connect to
 * ADDR, or with `listen` wait for the single peer on ADDR (then stop listening).
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { expectFirstBytes } from "./first_bytes.ts";
import { connectTransfer, listenTransfer, type OpenedConn, type TransferListener } from "./net.ts";

/** Options for {@linkcode openEndpoint}. */
export interface EndpointOptions {
  /** Wait for the peer instead of connecting. */
  listen?: boolean;
  /** PEM CA certificates to trust (connecting over TLS). */
  caCerts?: string[];
  /** Skip TLS verification (connecting). */
  insecure?: boolean;
  /** PEM certificate and key (listening over TLS; self-signed when absent). */
  cert?: string;
  key?: string;
  /** Give up connecting after this long. */
  connectTimeoutMs?: number;
  /**
   * Listening: the bytes a real peer sends first. Connections that send other bytes,
   * none, or nothing within `firstBytesTimeoutMs` (default 30 s) are strangers: each is
   * reported to `onStranger`, dropped, and the wait goes on.
   */
  firstBytes?: Uint8Array;
  firstBytesTimeoutMs?: number;
  onStranger?: (peer: string, why: string) => void;
  /** Listening on TLS: a peer whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  onLog?: (line: string) => void;
  /** Told the bound address (and self-signed certificate) once listening. */
  onListening?: (info: { address: string; certPem?: string }) => void | Promise<void>;
  signal?: AbortSignal;
}

/** Opens the connection for one transfer. */
export async function openEndpoint(
  address: Address,
  opts: EndpointOptions = {},
): Promise<OpenedConn> {
  if (!opts.listen) {
    return await connectTransfer(address, {
      caCerts: opts.caCerts,
      insecure: opts.insecure,
      timeoutMs: opts.connectTimeoutMs,
      signal: opts.signal,
    });
  }
  using listener = await listenTransfer(address, {
    cert: opts.cert,
    key: opts.key,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    log: opts.onLog,
  });
  const onAbort = () => listener.close();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await opts.onListening?.({ address: listener.address, certPem: listener.certPem });
    if (!opts.firstBytes) return await listener.accept();
    return await firstRealPeer(listener, opts.firstBytes, opts);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Takes connections until one sends `expected` first; strangers are checked side by side
 * (a stalled one holds up nobody), reported and closed.
 */
async function firstRealPeer(
  listener: TransferListener,
  expected: Uint8Array,
  opts: EndpointOptions,
): Promise<OpenedConn> {
  const found = Promise.withResolvers<OpenedConn>();
  const checking = new Set<OpenedConn>();
  let done = false;
  const accepting = (async () => {
    while (!done) {
      let opened: OpenedConn;
      try {
        opened = await listener.accept();
      } catch (e) {
        if (!done) found.reject(e);
        return;
      }
      checking.add(opened);
      void expectFirstBytes(opened.conn, expected, opts.firstBytesTimeoutMs ?? 30_000).then(
        (first) => {
          checking.delete(opened);
          if (first.ok && !done) {
            done = true;
            found.resolve({ conn: first.conn, peer: opened.peer });
          } else if (first.ok) first.conn.close();
          else if (!done) opts.onStranger?.(opened.peer, first.why);
        },
      );
    }
  })();
  try {
    return await found.promise;
  } finally {
    done = true;
    listener.close();
    for (const other of checking) other.conn.close();
    await accepting;
  }
}
