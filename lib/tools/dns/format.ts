/**
 * The human-readable `dns` answer, one record a line as a zone file shows it.
 *
 * @module
 */
import type { DnsResult } from "./dns.ts";

/** Lines like `example.test.  300  IN  A  10.1.2.3`; failures as `;; A: no records`. */
export function formatDns(r: DnsResult): string {
  const lines: string[] = [];
  if (r.reverseOf) lines.push(`;; reverse lookup of ${r.reverseOf}`);
  if (r.server) lines.push(`;; server ${r.server}`);
  const fqdn = r.name.endsWith(".") ? r.name : r.name + ".";
  for (const a of r.answers) {
    if (a.error) lines.push(`;; ${a.type}: ${a.error} (${a.ms.toFixed(1)} ms)`);
    for (const rec of a.records) {
      lines.push(
        [fqdn, rec.ttl === undefined ? "-" : String(rec.ttl), "IN", rec.type, rec.value].join("\t"),
      );
    }
  }
  return lines.join("\n");
}
