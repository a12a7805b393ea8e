/**
 * Reverse-lookup names: `4.3.2.1.in-addr.arpa` and the nibble form under `ip6.arpa`.
 *
 * @module
 */
import { isIP } from "node:net";

/**
 * The PTR name for an IP address, or `undefined` when `ip` is not one.
 *
 * @example
 * ```ts
 * import { reverseName } from "./reverse.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(reverseName("10.1.2.3"), "3.2.1.10.in-addr.arpa");
 * assertEquals(reverseName("::1")?.slice(0, 8), "1.0.0.0.");
 * ```
 */
export function reverseName(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) return bare.split(".").reverse().join(".") + ".in-addr.arpa";
  if (family !== 6) return undefined;
  return expandIpv6(bare).split("").reverse().join(".") + ".ip6.arpa";
}

/** An IPv6 address as 32 hex digits (embedded IPv4 tails converted). */
export function expandIpv6(ip: string): string {
  let text = ip.toLowerCase().replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" +
      ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.map((g) => g.padStart(4, "0")).join("");
}
