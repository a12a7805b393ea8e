/**
 * A canonical hex dump (like `hexdump -C` / `xxd`).
 *
 * @module
 */
import { hex2 } from "./escape.ts";

/**
 * Formats bytes as lines of `offset  16 hex bytes  |ascii|`.
 *
 * @param bytes The data.
 * @param max The most bytes to show; a note says how many more there were.
 * @returns The dump, one line per 16 bytes, no trailing newline.
 *
 * @example
 * ```ts
 * import { hexdump } from "./hexdump.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(hexdump(new Uint8Array([0x41, 0x00])), "00000000  41 00                                             |A.|");
 * ```
 */
export function hexdump(bytes: Uint8Array, max = 4096): string {
  const lines: string[] = [];
  const shown = Math.min(bytes.byteLength, max);
  for (let off = 0; off < shown; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, shown));
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      if (i < row.byteLength) {
        const b = row[i]!;
        hex += hex2(b) + " ";
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      } else {
        hex += "   ";
      }
      if (i === 7) hex += " ";
    }
    lines.push(`${off.toString(16).padStart(8, "0")}  ${hex} |${ascii}|`);
  }
  if (bytes.byteLength > shown) lines.push(`… ${bytes.byteLength - shown} more bytes`);
  return lines.join("\n");
}
