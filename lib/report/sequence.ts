/**
 * Draws a session's exchanges as a sequence diagram: the script on the left, a lifeline
 * per connection and server, an arrow per send or receive labelled with the bytes (text
 * escaped, binary as hex), time running down, and, for a failed test, what the failing
 * statement expected and what it received at the point where it failed. Long payloads
 * wrap inside their arrow's span and are elided past a few lines; every label is sized
 * in monospace characters so that nothing overlaps. An inline SVG, or a whole page.
 *
 * @module
 */
import { escapeBytes, toHex } from "../bytes/escape.ts";
import { isBinary } from "../bytes/text.ts";
import type { FailurePoint, TraceEntry } from "../run/trace.ts";
import { xmlEscape } from "./junit.ts";

/** Width of one character of the 12px monospace font, px (DejaVu Sans Mono: 7.22). */
const CHAR = 7.4;
/** Width of one character of the 10px monospace font, px. */
const SMALL = 6.2;
const LINE = 15;
const LANE = 250;
const LEFT = 96;
const TOP = 56;
/** The most lines a payload label takes before it is elided. */
const MAX_LINES = 4;
/** The most events drawn (the first and the last half); the rest are counted. */
const MAX_EVENTS = 400;

/** The lines of a payload label, at most `width` characters each and `MAX_LINES` lines. */
export function payloadLines(
  bytes: Uint8Array,
  width: number,
  maxLines = MAX_LINES,
  size = bytes.byteLength,
): string[] {
  const w = Math.max(8, width);
  let lines: string[];
  if (isBinary(bytes)) {
    const perLine = Math.max(1, Math.floor((w - 4) / 3));
    const hex = toHex(bytes).split(" ");
    lines = [];
    for (let i = 0; i < hex.length; i += perLine) {
      lines.push((i === 0 ? "hex " : "    ") + hex.slice(i, i + perLine).join(" "));
    }
  } else {
    // a line break in the payload ends a label line
    const text = escapeBytes(bytes).replaceAll("\\$", "$");
    lines = [];
    for (const piece of text.split(/(?<=\\n)/)) {
      for (let i = 0; i < piece.length; i += w) lines.push(piece.slice(i, i + w));
    }
  }
  // elided past maxLines, or cut before it came here (a trace keeps a chunk's start)
  if (lines.length <= maxLines && size <= bytes.byteLength) return lines;
  return [...lines.slice(0, maxLines - 1), `… ${size} bytes in all`];
}

/** `text` cut to `width` characters, with an ellipsis when cut. */
function elide(text: string, width: number): string {
  const w = Math.max(2, Math.floor(width));
  return text.length <= w ? text : text.slice(0, w - 1) + "…";
}

/** `text` in lines of at most `width` characters, at most `max` lines. */
function wrap(text: string, width: number, max: number): string[] {
  const w = Math.max(8, Math.floor(width));
  const lines: string[] = [];
  for (const piece of text.split("\n")) {
    for (let i = 0; i < piece.length || i === 0; i += w) lines.push(piece.slice(i, i + w));
  }
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max - 1), lines[max - 1]!.slice(0, w - 1) + "…"];
}

function textLines(x: number, y: number, lines: string[], cls: string): string {
  const spans = lines.map((l, i) => `<tspan x="${x}" y="${y + i * LINE}">${xmlEscape(l)}</tspan>`)
    .join("");
  return `<text class="${cls}">${spans}</text>`;
}

type Row = { height: number; draw: (y: number) => string };

/** The diagram as an inline SVG element. */
export function sequenceSvg(all: TraceEntry[], failure?: FailurePoint, id = "seq"): string {
  const half = MAX_EVENTS / 2;
  const cut = all.length > MAX_EVENTS ? all.length - MAX_EVENTS : 0;
  const entries = cut ? [...all.slice(0, half), ...all.slice(all.length - half)] : all;
  const channels = [...new Set(entries.map((e) => e.channel))];
  if (failure?.channel && !channels.includes(failure.channel)) {
    failure = { ...failure, channel: undefined };
  }
  const x = (c: string) => LEFT + LANE * (channels.indexOf(c) + 1);
  const width = Math.max(LEFT + LANE * (channels.length + 1), 640);
  const rows: Row[] = [];
  const failAt = failure ? entries.filter((e) => e.t <= failure!.atMs).length : -1;
  entries.forEach((e, i) => {
    if (i === failAt) rows.push(failureRow(failure!, x, width));
    if (cut && i === half) rows.push(gapRow(cut));
    rows.push(entryRow(e, x, id));
  });
  if (failure && failAt === entries.length) rows.push(failureRow(failure, x, width));
  const height = TOP + rows.reduce((n, r) => n + r.height, 0) + 16;
  const parts: string[] = [];
  const head = (at: number, name: string) => {
    const shown = elide(name, (LANE - 16) / CHAR);
    const whole = shown === name ? "" : `<title>${xmlEscape(name)}</title>`;
    return `<line x1="${at}" y1="${TOP - 14}" x2="${at}" y2="${height}" class="life"/>` +
      `<text x="${at}" y="${TOP - 22}" class="head">${whole}${xmlEscape(shown)}</text>`;
  };
  parts.push(head(LEFT, "script"));
  for (const c of channels) parts.push(head(x(c), c));
  let y = TOP;
  for (const r of rows) {
    parts.push(r.draw(y));
    y += r.height;
  }
  // ids are per diagram: a page holds many, some hidden (a marker in a hidden one is not drawn)
  const marker = (kind: string, color: string) =>
    `<marker id="${id}-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs>${marker("sent", "#0969da")}${marker("received", "#1a7f37")}</defs>
${parts.join("\n")}
</svg>`;
}

