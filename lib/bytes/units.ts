/**
 * Durations (`250ms`, `2s`, `1m`) and sizes (`512`, `64KiB`, `10MB`), as the CLI and
 * `.wire` scripts write them.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

const DURATION_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** The regex a duration literal matches. */
export const DURATION_RE = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/;
/** The regex a size literal matches. */
export const SIZE_RE = /^(\d+(?:\.\d+)?)([kKmMgG]i?[bB]|[kKmMgG]|[bB])?$/;

/**
 * Parses a duration into milliseconds.
 *
 * @param text e.g. `250ms`, `2s`, `1.5m`; a bare number is milliseconds when `bareMs`.
 * @param what Names the flag or field in the error message.
 * @throws {UsageError} `--timeout: "2x" is not a duration (like 250ms, 2s, 1m)`
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(parseDuration("1.5s"), 1500);
 * ```
 */
export function parseDuration(text: string, what = "duration", bareMs = false): number {
  const m = DURATION_RE.exec(text.trim());
  let ms: number | undefined;
  if (m) ms = Number(m[1]) * DURATION_UNITS[m[2]!]!;
  else if (bareMs && /^\d+(\.\d+)?$/.test(text.trim())) ms = Number(text);
  if (ms === undefined) {
    throw new UsageError(`"${text}" is not a duration (like 250ms, 2s, 1m)`, { where: what });
  }
  if (ms > MAX_DURATION_MS) throw new UsageError(tooLong(text), { where: what });
  return ms;
}

/**
 * The longest duration accepted: 2^31-1 ms (24.8 days), the most a JavaScript timer can
 * wait (a longer one fires at once). Longer waits are refused where they are written
 * rather than split into chained timers: no network exchange waits for weeks, so such a
 * value is a mistake (`2147484s` for `2147484ms`) that should be named, not honoured.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** The message for a duration over {@linkcode MAX_DURATION_MS}. */
export function tooLong(text: string): string {
  return `"${text}" is longer than the longest wait, ${MAX_DURATION_MS}ms (about 24.8 days)`;
}

/**
 * Parses a size into bytes.
 *
 * @example
 * ```ts
 * import { parseSize } from "./units.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(parseSize("64KiB"), 65536);
 * ```
 */
export function parseSize(text: string, what = "size"): number {
  const m = SIZE_RE.exec(text.trim());
  if (!m) throw new UsageError(`"${text}" is not a size (like 512, 64KiB, 10MB)`, { where: what });
  return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? "").toLowerCase()]!);
}

/** Parses a rate in bytes per second: `1MB` or `1MB/s`, `100KiB/s`. */
export function parseRate(text: string, what = "rate"): number {
  return parseSize(text.replace(/\/s$/, ""), what);
}

/** Formats milliseconds for people: `0.42ms`, `12.3ms`, `1.50s`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** Formats a byte count for people: `512 B`, `1.5 KiB`, `3.00 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
