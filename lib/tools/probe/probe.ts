/**
 * One probe of a target, the unit `ping` repeats and `watch` schedules: TCP connect,
 * TLS handshake, UDP request/reply, HTTP request.
 *
 * @module
 */
import type { Address } from "../../address/address.ts";
import { probeTcp } from "./tcp.ts";
import { probeTls } from "./tls.ts";
import { probeUdp } from "./udp.ts";
import { probeHttp } from "./http.ts";

/**
 * What one probe found: up with a latency, or down with the reason.
 *
 * @example As one word
 * ```ts
 * import type { ProbeOutcome } from "@wireplay/wireplay/tools";
 * function word(o: ProbeOutcome): string {
 *   return o.ok ? `up (${o.ms} ms)` : `down: ${o.error}`;
 * }
 * ```
 */
export type ProbeOutcome =
  | { ok: true; ms: number; detail?: string }
  | { ok: false; ms: number; error: string };

/**
 * Options of {@linkcode probe}.
 *
 * @example A TLS handshake too
 * ```ts
 * import type { ProbeOptions } from "@wireplay/wireplay/tools";
 * const options: ProbeOptions = { tls: true, insecure: true, timeout: 1000 };
 * // await probe(target, options)
 * ```
 */
export interface ProbeOptions {
  /** Milliseconds before the probe counts as failed (default 2000). */
  timeout?: number;
  /** For tcp:// targets: do a TLS handshake too. */
  tls?: boolean;
  /** TLS: the CA certificates (PEM) to trust instead of the built-in roots. */
  caCerts?: string[];
  /** TLS: a client certificate (PEM). */
  cert?: string;
  /** TLS: the client certificate's private key (PEM). */
  key?: string;
  /** TLS: skip certificate verification. */
  insecure?: boolean;
  /** TLS: the name to verify (SNI). */
  servername?: string;
  /** UDP: the datagram to send (default empty). */
  payload?: Uint8Array;
  /** UDP: a reply must contain these bytes; HTTP: the body must. */
  expect?: Uint8Array;
  /** HTTP: method (default GET). */
  method?: string;
  /** HTTP: status codes that count as up (default 200-399). */
  okStatus?: (status: number) => boolean;
}

/**
 * The target kinds a probe understands.
 *
 * @example Any address but a Unix socket
 * ```ts
 * import type { ProbeTarget } from "@wireplay/wireplay/tools";
 * const target: ProbeTarget = { scheme: "udp", host: "127.0.0.1", port: 53 };
 * ```
 */
export type ProbeTarget = Exclude<Address, { scheme: "unix" }>;

/**
 * Probes `target` once.
 *
 * @returns `{ok: true, ms}` or `{ok: false, ms, error}`; never throws for a network failure.
 *
 * @example Is a port open
 * ```ts
 * import { probe } from "@wireplay/wireplay/tools";
 * import { assertEquals } from "@std/assert";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const up = await probe({ scheme: "tcp", host: "127.0.0.1", port: l.addr.port }, { timeout: 2000 });
 * assertEquals(up.ok, true);
 * ```
 */
export function probe(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeOutcome> {
  const timeout = options.timeout ?? 2000;
  switch (target.scheme) {
    case "tcp":
      return options.tls
        ? probeTls(target.host, target.port, { ...options, timeout })
        : probeTcp(target.host, target.port, timeout);
    case "tls":
      return probeTls(target.host, target.port, { ...options, timeout });
    case "udp":
      return probeUdp(target.host, target.port, { ...options, timeout });
    case "http":
    case "https":
      return probeHttp(target.url, { ...options, timeout });
  }
}

/** A short error text for a failed probe: `refused`, `timeout`, or the error's message. */
export function describeError(e: unknown): string {
  if (e instanceof Deno.errors.ConnectionRefused) return "refused";
  if (e instanceof Deno.errors.TimedOut) return "timeout";
  if (e instanceof DOMException && (e.name === "AbortError" || e.name === "TimeoutError")) {
    return "timeout";
  }
  if (e instanceof Error) {
    if (/ECONNREFUSED|refused/i.test(e.message)) return "refused";
    return e.message.split("\n")[0]!.slice(0, 200);
  }
  return String(e);
}
