/**
 * The `@std/net` seam. The Deno standard library's `net` package has no registry copy
 * reachable from our machines, so this small module of ours provides the two functions
 * we would have used from it, with the same names and meaning.
 *
 * @module
 */

/**
 * Returns a TCP port that is free on `hostname` right now (the OS picks it).
 *
 * @param options.hostname The interface to probe, `127.0.0.1` unless given.
 * @returns A port number that was free when probed.
 *
 * @example Usage
 * ```ts
 * import { getAvailablePort } from "@std/net";
 * import { assert } from "@std/assert";
 * const port = getAvailablePort();
 * assert(port > 0 && port < 65536);
 * ```
 */
export function getAvailablePort(options: { hostname?: string } = {}): number {
  using listener = Deno.listen({ hostname: options.hostname ?? "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/**
 * Returns this machine's first non-loopback address of the given family, as
 * `Deno.networkInterfaces()` lists it, or `undefined` when there is none.
 *
 * @param family `"IPv4"` (default) or `"IPv6"`.
 * @returns The address, or undefined.
 *
 * @example Usage
 * ```ts
 * import { getNetworkAddress } from "@std/net";
 * const address = getNetworkAddress();
 * console.log(address ?? "no network address");
 * ```
 */
export function getNetworkAddress(family: "IPv4" | "IPv6" = "IPv4"): string | undefined {
  return Deno.networkInterfaces().find((i) =>
    i.family === family &&
    !(family === "IPv4" ? i.address.startsWith("127.") : i.address === "::1") &&
    !(family === "IPv6" && i.address.startsWith("fe80"))
  )?.address;
}
