/**
 * The two ends of a proxy: the listener clients connect to (`tcp://`, `tls://`,
 * `unix://`) and the upstream it dials for each of them. Raw `Deno.Conn`s (no receive
 * buffer) so that the pump can move bytes without copies.
 *
 * @module
 */
import { type Address, formatAddress } from "../address/address.ts";
import type { ByteDuplex } from "../transport/duplex.ts";
import { openDuplex } from "../transport/connect.ts";
import { tlsMaterial } from "../transport/stream_listener.ts";

/**
 * How the proxy listens.
 *
 * @example Terminate TLS with a given certificate
 * ```ts
 * import { parseAddress } from "@wireplay/wireplay";
 * import type { ListenSide } from "@wireplay/wireplay/proxy";
 * const side: ListenSide = { address: parseAddress("tls://127.0.0.1:0"), cert: "-----BEGIN CERTIFICATE-----\n…", key: "-----BEGIN PRIVATE KEY-----\n…" };
 * ```
 */
export interface ListenSide {
  /** Where clients connect: `tcp://`, `tls://` or `unix://` (see `parseAddress`). */
  address: Address;
  /** PEM certificate chain for `tls://`; a self-signed pair when absent. */
  cert?: string;
  /** The certificate's private key (PEM). */
  key?: string;
}

/**
 * How the proxy reaches its upstream.
 *
 * @example A TLS upstream with a test CA
 * ```ts
 * import { parseAddress } from "@wireplay/wireplay";
 * import type { UpstreamSide } from "@wireplay/wireplay/proxy";
 * const side: UpstreamSide = { address: parseAddress("tls://127.0.0.1:8443"), caCerts: ["-----BEGIN CERTIFICATE-----\n…"], servername: "localhost" };
 * ```
 */
export interface UpstreamSide {
  /** What the proxy dials for each client: `tcp://`, `tls://` or `unix://`. */
  address: Address;
  /** Extra CA certificates (PEM) to trust for a `tls://` upstream. */
  caCerts?: string[];
  /** Skip certificate verification of a `tls://` upstream. */
  insecure?: boolean;
  /** SNI and verified name for a `tls://` upstream (default: its host). */
  servername?: string;
  /** Gives up dialing after this long (default 10 s). */
  connectTimeoutMs?: number;
}

/** A bound listener and what is needed to clean it up. */
export interface BoundListener {
  listener: Deno.Listener;
  /** The bound address (port 0 resolved). */
  address: string;
  /** PEM path of a generated self-signed certificate (TLS without `cert`). */
  certPath?: string;
  cleanup(): Promise<void>;
}

/** Binds the listening side. */
export async function bindListener(side: ListenSide): Promise<BoundListener> {
  const a = side.address;
  switch (a.scheme) {
    case "tcp": {
      const listener = Deno.listen({ hostname: a.host, port: a.port });
      const port = (listener.addr as Deno.NetAddr).port;
      return { listener, address: formatAddress({ ...a, port }), cleanup: () => Promise.resolve() };
    }
    case "unix": {
      const listener = Deno.listen({ transport: "unix", path: a.path });
      return {
        listener,
        address: formatAddress(a),
        cleanup: () => Deno.remove(a.path).catch(() => {}),
      };
    }
    case "tls": {
      const m = await tlsMaterial({ cert: side.cert, key: side.key });
      const listener = Deno.listenTls({ hostname: a.host, port: a.port, cert: m.cert, key: m.key });
      const port = (listener.addr as Deno.NetAddr).port;
      return {
        listener,
        address: formatAddress({ ...a, port }),
        certPath: m.certPath,
        cleanup: () =>
          m.tmpDir ? Deno.remove(m.tmpDir, { recursive: true }).catch(() => {}) : Promise.resolve(),
      };
    }
    default:
      throw new Error(
        `Cannot proxy from ${formatAddress(a)}: only tcp://, tls:// and unix:// listen`,
      );
  }
}

/** Dials the upstream; the error message names the address. */
export async function dialUpstream(side: UpstreamSide, signal?: AbortSignal): Promise<ByteDuplex> {
  const a = side.address;
  const timeout = AbortSignal.timeout(side.connectTimeoutMs ?? 10_000);
  const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    if (a.scheme !== "tcp" && a.scheme !== "tls" && a.scheme !== "unix") {
      throw new Error(`only tcp://, tls:// and unix:// upstreams are proxied`);
    }
    return await openDuplex(a, side, sig);
  } catch (e) {
    const why = timeout.aborted ? "timed out" : e instanceof Error ? e.message : String(e);
    throw new Error(`Cannot connect to ${formatAddress(a)}: ${why}`, { cause: e });
  }
}
