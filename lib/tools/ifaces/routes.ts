/**
 * Linux routing tables as the kernel shows them in `/proc/net/route` and
 * `/proc/net/ipv6_route`, and the longest-prefix match over them.
 *
 * @module
 */
import { expandIpv6 } from "../dns/reverse.ts";

/**
 * One route: destination prefix as a bigint, its length, gateway, interface, metric.
 *
 * @example The default route
 * ```ts
 * import type { Route } from "@wireplay/wireplay/tools";
 * function isDefault(r: Route): boolean {
 *   return r.prefix === 0;
 * }
 * ```
 */
export interface Route {
  /** Address family. */
  family: 4 | 6;
  /** Destination network. */
  dest: bigint;
  /** Its prefix length. */
  prefix: number;
  /** Next hop, when not directly attached. */
  gateway?: string;
  /** Outgoing interface. */
  iface: string;
  /** Route metric (lower wins). */
  metric: number;
}

/** Parses `/proc/net/route` text (little-endian hex IPv4 fields). */
export function parseRouteV4(text: string): Route[] {
  const out: Route[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3]!, 16);
    if (!(flags & 0x1) || flags & 0x200) continue; // not up, or reject
    const dest = leHexToIpv4(f[1]!);
    const mask = leHexToIpv4(f[7]!);
    const gw = leHexToIpv4(f[2]!);
    out.push({
      family: 4,
      dest: ipv4ToBig(dest),
      prefix: popcount32(ipv4ToBig(mask)),
      ...(gw !== "0.0.0.0" ? { gateway: gw } : {}),
      iface: f[0]!,
      metric: parseInt(f[6]!, 10),
    });
  }
  return out;
}

/** Parses `/proc/net/ipv6_route` text. */
export function parseRouteV6(text: string): Route[] {
  const out: Route[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const flags = parseInt(f[8]!, 16);
    if (!(flags & 0x1) || flags & 0x200) continue;
    const nexthop = BigInt("0x" + f[4]!);
    out.push({
      family: 6,
      dest: BigInt("0x" + f[0]!),
      prefix: parseInt(f[1]!, 16),
      ...(nexthop !== 0n ? { gateway: bigToIpv6(nexthop) } : {}),
      iface: f[9]!,
      metric: parseInt(f[5]!, 16),
    });
  }
  return out;
}

/** The most specific route for `ip` (lowest metric among equals), or `undefined`. */
export function matchRoute(routes: readonly Route[], ip: string): Route | undefined {
  const v6 = ip.includes(":");
  const width = v6 ? 128 : 32;
  const value = v6 ? BigInt("0x" + expandIpv6(ip)) : ipv4ToBig(ip);
  let best: Route | undefined;
  for (const r of routes) {
    if (r.family !== (v6 ? 6 : 4)) continue;
    const shift = BigInt(width - r.prefix);
    if (r.prefix > 0 && (value >> shift) !== (r.dest >> shift)) continue;
    if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && r.metric < best.metric)) {
      best = r;
    }
  }
  return best;
}

/** An IP address as a bigint (for prefix checks). */
export function ipToBig(ip: string): bigint {
  return ip.includes(":") ? BigInt("0x" + expandIpv6(ip)) : ipv4ToBig(ip);
}

function leHexToIpv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
}

function ipv4ToBig(ip: string): bigint {
  return BigInt(ip.split(".").reduce((a, o) => a * 256 + Number(o), 0));
}

function bigToIpv6(n: bigint): string {
  const hex = n.toString(16).padStart(32, "0");
  const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ""));
  let best = -1, len = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > len && j - i > 1) [best, len] = [i, j - i];
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + len).join(":")}`;
}

function popcount32(n: bigint): number {
  let c = 0;
  for (let v = n; v; v >>= 1n) c += Number(v & 1n);
  return c;
}
