/**
 * The local address the machine would use to reach a host (the "what is my IP" question),
 * found without sending any traffic.
 *
 * @module
 */
import { listInterfaces } from "./interfaces.ts";
import { ipToBig, matchRoute, parseRouteV4, parseRouteV6, type Route } from "./routes.ts";
import { resolveHost } from "../common/resolve.ts";

/**
 * The answer of {@linkcode sourceAddressFor}.
 *
 * @example How a host is reached
 * ```ts
 * import type { SourceAddress } from "@wireplay/wireplay/tools";
 * function line(s: SourceAddress): string {
 *   return `${s.host} via ${s.gateway ?? "direct"} on ${s.iface} from ${s.address}`;
 * }
 * ```
 */
export interface SourceAddress {
  /** The host asked about. */
  host: string;
  /** Its IP address. */
  address: string;
  /** The local address packets to it would come from. */
  source: string;
  /** The interface they would leave by. */
  iface: string;
  /** The next hop, when the host is not on a directly attached network. */
  gateway?: string;
  /**
   * How it was found: `local` (one of our own addresses), `route` (the kernel's routing
   * tables in /proc, which Deno lets only `--allow-all` read), `ip` (`ip route get`, which
   * asks the kernel and sends nothing; needs `--allow-run=ip`), or `guess` (the address
   * on the host's subnet, else the first global one) when neither may be used.
   */
  via: "local" | "route" | "ip" | "guess";
}

interface OwnAddress {
  iface: string;
  family: "IPv4" | "IPv6";
  address: string;
  prefix: number;
}

/**
 * Finds the source address for `host`. No packet is sent.
 *
 * @param routes A routing table to use instead of the kernel's (for tests).
 * @throws {Error} `No route to …` when no route matches.
 *
 * @example Loopback is reached from loopback
 * ```ts
 * import { sourceAddressFor } from "@wireplay/wireplay/tools";
 * import { assertEquals } from "@std/assert";
 * const s = await sourceAddressFor("127.0.0.1", []);
 * assertEquals(s.address, "127.0.0.1");
 * ```
 */
export async function sourceAddressFor(host: string, routes?: Route[]): Promise<SourceAddress> {
  const address = await resolveHost(host);
  const v6 = address.includes(":");
  const family = v6 ? "IPv6" : "IPv4";
  const mine: OwnAddress[] = listInterfaces().flatMap((i) =>
    i.addresses.map((a) => ({
      iface: i.name,
      family: a.family,
      address: a.address,
      prefix: a.prefix,
    }))
  );
  const own = mine.find((a) => a.address === address);
  if (own) return { host, address, source: address, iface: own.iface, via: "local" };
  if (!v6 && address.startsWith("127.")) {
    const lo = mine.find((a) => a.address === "127.0.0.1");
    if (lo) return { host, address, source: lo.address, iface: lo.iface, via: "local" };
  }
  const table = routes ?? await kernelRoutes(v6);
  if (table) return fromRoutes(host, address, table, mine.filter((a) => a.family === family));
  const kernel = await ipRouteGet(address);
  if (kernel) return { host, address, ...kernel, via: "ip" };
  return guess(host, address, mine.filter((a) => a.family === family));
}

/** The kernel's routing table for the family, or `undefined` when /proc cannot be read. */
async function kernelRoutes(v6: boolean): Promise<Route[] | undefined> {
  try {
    return v6
      ? parseRouteV6(await Deno.readTextFile("/proc/net/ipv6_route"))
      : parseRouteV4(await Deno.readTextFile("/proc/net/route"));
  } catch {
    return undefined; // not Linux, or not allowed to read /proc
  }
}

function fromRoutes(
  host: string,
  address: string,
  table: Route[],
  mine: OwnAddress[],
): SourceAddress {
  const route = matchRoute(table, address);
  if (!route) throw new Error(`No route to ${address}`);
  const candidates = mine.filter((a) => a.iface === route.iface);
  const target = route.gateway ?? address;
  const chosen = candidates.find((a) => sameSubnet(a.address, target, a.prefix)) ??
    candidates.find((a) => !isLinkLocal(a.address)) ?? candidates[0];
  if (!chosen) throw new Error(`No address on ${route.iface} to reach ${address}`);
  return {
    host,
    address,
    source: chosen.address,
    iface: route.iface,
    ...(route.gateway ? { gateway: route.gateway } : {}),
    via: "route",
  };
}

/** Asks `ip -j route get` when running `ip` is allowed; `undefined` otherwise. */
async function ipRouteGet(
  address: string,
): Promise<{ source: string; iface: string; gateway?: string } | undefined> {
  if (Deno.permissions.querySync({ name: "run", command: "ip" }).state !== "granted") {
    return undefined;
  }
  try {
    const out = await new Deno.Command("ip", {
      args: ["-j", "route", "get", address],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const r = JSON.parse(new TextDecoder().decode(out.stdout))[0];
    if (!r?.prefsrc || !r.dev) return undefined;
    return { source: r.prefsrc, iface: r.dev, ...(r.gateway ? { gateway: r.gateway } : {}) };
  } catch {
    return undefined;
  }
}

/** The address on a subnet holding `address`, else the first global one. */
function guess(host: string, address: string, mine: OwnAddress[]): SourceAddress {
  const usable = mine.filter((a) => !isLinkLocal(a.address) && !/^127\.|^::1$/.test(a.address));
  const chosen = usable.find((a) => sameSubnet(a.address, address, a.prefix)) ?? usable[0];
  if (!chosen) throw new Error(`No address to reach ${address} from`);
  return { host, address, source: chosen.address, iface: chosen.iface, via: "guess" };
}

function isLinkLocal(ip: string): boolean {
  return /^fe80:/i.test(ip);
}

function sameSubnet(a: string, b: string, prefix: number): boolean {
  if (a.includes(":") !== b.includes(":")) return false;
  const width = a.includes(":") ? 128 : 32;
  const shift = BigInt(width - prefix);
  return (ipToBig(a) >> shift) === (ipToBig(b) >> shift);
}
