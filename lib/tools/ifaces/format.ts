/**
 * The human-readable `ifaces` listing.
 *
 * @module
 */
import type { NetworkInterface } from "./interfaces.ts";
import type { SourceAddress } from "./source.ts";

/** `eth0  aa:bb:…` then one indented line per address `inet 10.0.0.2/24`. */
export function formatInterfaces(list: readonly NetworkInterface[]): string {
  const lines: string[] = [];
  for (const i of list) {
    lines.push(`${i.name}  ${i.mac}`);
    for (const a of i.addresses) {
      lines.push(`  ${a.family === "IPv4" ? "inet " : "inet6"} ${a.address}/${a.prefix}`);
    }
  }
  return lines.join("\n");
}

/** `10.0.0.7 is reached from 10.0.0.2 via eth0 (gateway 10.0.0.1)`. */
export function formatSource(s: SourceAddress): string {
  const name = s.host === s.address ? s.address : `${s.host} (${s.address})`;
  return `${name} is reached from ${s.source} via ${s.iface}` +
    (s.gateway ? ` (gateway ${s.gateway})` : "") +
    (s.via === "guess"
      ? " (a guess: allow running `ip`, or -A to read /proc, for the kernel's answer)"
      : "");
}
