/**
 * One end of a one-shot transfer, as `send-file` and `recv-file` open it: connect to
 * ADDR, or with `listen` wait for the single peer on ADDR (then stop listening).
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { connectTransfer, listenTransfer, type OpenedConn } from "./net.ts";

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
  using listener = await listenTransfer(address, { cert: opts.cert, key: opts.key });
  const onAbort = () => listener.close();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await opts.onListening?.({ address: listener.address, certPem: listener.certPem });
    return await listener.accept();
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
