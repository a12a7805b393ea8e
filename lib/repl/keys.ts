/**
 * Turns terminal input (raw-mode bytes) into key presses: printable text, control keys,
 * and the escape sequences of arrows, Home/End, Delete and Alt-letter. Pure.
 *
 * @module
 */

/** One key press: `text` for printable input, else a key name like `up`, `C-r`, `M-b`. */
export type Key = { text: string } | { name: string };

const CONTROL: Record<number, string> = {
  0x01: "C-a",
  0x02: "C-b",
  0x03: "C-c",
  0x04: "C-d",
  0x05: "C-e",
  0x06: "C-f",
  0x07: "C-g",
  0x08: "backspace",
  0x09: "tab",
  0x0a: "enter",
  0x0b: "C-k",
  0x0c: "C-l",
  0x0d: "enter",
  0x0e: "C-n",
  0x10: "C-p",
  0x12: "C-r",
  0x14: "C-t",
  0x15: "C-u",
  0x17: "C-w",
  0x1a: "C-z",
  0x7f: "backspace",
};

const CSI: Record<string, string> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
  "1;5C": "M-f",
  "1;5D": "M-b",
  "1;3C": "M-f",
  "1;3D": "M-b",
};

/**
 * Decodes one chunk of input into keys. A chunk that is a lone ESC is the Escape key.
 *
 * @example
 * ```ts
 * import { decodeKeys } from "./keys.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(decodeKeys("ab\x1b[A\r"), [{ text: "ab" }, { name: "up" }, { name: "enter" }]);
 * assertEquals(decodeKeys("\x1b"), [{ name: "escape" }]);
 * ```
 */
export function decodeKeys(input: string): Key[] {
  const keys: Key[] = [];
  let text = "";
  const flush = () => {
    if (text) keys.push({ text });
    text = "";
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    const code = ch.charCodeAt(0);
    if (ch === "\x1b") {
      flush();
      const next = input[i + 1];
      if (next === "[" || next === "O") {
        let j = i + 2;
        while (j < input.length && !/[A-Za-z~]/.test(input[j]!)) j++;
        const body = input.slice(i + 2, j + 1);
        i = j;
        if (body === "200~" || body === "201~") continue; // bracketed paste marks
        keys.push({ name: CSI[body] ?? `unknown:${body}` });
      } else if (next === undefined) {
        keys.push({ name: "escape" });
      } else if (next === "\x7f" || next === "\b") {
        keys.push({ name: "M-backspace" });
        i++;
      } else {
        keys.push({ name: `M-${next.toLowerCase()}` });
        i++;
      }
    } else if (code < 0x20 || code === 0x7f) {
      flush();
      // CR LF from a paste is one Enter
      if (ch === "\n" && input[i - 1] === "\r") continue;
      keys.push({ name: CONTROL[code] ?? `C-${String.fromCharCode(code + 0x60)}` });
    } else text += ch;
  }
  flush();
  return keys;
}
