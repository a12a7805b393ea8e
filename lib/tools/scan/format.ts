/**
 * The human-readable scan report: a summary line and a table of open ports.
 *
 * @module
 */
import { formatDuration } from "../../bytes/units.ts";
import { escapeForDisplay } from "../../bytes/escape.ts";
import { fromLatin1 } from "../../bytes/text.ts";
import type { ScanResult } from "./scan.ts";

/** Formats a scan result as a summary line and a PORT/SERVICE/TIME/BANNER table. */
export function formatScan(r: ScanResult): string {
  const name = r.host === r.address ? r.address : `${r.host} (${r.address})`;
  const lines = [
    `Scanned ${name}: ${r.scanned} port${r.scanned === 1 ? "" : "s"} in ${
      formatDuration(r.elapsedMs)
    }: ` +
    `${r.open.length} open, ${r.closed} closed` +
    (r.filtered.length ? `, ${r.filtered.length} filtered` : "") +
    (r.selfConnects
      ? `, ${r.selfConnects} self-connect${r.selfConnects === 1 ? "" : "s"} ignored`
      : ""),
  ];
  for (const [kind, ports] of Object.entries(r.errors)) {
    lines.push(
      `  ${ports.length} port(s) failed with ${kind}: ${ports.slice(0, 10).join(",")}${
        ports.length > 10 ? ",…" : ""
      }`,
    );
  }
  if (r.open.length) {
    const banners = r.open.some((p) => p.banner !== undefined);
    const rows = r.open.map((p) => [
      `${p.port}/tcp`,
      p.service ?? "",
      formatDuration(p.ms),
      ...(banners ? [p.banner === undefined ? "" : firstLine(p.banner)] : []),
    ]);
    const head = ["PORT", "SERVICE", "TIME", ...(banners ? ["BANNER"] : [])];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const show = (row: string[]) =>
      row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i]!)).join("  ").trimEnd();
    lines.push(show(head), ...rows.map(show));
  }
  return lines.join("\n");
}

function firstLine(banner: string): string {
  const line = banner.split(/\r?\n/)[0] ?? "";
  return escapeForDisplay(fromLatin1(line), 80);
}
