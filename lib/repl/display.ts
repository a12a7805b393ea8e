/**
 * How the REPL shows what arrives: text with control bytes escaped, one output line per
 * received line, or a hex dump for binary data (`:hex on|off|auto`); and the one-line
 * announcements of channel events. Pure.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { hexdump } from "../bytes/hexdump.ts";
import { formatBytes } from "../bytes/units.ts";
import type { ChannelEvent } from "../transport/events.ts";

/**
 * `:hex` modes: always a dump, never, or for binary data only.
 *
 * @example Hex dumps only for binary data
 * ```ts
 * import type { HexMode } from "@wireplay/wireplay";
 * const mode: HexMode = "auto";
 * ```
 */
export type HexMode = "on" | "off" | "auto";

/**
 * The most bytes of one received chunk shown (the rest is counted: `… N more bytes`);
 * everything stays in the receive buffer for expect.
 */
export const MAX_SHOWN_BYTES = 16 * 1024;

/** True when bytes hold control characters other than tab, CR, LF and ESC. */
export function looksBinary(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) || b === 0x7f) {
      return true;
    }
  }
  return false;
}

/**
 * Formats a received chunk, tagged with its channel: `name < text\r\n` per line, or a
 * hex dump under a `name < N bytes` header.
 *
 * @example
 * ```ts
 * import { formatIncoming } from "./display.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(formatIncoming("r", new TextEncoder().encode("+OK\r\n:1\r\n"), "auto"), "r < +OK\\r\\n\nr < :1\\r\\n");
 * ```
 */
export function formatIncoming(
  name: string,
  bytes: Uint8Array,
  mode: HexMode,
  from?: string,
  view: { arrow?: "<" | ">"; offset?: number } = {},
): string {
  const arrow = view.arrow ?? "<";
  const tag = from ? `${name} ${arrow} [${from}]` : `${name} ${arrow}`;
  const shown = bytes.byteLength > MAX_SHOWN_BYTES ? bytes.subarray(0, MAX_SHOWN_BYTES) : bytes;
  const more = bytes.byteLength - shown.byteLength;
  const lines: string[] = [];
  if (mode === "on" || (mode === "auto" && looksBinary(shown))) {
    lines.push(`${tag} ${bytes.byteLength} bytes`);
    for (const l of hexdump(shown, MAX_SHOWN_BYTES).split("\n")) {
      lines.push(`  ${view.offset ? shiftOffset(l, view.offset) : l}`);
    }
  } else {
    let start = 0;
    for (let i = 0; i < shown.byteLength; i++) {
      if (shown[i] === 0x0a) {
        lines.push(`${tag} ${escapeForDisplay(shown.subarray(start, i + 1))}`);
        start = i + 1;
      }
    }
    if (start < shown.byteLength) lines.push(`${tag} ${escapeForDisplay(shown.subarray(start))}`);
  }
  if (more > 0) lines.push(`${tag} … ${more} more bytes`);
  return lines.join("\n");
}

/** Adds `by` to a hex dump line's leading offset (offsets continue per connection). */
function shiftOffset(line: string, by: number): string {
  const m = /^([0-9a-f]{8})(.*)$/s.exec(line);
  if (!m) return line;
  return (parseInt(m[1]!, 16) + by).toString(16).padStart(8, "0") + m[2]!;
}

/**
 * The announcement for a channel event, or undefined for events the REPL does not
 * announce (data is shown by {@linkcode formatIncoming}; sends and local closes are the
 * user's own doing).
 *
 * @param channelInfo Returns a channel's kind (`tcp`, `tls`…) and bytes received, to tell
 *   a TLS handshake failure (a `tls` channel failing before any byte arrived) from
 *   other errors.
 */
export function announce(
  event: ChannelEvent,
  channelInfo: (name: string) => { kind?: string; bytesIn?: number } | undefined = () => undefined,
): string | undefined {
  switch (event.type) {
    case "accepted":
      return `${event.listener}: connection from ${event.remote} (take it: accept ${event.listener} as NAME)`;
    case "closed":
      switch (event.reason) {
        case "eof":
          // a WebSocket's close frame: its code and reason
          return `${event.channel}: peer closed the connection${
            event.message ? ` (${event.message})` : ""
          }`;
        case "reset":
          return `${event.channel}: connection reset by peer`;
        case "error": {
          const msg = event.message ?? "unknown error";
          if (/^receive buffer limit/.test(msg)) {
            return `${event.channel}: receive buffer full — stopped reading (${msg})`;
          }
          const info = channelInfo(event.channel);
          const tls = /handshake/i.test(msg) ||
            (info?.kind === "tls" &&
              (info.bytesIn === 0 || /certificate|tls|ssl|alert|unknown ca/i.test(msg)));
          return tls
            ? `${event.channel}: TLS handshake failed: ${msg}`
            : `${event.channel}: connection error: ${msg}`;
        }
        case "local":
          return undefined;
      }
      return undefined;
    case "error":
      return `${event.channel}: error: ${event.message}`;
    case "paused":
      return `${event.channel}: receive buffer full (${
        formatBytes(event.unread)
      } unread) — reading paused (expect, or :flush ${event.channel} to discard)`;
    default:
      return undefined;
  }
}
