/**
 * The one address syntax of wireplay (SPEC §2): `tcp://HOST:PORT`, `udp://HOST:PORT`,
 * `tls://HOST:PORT`, `unix:///path`, `http://…`, `https://…`.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/**
 * A transport scheme.
 *
 * @example The scheme for an address without one
 * ```ts
 * import { parseAddress, type Scheme } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const scheme: Scheme = "udp";
 * assertEquals(parseAddress("127.0.0.1:53", scheme).scheme, "udp");
 * ```
 */
export type Scheme = "tcp" | "udp" | "tls" | "unix" | "http" | "https";

/**
 * A parsed address. `host` is bare (no brackets) for IPv6.
 *
 * @example Take an address apart
 * ```ts
 * import type { Address } from "@wireplay/wireplay";
 * function describe(a: Address): string {
 *   return a.scheme === "unix" ? `socket ${a.path}` : `${a.host} port ${a.port}`;
 * }
 * describe({ scheme: "tcp", host: "127.0.0.1", port: 6379 });
 * ```
 */
export type Address =
  | { scheme: "tcp" | "udp" | "tls"; host: string; port: number }
  | { scheme: "unix"; path: string }
  | { scheme: "http" | "https"; host: string; port: number; url: string };

const SCHEMES: readonly Scheme[] = ["tcp", "udp", "tls", "unix", "http", "https"];

/**
 * Thrown for an address that cannot be parsed; the message names the bad part.
 *
 * @example A bad port
 * ```ts
 * import { AddressError, parseAddress } from "@wireplay/wireplay";
 * import { assertThrows } from "@std/assert";
 * assertThrows(() => parseAddress("tcp://127.0.0.1:70000"), AddressError, "out of range");
 * ```
 */
export class AddressError extends UsageError {
  /** Always `"AddressError"`. */
  override name = "AddressError";
}

/**
 * Parses an address of the form SPEC §2 describes.
 *
 * @param text The address, e.g. `tcp://127.0.0.1:6379` or `udp://[::1]:0`.
 * @param defaultScheme Used when `text` has no scheme (`HOST:PORT`), e.g. `"tcp"`.
 * @returns The parsed address.
 * @throws {AddressError} naming the bad part: `unknown scheme "tpc"`, `port 70000 out of range`.
 *
 * @example Parse a TCP address
 * ```ts
 * import { parseAddress } from "./address.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(parseAddress("tcp://[::1]:80"), { scheme: "tcp", host: "::1", port: 80 });
 * ```
 */
export function parseAddress(text: string, defaultScheme?: Scheme): Address {
  const fail = (why: string): never => {
    throw new AddressError(`Cannot parse address "${text}": ${why}`);
  };
  let scheme: string;
  let rest: string;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = m[2]!;
  } else if (defaultScheme) {
    scheme = defaultScheme;
    rest = text;
  } else {
    return fail(`missing scheme (expected one of ${SCHEMES.map((s) => s + "://").join(", ")})`);
  }
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    return fail(`unknown scheme "${scheme}"`);
  }
  if (scheme === "unix") {
    if (!rest) return fail("missing socket path");
    return { scheme: "unix", path: rest };
  }
  if (scheme === "http" || scheme === "https") {
    let url: URL;
    try {
      url = new URL(`${scheme}://${rest}`);
    } catch {
      return fail("not a valid URL");
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!host) return fail("missing host");
    const port = url.port ? Number(url.port) : scheme === "https" ? 443 : 80;
    return { scheme, host, port, url: url.href };
  }
  const hp = /^(?:\[([^\]]*)\]|([^:/\[\]]*)):(.*)$/.exec(rest);
  if (!hp) return fail(rest.includes(":") ? "bad host" : "missing port (HOST:PORT)");
  const host = hp[1] ?? hp[2] ?? "";
  if (hp[1] === undefined && hp[3]!.includes(":")) {
    return fail(`an IPv6 host needs brackets (like tcp://[::1]:80)`);
  }
  if (!host) return fail("missing host");
  if (hp[1] !== undefined && !hp[1].includes(":")) {
    return fail(`"[${hp[1]}]" is not an IPv6 address`);
  }
  const portText = hp[3]!;
  if (!/^\d+$/.test(portText)) return fail(`port "${portText}" is not a number`);
  const port = Number(portText);
  if (port > 65535) return fail(`port ${port} out of range`);
  return { scheme: scheme as "tcp" | "udp" | "tls", host, port };
}

/** Formats a host for use in `HOST:PORT` (brackets around IPv6). */
export function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Formats `HOST:PORT`, with brackets around an IPv6 host. */
export function formatHostPort(host: string, port: number): string {
  return `${formatHost(host)}:${port}`;
}

/**
 * Formats an address back to its canonical text.
 *
 * @example Round trip
 * ```ts
 * import { formatAddress, parseAddress } from "./address.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(formatAddress(parseAddress("udp://[::1]:53")), "udp://[::1]:53");
 * ```
 */
export function formatAddress(address: Address): string {
  switch (address.scheme) {
    case "unix":
      return `unix://${address.path}`;
    case "http":
    case "https":
      return address.url;
    default:
      return `${address.scheme}://${formatHost(address.host)}:${address.port}`;
  }
}

/** Formats a `Deno.Addr` (what a socket reports) as a wireplay address. */
export function formatDenoAddr(addr: Deno.Addr, scheme?: "tcp" | "tls" | "udp"): string {
  if (!("hostname" in addr)) {
    return "path" in addr ? `unix://${addr.path}` : `vsock://${addr.cid}:${addr.port}`;
  }
  const s = scheme ?? (addr.transport === "udp" ? "udp" : "tcp");
  return `${s}://${formatHost(addr.hostname)}:${addr.port}`;
}
