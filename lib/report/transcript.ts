/**
 * A test's exchanges as plain text lines (JUnit's `system-out`): time, direction,
 * channel and the bytes, escaped (binary as hex), one line each.
 *
 * @module
 */
import { escapeForDisplay, toHex } from "../bytes/escape.ts";
import { isBinary } from "../bytes/text.ts";
import type { FailurePoint, TraceEntry } from "../run/trace.ts";

/** The most characters of payload shown per line. */
const WIDTH = 200;

/** One line per exchange: `  12.3 ms  → c  "PING\r\n"  (6 bytes)`; the failure where it happened. */
export function transcriptLines(entries: TraceEntry[], failure?: FailurePoint): string[] {
  const stamp = (t: number) => `${t.toFixed(1).padStart(8)} ms`;
  const lines = entries.map((e) => {
    const time = stamp(e.t);
    if (e.kind === "sent" || e.kind === "received") {
      const arrow = e.kind === "sent" ? "→" : "←";
      const b = e.bytes ?? new Uint8Array(0);
      const shown = isBinary(b)
        ? `hex ${elide(toHex(b), WIDTH)}`
        : `"${escapeForDisplay(b, WIDTH)}"`;
      return `${time}  ${arrow} ${e.channel}  ${shown}${e.note ? `  (${e.note})` : ""}`;
    }
    return `${time}  * ${e.channel}  ${e.kind}${e.note ? ` ${e.note}` : ""}`;
  });
  if (failure) {
    const at = entries.filter((e) => e.t <= failure.atMs).length;
    lines.splice(
      at,
      0,
      `${stamp(failure.atMs)}  ✗ ${failure.channel ?? "script"}  ${failure.reason}`,
    );
  }
  return lines;
}

function elide(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width)}…`;
}
