/**
 * Value matchers for HTTP assertions: `==`, `!=`, `~` (regex), `exists`, `<`, `>`, `<=`,
 * `>=`, `contains`. One function decides a match and says what was found.
 *
 * @module
 */

/**
 * How an actual value is compared with an expected one.
 *
 * @example Matchers as scripts write them
 * ```ts
 * import { matchValue, type ValueMatcher } from "@wireplay/wireplay/http";
 * import { assert } from "@std/assert";
 * const fast: ValueMatcher = { op: "<", value: 500 };
 * const json: ValueMatcher = { op: "~", re: /json/ };
 * assert(matchValue(120, fast) && matchValue("application/json", json));
 * ```
 */
export type ValueMatcher =
  | { op: "==" | "!="; value: unknown }
  | { op: "~"; re: RegExp }
  | { op: "exists" | "absent" }
  | { op: "<" | ">" | "<=" | ">="; value: number }
  | { op: "contains"; value: string };

/** Renders a matcher as a script would write it: `== 3`, `~ /ab+/`. */
export function describeMatcher(m: ValueMatcher): string {
  switch (m.op) {
    case "~":
      return `~ ${m.re}`;
    case "exists":
    case "absent":
      return m.op;
    case "contains":
      return `contains ${JSON.stringify(m.value)}`;
    default:
      return `${m.op} ${
        typeof m.value === "string" ? JSON.stringify(m.value) : stringify(m.value)
      }`;
  }
}

/**
 * Whether `actual` satisfies the matcher. `undefined` means "not there". A string on one
 * side compares with the other side's text (so `== 200` holds for `"200"` and `200`).
 *
 * @example
 * ```ts
 * import { matchValue } from "./matchers.ts";
 * import { assert } from "@std/assert";
 * assert(matchValue(7, { op: "==", value: "7" }));
 * assert(matchValue("abc", { op: "~", re: /b/ }));
 * assert(matchValue(3, { op: "<", value: 4 }));
 * ```
 */
export function matchValue(actual: unknown, m: ValueMatcher): boolean {
  switch (m.op) {
    case "exists":
      return actual !== undefined;
    case "absent":
      return actual === undefined;
    case "==":
      return actual !== undefined && looseEqual(actual, m.value);
    case "!=":
      return actual === undefined || !looseEqual(actual, m.value);
    case "~":
      return actual !== undefined &&
        new RegExp(m.re.source, m.re.flags.replace("g", "")).test(asText(actual));
    case "contains":
      if (Array.isArray(actual)) return actual.some((x) => looseEqual(x, m.value));
      return actual !== undefined && asText(actual).includes(m.value);
    default: {
      const n = typeof actual === "number"
        ? actual
        : typeof actual === "string" && actual.trim() !== ""
        ? Number(actual)
        : NaN;
      if (Number.isNaN(n)) return false;
      if (m.op === "<") return n < m.value;
      if (m.op === ">") return n > m.value;
      if (m.op === "<=") return n <= m.value;
      return n >= m.value;
    }
  }
}

/** Deep equality where a string equals a scalar with the same text, and JSON text equals its value. */
export function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b !== "string") {
    return b !== null && typeof b === "object" ? jsonEqual(a, b) : a === String(b);
  }
  if (typeof b === "string" && typeof a !== "string") {
    if (a !== null && typeof a === "object") return jsonEqual(b, a);
    return String(a) === b;
  }
  return deepEqual(a, b);
}

function jsonEqual(text: string, value: unknown): boolean {
  try {
    return deepEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}

/** Structural equality of JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length &&
    ka.every((k) =>
      Object.hasOwn(b as object, k) &&
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
}

/** A value as text: strings as they are, everything else as JSON. */
export function asText(v: unknown): string {
  return typeof v === "string" ? v : stringify(v);
}

/** JSON text of a value (`undefined` for nothing). */
export function stringify(v: unknown): string {
  if (v === undefined) return "(nothing)";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
