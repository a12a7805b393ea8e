/**
 * The `:conns` table: every open channel, listener and server of a session.
 *
 * @module
 */
import { formatBytes } from "../bytes/units.ts";
import type { Resource } from "../run/session.ts";

/** Formats an age in seconds for people: `4s`, `3m12s`, `2h05m`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A resource's state: `open`, `paused` (receive buffer full), `closed by peer`, `failed`, `closed`. */
export function stateOf(r: Resource): string {
  const s = r.stream;
  if (!s) return "open";
  if (s.closed) return "closed";
  if (s.buffer.ended) {
    return s.buffer.error
      ? (/limit/.test(s.buffer.error.message) ? "full" : "failed")
      : "closed by peer";
  }
  return s.paused ? "paused" : "open";
}

/** A resource's socket options as `nodelay=false ttl=7 groups=239.1.2.3`; "" when none. */
function optionsCell(r: Resource): string {
  const options = r.vars().options;
  if (!options || typeof options !== "object" || Array.isArray(options)) return "";
  if (options instanceof Uint8Array) return "";
  return Object.entries(options)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") || "-" : String(v)}`)
    .join(" ");
}

/**
 * Renders resources as an aligned table with the columns NAME, KIND, STATE, LOCAL,
 * REMOTE, IN, OUT, UNREAD, AGE, and OPTIONS when any has socket options (`${NAME.options}`);
 * `(nothing open)` when there are none.
 *
 * @example
 * ```ts
 * import { connsTable } from "./conns_table.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(connsTable([], 0), "(nothing open)");
 * ```
 */
export function connsTable(resources: Iterable<Resource>, now = Date.now()): string {
  const rows: string[][] = [];
  for (const r of resources) {
    const bytesIn = r.bytesIn?.();
    const bytesOut = r.bytesOut?.();
    const unread = r.stream?.buffer.length ?? r.datagram?.pending;
    rows.push([
      r.name,
      r.kind,
      stateOf(r),
      r.local?.() || "-",
      r.remote?.() || "-",
      bytesIn === undefined ? "-" : formatBytes(bytesIn),
      bytesOut === undefined ? "-" : formatBytes(bytesOut),
      unread === undefined ? "-" : r.datagram ? `${unread} dgram` : formatBytes(unread),
      formatAge(now - r.openedAt),
      optionsCell(r),
    ]);
  }
  if (rows.length === 0) return "(nothing open)";
  const header = ["NAME", "KIND", "STATE", "LOCAL", "REMOTE", "IN", "OUT", "UNREAD", "AGE"];
  if (rows.some((row) => row[9])) header.push("OPTIONS");
  else for (const row of rows) row.pop();
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const right = new Set([5, 6, 7, 8]);
  return all.map((row) =>
    row.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ").trimEnd()
  ).join("\n");
}
