/**
 * Writes values back as `.wire` text, for `:save`, `record` and `--update`. Pure.
 *
 * @module
 */
import { escapeBytes, toHex } from "../bytes/escape.ts";
import { isBinary } from "../bytes/text.ts";
import { containsSecret } from "../secrets/secrets.ts";

/**
 * A payload literal that parses back to exactly `bytes`: a `"…"` string for text,
 * `hex "…"` for binary.
 *
 * @example
 * ```ts
 * import { formatPayload } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(formatPayload(new TextEncoder().encode("PING\r\n")), '"PING\\r\\n"');
 * assertEquals(formatPayload(new Uint8Array([0, 1, 255])), 'hex "00 01 ff"');
 * ```
 */
export function formatPayload(bytes: Uint8Array): string {
  // a secret inside stays a string, where maskScript finds it (never hex digits)
  if (bytes.byteLength > 0 && isBinary(bytes) && !mostlyText(bytes) && !containsSecret(bytes)) {
    return `hex "${toHex(bytes)}"`;
  }
  return `"${escapeBytes(bytes)}"`;
}

/** True when at least 90% of the bytes are printable ASCII or whitespace. */
function mostlyText(bytes: Uint8Array): boolean {
  let printable = 0;
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13) printable++;
  }
  return printable / bytes.byteLength >= 0.9;
}

/** A regex literal for `source` (escaping `/`). */
export function formatRegex(source: string, flags = ""): string {
  return `/${source.replace(/(?<!\\)\//g, "\\/")}/${flags}`;
}

/** Escapes text so that a regex matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A `"…"` string literal for text (with `$` escaped). */
export function formatString(text: string): string {
  return `"${escapeBytes(new TextEncoder().encode(text))}"`;
}