function entryRow(e: TraceEntry, x: (c: string) => number, id: string): Row {
  const time = (y: number) => `<text x="4" y="${y + 12}" class="time">${e.t.toFixed(1)} ms</text>`;
  if (e.kind === "sent" || e.kind === "received") {
    const [from, to] = e.kind === "sent" ? [LEFT, x(e.channel)] : [x(e.channel), LEFT];
    const left = Math.min(from, to) + 8;
    const span = Math.abs(to - from) - 16;
    const lines = e.bytes?.byteLength
      ? payloadLines(e.bytes, Math.floor(span / CHAR), MAX_LINES, e.size)
      : ["(empty)"];
    const note = elide(e.note ?? "", span / SMALL);
    const height = lines.length * LINE + 24;
    return {
      height,
      draw: (y) => {
        const arrow = y + lines.length * LINE + 4;
        return time(y) + textLines(left, y + 12, lines, "label") +
          `<line x1="${from}" y1="${arrow}" x2="${to}" y2="${arrow}" class="${e.kind}" marker-end="url(#${id}-${e.kind})"/>` +
          (note
            ? `<text x="${left}" y="${arrow + 13}" class="note">${xmlEscape(note)}</text>`
            : "");
      },
    };
  }
  // an opened connection shows only its peer (`to tcp://127.0.0.1:6379`)
  // and an accept its client (`accepted tcp://127.0.0.1:50312`)
  const said = e.kind === "opened"
    ? e.note ?? ""
    : `${e.kind} ${e.kind === "accepted" ? e.note?.replace(/^from /, "") : e.note ?? ""}`.trim();
  const text = elide(said, (LANE - 24) / CHAR);
  // an elided event shows it whole on hover
  const whole = text === said ? "" : `<title>${xmlEscape(said)}</title>`;
  return {
    height: 24,
    draw: (y) =>
      time(y) + `<circle cx="${x(e.channel)}" cy="${y + 8}" r="5" class="${e.kind}"/>` +
      `<text x="${x(e.channel) + 10}" y="${y + 12}" class="event">${whole}${
        xmlEscape(text)
      }</text>`,
  };
}

function gapRow(cut: number): Row {
  return {
    height: 24,
    draw: (y) =>
      `<text x="${LEFT + 8}" y="${y + 12}" class="event">… ${cut} more events not drawn</text>`,
  };
}

function failureRow(f: FailurePoint, x: (c: string) => number, width: number): Row {
  const left = LEFT + 8;
  const chars = (width - left - 16) / CHAR;
  const lines = [
    ...wrap(`✗ ${f.reason}`, chars, 2),
    ...(f.expected !== undefined ? wrap(`expected: ${f.expected}`, chars, 3) : []),
    ...(f.received !== undefined ? wrap(`received: ${f.received}`, chars, 3) : []),
  ];
  const height = lines.length * LINE + 20;
  return {
    height,
    draw: (y) => {
      const at = f.channel ? x(f.channel) : LEFT;
      return `<g class="failure"><rect x="${left - 4}" y="${y + 2}" width="${
        width - left - 4
      }" height="${height - 8}" rx="4"/>` +
        `<line x1="${LEFT}" y1="${y + 2}" x2="${at}" y2="${y + 2}" class="fail-at"/>` +
        textLines(left + 4, y + 16, lines, "fail") + `</g>`;
    },
  };
}

/** The diagram's styles (for a page that embeds {@linkcode sequenceSvg}). */
export const SEQUENCE_CSS =
  `svg.seq text{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;white-space:pre}
svg.seq .life{stroke:#bbb;stroke-dasharray:4 3}svg.seq .head{font-weight:bold;text-anchor:middle}
svg.seq .sent{stroke:#0969da;stroke-width:1.5}svg.seq .received{stroke:#1a7f37;stroke-width:1.5}
svg.seq .note{fill:#888;font-size:10px}svg.seq .time{fill:#888;font-size:11px}
svg.seq circle.accepted,svg.seq circle.opened{fill:#0969da}svg.seq circle.closed{fill:#888}svg.seq circle.error{fill:#cf222e}svg.seq .event{fill:#555}
svg.seq .failure rect{fill:#fff5f5;stroke:#cf222e}svg.seq .fail{fill:#cf222e}svg.seq .fail-at{stroke:#cf222e;stroke-width:3}`;

/** Renders the trace of `title` as an HTML page (`run --trace`). */
export function sequenceHtml(title: string, entries: TraceEntry[], failure?: FailurePoint): string {
  const channels = new Set(entries.map((e) => e.channel)).size;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${xmlEscape(title)} — wireplay trace</title>
<style>
body{font:13px system-ui,sans-serif;margin:1.5em;color:#222}
${SEQUENCE_CSS}
</style></head><body>
<h1>${xmlEscape(title)}</h1>
<p>${entries.length} events on ${channels} channels. Blue: sent by the script; green: received.</p>
${sequenceSvg(entries, failure)}
</body></html>
`;
}
