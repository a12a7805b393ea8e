/**
 * Opens stream connections: `tcp://`, `tls://` and `unix://` addresses.
 *
 * @module
 */
import { type Address, formatAddress } from "../address/address.ts";
import type { ByteDuplex } from "./duplex.ts";
import type { EventHub } from "./events.ts";
import { connectTls } from "./node_tls_duplex.ts";
import { StreamChannel, type StreamChannel as Channel } from "./stream_channel.ts";
import {
  type AppliedOptions,
  applyTcpOptions,
  connectFrom,
  type TcpSocketOptions,
} from "./tcp_options.ts";

/**
 * Options for {@linkcode connectStream}.
 *
 * @example Trust one CA and name the server
 * ```ts
 * import type { ConnectOptions } from "@wireplay/wireplay";
 * const options: ConnectOptions = { caCerts: ["-----BEGIN CERTIFICATE-----\n…"], servername: "localhost", timeoutMs: 2000 };
 * // await connect("tls://127.0.0.1:8443", options)
 * ```
 */
export interface ConnectOptions {
  /** PEM text of the CA certificates to trust instead of the built-in roots (TLS). */
  caCerts?: string[];
  /** Skip certificate verification (TLS). */
  insecure?: boolean;
  /** A client certificate (PEM), for servers that ask for one (TLS). */
  cert?: string;
  /** The client certificate's private key (PEM). */
  key?: string;
  /** The name to send as SNI and verify the certificate against (TLS). */
  servername?: string;
  /** Gives up connecting after this long. */
  timeoutMs?: number;
  /** Gives up connecting when aborted. */
  signal?: AbortSignal;
  /** The most unread bytes kept before the peer is an error (default 256 MiB). */
  bufferLimit?: number;
  /** Socket options of a `tcp://` connection (no-delay, keep-alive, source, TTL, buffers). */
  socket?: TcpSocketOptions;
  /**
   * Where live events go (the REPL).
   *
   * @internal
   */
  events?: EventHub;
}

/**
 * Connects to a stream address and returns a named channel.
 *
 * @throws {Error} with a message naming the address when the connection fails.
 *
 * @example Connect to a TCP echo server
 * ```ts ignore
 * import { connectStream } from "./connect.ts";
 * import { parseAddress } from "../address/address.ts";
 * await using c = await connectStream("c", parseAddress("tcp://127.0.0.1:7"));
 * ```
 */
export async function connectStream(
  name: string,
  address: Address,
  options: ConnectOptions = {},
): Promise<Channel> {
  const timeout = options.timeoutMs !== undefined
    ? AbortSignal.timeout(options.timeoutMs)
    : undefined;
  const signal = timeout && options.signal
    ? AbortSignal.any([timeout, options.signal])
    : timeout ?? options.signal;
  let duplex: ByteDuplex;
  try {
    duplex = await openDuplex(address, options, signal);
  } catch (e) {
    const why = signal?.aborted && timeout?.aborted
      ? `timed out after ${options.timeoutMs}ms`
      : e instanceof Error
      ? e.message
      : String(e);
    throw new ConnectError(`Cannot connect to ${formatAddress(address)}: ${why}`, { cause: e });
  }
  let applied: AppliedOptions | undefined;
  if (address.scheme === "tcp" || address.scheme === "http") {
    try {
      applied = applyTcpOptions(duplex, options.socket ?? {});
    } catch (e) {
      duplex.close();
      throw new ConnectError(`${formatAddress(address)}: ${(e as Error).message}`, { cause: e });
    }
  }
  const kind = address.scheme === "tls" || address.scheme === "https"
    ? "tls"
    : address.scheme === "unix"
    ? "unix"
    : "tcp";
  const channel = new StreamChannel(name, kind, duplex, options);
  if (applied) channel.socketOptions = applied;
  return channel;
}

/** A connection that could not be made; the message names the address. */
export class ConnectError extends Error {
  override name = "ConnectError";
}

/**
 * Opens the raw byte pipe of a stream address (TCP with no-delay, TLS verified unless
 * `insecure` through `tls_client.ts`, Unix), without a channel around it: for code that pumps bytes itself,
 * like the proxy.
 */
export async function openDuplex(
  address: Address,
  options: Pick<
    ConnectOptions,
    "caCerts" | "insecure" | "servername" | "cert" | "key" | "socket"
  >,
  signal?: AbortSignal,
): Promise<ByteDuplex> {
  switch (address.scheme) {
    case "unix":
      return await Deno.connect({ transport: "unix", path: address.path });
    case "tcp":
    case "http": {
      const from = options.socket?.bindSource;
      if (from) return await connectFrom(address, from, signal);
      const conn = await Deno.connect({ hostname: address.host, port: address.port, signal });
      conn.setNoDelay(true);
      return conn;
    }
    case "tls":
    case "https": {
      return await connectTls({
        host: address.host,
        port: address.port,
        servername: options.servername,
        caCerts: options.caCerts,
        insecure: options.insecure,
        cert: options.cert,
        key: options.key,
        signal,
      });
    }
    case "udp":
      throw new ConnectError(
        `Cannot connect a stream to ${formatAddress(address)}: udp is a datagram transport`,
      );
  }
}
