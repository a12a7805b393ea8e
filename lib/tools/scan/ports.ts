/**
 * Port lists as users write them: `1-1024,8080`, `22,80,443`, `-` for all 65535.
 *
 * @module
 */
import { UsageError } from "../../errors.ts";
import { SERVICES } from "./services.ts";

/**
 * The ports scanned when none are given: 1-1024 and the well-known ports above it.
 *
 * @example The ports a scan tries by default
 * ```ts
 * import { DEFAULT_PORT_SPEC, parsePorts } from "@wireplay/wireplay/tools";
 * import { assert } from "@std/assert";
 * assert(parsePorts(DEFAULT_PORT_SPEC).includes(22));
 * ```
 */
export const DEFAULT_PORT_SPEC: string = "1-1024," +
  [...SERVICES.keys()].filter((p) => p > 1024).join(",");

/**
 * Parses a port specification into a sorted list of distinct ports.
 *
 * @param spec `1-1024,8080`, `-` (all), `8000-` (to 65535), `-100` (from 1).
 * @param where Names the flag in the error message.
 * @throws {UsageError} `--ports: "70000" is not a port (1-65535)`
 *
 * @example
 * ```ts
 * import { parsePorts } from "./ports.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(parsePorts("80,22-24,80"), [22, 23, 24, 80]);
 * ```
 */
export function parsePorts(spec: string, where = "--ports"): number[] {
  const seen = new Uint8Array(65536);
  const text = spec.trim();
  if (!text) throw new UsageError("empty port list", { where });
  for (const part of text.split(",")) {
    const item = part.trim();
    const m = /^(\d*)\s*-\s*(\d*)$/.exec(item);
    let lo: number, hi: number;
    if (m) {
      lo = m[1] ? port(m[1], where) : 1;
      hi = m[2] ? port(m[2], where) : 65535;
    } else {
      lo = hi = port(item, where);
    }
    if (lo > hi) throw new UsageError(`"${item}" is an empty range`, { where });
    seen.fill(1, lo, hi + 1);
  }
  const out: number[] = [];
  for (let p = 1; p < 65536; p++) if (seen[p]) out.push(p);
  return out;
}

function port(text: string, where: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new UsageError(`"${text}" is not a port (1-65535)`, { where });
  }
  return n;
}
