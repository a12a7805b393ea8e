/**
 * The machine's network interfaces and their addresses, grouped by interface.
 *
 * @module
 */

/**
 * One address of an interface.
 *
 * @example CIDR notation
 * ```ts
 * import type { InterfaceAddress } from "@wireplay/wireplay/tools";
 * function cidr(a: InterfaceAddress): string {
 *   return `${a.address}/${a.prefix}`;
 * }
 * ```
 */
export interface InterfaceAddress {
  /** Address family. */
  family: "IPv4" | "IPv6";
  /** The address. */
  address: string;
  /** Prefix length, from the netmask. */
  prefix: number;
  /** The netmask as the OS reports it. */
  netmask: string;
  /** IPv6 scope (interface index), when there is one. */
  scopeid?: number | null;
}

/**
 * One interface: name, MAC, addresses.
 *
 * @example The loopback interface
 * ```ts
 * import { listInterfaces, type NetworkInterface } from "@wireplay/wireplay/tools";
 * const loopback: NetworkInterface | undefined = listInterfaces().find((i) =>
 *   i.addresses.some((a) => a.address === "127.0.0.1")
 * );
 * ```
 */
export interface NetworkInterface {
  /** The interface name, e.g. `eth0`. */
  name: string;
  /** Its hardware address. */
  mac: string;
  /** Its IPv4 and IPv6 addresses. */
  addresses: InterfaceAddress[];
}

/**
 * Lists interfaces with their addresses (needs `--allow-sys=networkInterfaces`).
 *
 * @example
 * ```ts
 * import { listInterfaces } from "./interfaces.ts";
 * import { assert } from "@std/assert";
 * assert(listInterfaces().some((i) => i.addresses.some((a) => a.address === "127.0.0.1")));
 * ```
 */
export function listInterfaces(): NetworkInterface[] {
  const byName = new Map<string, NetworkInterface>();
  for (const n of Deno.networkInterfaces()) {
    let entry = byName.get(n.name);
    if (!entry) byName.set(n.name, entry = { name: n.name, mac: n.mac, addresses: [] });
    entry.addresses.push({
      family: n.family,
      address: n.address,
      prefix: prefixLength(n.netmask),
      netmask: n.netmask,
      ...(n.family === "IPv6" ? { scopeid: n.scopeid } : {}),
    });
  }
  return [...byName.values()];
}

/** The number of leading one bits of a netmask (`255.255.255.0` → 24, `ffff:ffff::` → 32). */
export function prefixLength(netmask: string): number {
  let bits = 0;
  if (netmask.includes(":")) {
    for (const g of netmask.split(":")) bits += g ? popcount(parseInt(g, 16)) : 0;
  } else {
    for (const o of netmask.split(".")) bits += popcount(Number(o));
  }
  return bits;
}

function popcount(n: number): number {
  let c = 0;
  while (n) {
    c += n & 1;
    n >>>= 1;
  }
  return c;
}
