/**
 * Finds the values in a reply that change from run to run — dates, timestamps, UUIDs,
 * epoch times — so that a saved or recorded `expect` matches them with a regex instead
 * of the literal bytes of one run. Pure.
 *
 * @module
 */
import { tryUtf8 } from "../bytes/text.ts";

/** A kind of dynamic value and how it is matched. */
interface DynamicRule {
  name: string;
  /** Finds it (global, sticky-free). */
  find: RegExp;
  /** What matches any value of the kind. */
  pattern: string;
}

const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";

/** The dynamic values recognised, most specific first. */
const RULES: DynamicRule[] = [
  {
    name: "http-date",
    find: new RegExp(`${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT`, "g"),
    pattern: "[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT",
  },
  {
    name: "iso-timestamp",
    find: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g,
    pattern: "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?",
  },
  {
    name: "uuid",
    find: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g,
    pattern: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
  },
  {
    // epoch milliseconds 2001-09-09 … 2033-05-18
    name: "epoch-ms",
    find: /(?<![\d.])1\d{12}(?![\d.])/g,
    pattern: "\\d{13}",
  },
  {
    // epoch seconds 2001-09-09 … 2033-05-18
    name: "epoch-s",
    find: /(?<![\d.])1\d{9}(?![\d.])/g,
    pattern: "\\d{10}",
  },
];

/**
 * What {@linkcode generalise} decided for some bytes.
 *
 * @example A timestamp becomes a pattern
 * ```ts
 * import { generalise, type Generalised } from "@wireplay/wireplay";
 * import { assert } from "@std/assert";
 * const g: Generalised = generalise(new TextEncoder().encode("at 2026-11-24T06:47:41Z\r\n"));
 * assert("regex" in g);
 * ```
 */
export type Generalised =
  /** Nothing dynamic: match the bytes exactly. */
  | { literal: Uint8Array }
  /** A regex source (for a `/…/` literal) matching these bytes and their dynamic variants. */
  | { regex: string; kinds: string[] };

/**
 * Escapes text for a regex source that fits on one `.wire` line: regex syntax and `/`
 * are backslash-escaped, control characters become `\r`, `\n`, `\t` or `\xNN`.
 */
export function regexLiteralSource(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (/[.*+?^${}()|[\]\\/]/.test(ch)) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch; // non-ASCII stays literal: the matcher turns it into its UTF-8 bytes
  }
  return out;
}

/**
 * Replaces dynamic values in `bytes` by patterns. Binary data and text without dynamic
 * values stay literal. The regex is anchored at the start (`^`) so that, as an `expect`
 * matcher, it matches the next bytes of the stream and nothing is skipped.
 *
 * @example
 * ```ts
 * import { generalise } from "./dynamic.ts";
 * import { assertEquals } from "@std/assert";
 * const r = generalise(new TextEncoder().encode("id=123e4567-e89b-12d3-a456-426614174000\n"));
 * assertEquals(r, { regex: "^id=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\n", kinds: ["uuid"] });
 * ```
 */
export function generalise(bytes: Uint8Array): Generalised {
  const text = tryUtf8(bytes);
  // deno-lint-ignore no-control-regex
  if (text === undefined || /[\x00-\x08\x0e-\x1f]/.test(text)) return { literal: bytes };
  const spans: { start: number; end: number; rule: DynamicRule }[] = [];
  for (const rule of RULES) {
    rule.find.lastIndex = 0;
    for (const m of text.matchAll(rule.find)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (spans.some((s) => start < s.end && end > s.start)) continue;
      spans.push({ start, end, rule });
    }
  }
  if (spans.length === 0) return { literal: bytes };
  spans.sort((a, b) => a.start - b.start);
  let source = "^";
  let at = 0;
  const kinds = new Set<string>();
  for (const s of spans) {
    source += regexLiteralSource(text.slice(at, s.start)) + s.rule.pattern;
    kinds.add(s.rule.name);
    at = s.end;
  }
  source += regexLiteralSource(text.slice(at));
  return { regex: source, kinds: [...kinds] };
}
