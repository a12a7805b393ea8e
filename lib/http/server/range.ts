/**
 * The `Range` request header (RFC 9110 §14.1.2), strictly: `bytes=` then a comma list of
 * `first-last`, `first-` or `-suffix`, digits only. Anything else is not a range request
 * at all (the whole representation is sent), so `bytes=1e3-2e3` or `bytes=0x10-0x20` can
 * never be misread as small numbers.
 *
 * @module
 */

/** One satisfiable range, inclusive offsets. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks of a representation of `size` bytes:
 * `"ignore"` when it is malformed or not in bytes (answer 200 with everything),
 * `"unsatisfiable"` when no range overlaps it (416), else the satisfiable ranges, sorted,
 * with overlapping and adjacent ones merged.
 *
 * @example
 * ```ts
 * import { parseRange } from "./range.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(parseRange("bytes=-100", 13), [{ start: 0, end: 12 }]);
 * assertEquals(parseRange("bytes=0x10-0x20", 100), "ignore");
 * assertEquals(parseRange("bytes=200-", 100), "unsatisfiable");
 * ```
 */
export function parseRange(
  header: string,
  size: number,
): ByteRange[] | "ignore" | "unsatisfiable" {
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return "ignore";
  const ranges: ByteRange[] = [];
  let specs = 0;
  for (const raw of header.slice(eq + 1).split(",")) {
    const spec = raw.trim();
    if (spec === "") continue; // RFC 9110 list syntax allows empty elements
    const m = /^(\d*)-(\d*)$/.exec(spec);
    if (!m || (m[1] === "" && m[2] === "")) return "ignore";
    specs++;
    if (m[1] === "") {
      // suffix: the last N bytes (all of them when N is larger than the file)
      const n = Number(m[2]);
      if (n > 0 && size > 0) ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const first = Number(m[1]);
    const last = m[2] === "" ? Infinity : Number(m[2]);
    if (last < first) return "ignore"; // invalid range-spec: the header is ignored
    if (first < size) ranges.push({ start: first, end: Math.min(last, size - 1) });
  }
  if (specs === 0) return "ignore";
  if (ranges.length === 0) return "unsatisfiable";
  ranges.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [ranges[0]!];
  for (const r of ranges.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
