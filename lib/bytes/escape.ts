/**
 * Escaping bytes for display and for `.wire` string literals.
 *
 * @module
 */
import { hasTerminalUnsafe } from "./terminal.ts";
import { fromUtf8, tryUtf8 } from "./text.ts";

/**
 * Escapes bytes as the body of a `.wire` double-quoted string: printable UTF-8 is
 * kept, `\n \r \t \0 \\ \" \$` are escaped, other control and invalid bytes, and
 * the terminal-unsafe characters of `terminal.ts` (C1, bidi controls), become `\xNN`. The result, put between quotes, parses back to the same bytes.
 *
 * @example
 * ```ts
 * import { escapeBytes } from "./escape.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(escapeBytes(new Uint8Array([0x2b, 0x4f, 0x4b, 0x0d, 0x0a, 0xff])), "+OK\\r\\n\\xff");
 * ```
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.byteLength) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += escapeAscii(b);
      i++;
      continue;
    }
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    const seq = len > 1 && i + len <= bytes.byteLength
      ? tryUtf8(bytes.subarray(i, i + len))
      : undefined;
    if (seq !== undefined && !hasTerminalUnsafe(seq)) {
      out += seq;
      i += len;
    } else {
      out += "\\x" + hex2(b);
      i++;
    }
  }
  return out;
}

function escapeAscii(b: number): string {
  switch (b) {
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x00:
      return "\\0";
    case 0x5c:
      return "\\\\";
    case 0x22:
      return '\\"';
    case 0x24:
      return "\\$";
  }
  if (b < 0x20 || b === 0x7f) return "\\x" + hex2(b);
  return String.fromCharCode(b);
}

/** Two lowercase hex digits. */
export function hex2(b: number): string {
  return (b < 16 ? "0" : "") + b.toString(16);
}

/** Bytes as spaced lowercase hex (`de ad be ef`), the body of a `hex "…"` literal. */
export function toHex(bytes: Uint8Array): string {
  const parts: string[] = new Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) parts[i] = hex2(bytes[i]!);
  return parts.join(" ");
}

/** Escapes text for a one-line display: control characters shown as escapes. */
export function escapeForDisplay(bytes: Uint8Array, max = Infinity): string {
  const cut = bytes.byteLength > max;
  const shown = escapeBytes(cut ? bytes.subarray(0, max) : bytes).replaceAll("\\$", "$");
  return cut ? `${shown}… (${bytes.byteLength - max} more bytes)` : shown;
}

/** Decodes for display when it is text; otherwise `undefined`. */
export function textOrUndefined(bytes: Uint8Array): string | undefined {
  return tryUtf8(bytes) === undefined ? undefined : fromUtf8(bytes);
}
