/**
 * Terminal colours for the REPL: on for a terminal, off when `NO_COLOR` is set (any
 * value) or output is not a terminal. Each connection name gets a stable colour. Pure
 * apart from {@linkcode colorsWanted}.
 *
 * @module
 */

/**
 * A colour scheme: each function wraps text (identity when colours are off).
 *
 * @example No colours
 * ```ts
 * import type { Palette } from "@wireplay/wireplay";
 * const same = (s: string) => s;
 * const plain: Palette = { enabled: false, prompt: same, error: same, ok: same, dim: same, tag: (_n, s) => s };
 * ```
 */
export interface Palette {
  /** Whether the functions add colour at all. */
  enabled: boolean;
  /** The prompt. */
  prompt(s: string): string;
  /** Errors (red). */
  error(s: string): string;
  /** `ok` lines (green). */
  ok(s: string): string;
  /** Hints and secondary text. */
  dim(s: string): string;
  /** A connection's tag (`name <`, `name >`), in that name's colour. */
  tag(name: string, s: string): string;
}

const wrap = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const same = (s: string) => s;
/** Colours for connection names: cyan, magenta, yellow, blue, bright green, bright cyan. */
const TAG_COLOURS = ["36", "35", "33", "34", "92", "96", "95", "93"];

/** The colour of a connection name: the same name, the same colour. */
export function tagColour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return TAG_COLOURS[h % TAG_COLOURS.length]!;
}

/**
 * A palette, coloured or plain.
 *
 * @example
 * ```ts
 * import { palette } from "./colors.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(palette(false).error("x"), "x");
 * assertEquals(palette(true).error("x"), "\x1b[31mx\x1b[0m");
 * ```
 */
export function palette(enabled: boolean): Palette {
  if (!enabled) {
    return { enabled, prompt: same, error: same, ok: same, dim: same, tag: (_n, s) => s };
  }
  return {
    enabled,
    prompt: wrap("1;32"),
    error: wrap("31"),
    ok: wrap("32"),
    dim: wrap("2"),
    tag: (name, s) => wrap(tagColour(name))(s),
  };
}

/** True when colours should be used: a terminal, and `NO_COLOR` unset or empty. */
export function colorsWanted(): boolean {
  try {
    if (Deno.env.get("NO_COLOR")) return false;
  } catch { /* env not readable: decide on the terminal alone */ }
  return Deno.stdout.isTerminal();
}

/** Removes colour codes (for measuring the visible width). */
export function stripColors(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}
