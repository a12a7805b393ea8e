/**
 * Probe payloads typed on a command line: `HEAD / HTTP/1.0\r\n\r\n`, `\x00\x01`.
 *
 * @module
 */
import { UsageError } from "../../errors.ts";

/**
 * Turns the escapes `\r \n \t \0 \\ \xNN` of a command-line payload into bytes.
 *
 * @throws {UsageError} naming `where` for a bad escape.
 *
 * @example
 * ```ts
 * import { unescapeProbe } from "./probe_text.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(unescapeProbe("a\\r\\n\\x41"), new Uint8Array([97, 13, 10, 65]));
 * ```
 */
export function unescapeProbe(text: string, where = "payload"): Uint8Array {
  const out: number[] = [];
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    const c = String.fromCharCode(bytes[++i] ?? 0);
    const simple: Record<string, number> = { r: 13, n: 10, t: 9, "0": 0, "\\": 0x5c };
    if (c in simple) out.push(simple[c]!);
    else if (c === "x") {
      const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UsageError(`bad escape "\\x${hex}"`, { where });
      out.push(parseInt(hex, 16));
      i += 2;
    } else throw new UsageError(`bad escape "\\${c}" (use \\r \\n \\t \\0 \\\\ \\xNN)`, { where });
  }
  return new Uint8Array(out);
}
