/**
 * The one definition of what a peer may not put on someone's terminal: C0 controls
 * (escape sequences start with ESC, U+001B) except tab, DEL, C1 controls (U+009B is a
 * one-character CSI), the line and paragraph separators, and the bidi embedding,
 * override and isolate controls that reorder what is shown ("Trojan Source"). The chat
 * server replaces them ({@linkcode neutraliseText}); the REPL and one-line messages show
 * them as escapes (`escapeBytes` / `escapeForDisplay` in `escape.ts`, which use the same
 * set); file names holding them are refused.
 *
 * @module
 */

const UNSAFE = "\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
const UNSAFE_ONE = new RegExp(`[${UNSAFE}]`);
const UNSAFE_ALL = new RegExp(`[${UNSAFE}]`, "g");

/** True when `text` holds a character that must not reach a terminal from a peer. */
export function hasTerminalUnsafe(text: string): boolean {
  return UNSAFE_ONE.test(text);
}

/**
 * Replaces every terminal-unsafe character with U+FFFD.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { neutraliseText } from "./terminal.ts";
 * assertEquals(neutraliseText("a\x1b[2Jb\u202ec"), "a\uFFFD[2Jb\uFFFDc");
 * ```
 */
export function neutraliseText(text: string): string {
  return text.replace(UNSAFE_ALL, "\uFFFD");
}
