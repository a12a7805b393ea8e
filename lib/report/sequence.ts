/**
 * Draws a session's exchanges as a sequence diagram: the script on the left, one lifeline
 * per connection, an arrow per send or receive labelled with the (escaped) bytes, time
 * running down. A self-contained HTML page with an inline SVG.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import type { TraceEntry } from "../run/trace.ts";
import { xmlEscape } from "./junit.ts";

const ROW = 34;
const LANE = 220;
const LEFT = 160;
const TOP = 60;

/** Renders the trace of `title` as an HTML page. */
export function sequenceHtml(title: string, entries: TraceEntry[]): string {
  const channels = [...new Set(entries.map((e) => e.channel))];
  const x = (c: string) => LEFT + LANE * (channels.indexOf(c) + 1);
  const width = LEFT + LANE * (channels.length + 1);
  const height = TOP + ROW * (entries.length + 1);
  const parts: string[] = [];
  parts.push(`<line x1="${LEFT}" y1="${TOP - 10}" x2="${LEFT}" y2="${height}" class="life"/>`);
  parts.push(`<text x="${LEFT}" y="${TOP - 20}" class="head">script</text>`);
  for (const c of channels) {
    parts.push(`<line x1="${x(c)}" y1="${TOP - 10}" x2="${x(c)}" y2="${height}" class="life"/>`);
    parts.push(`<text x="${x(c)}" y="${TOP - 20}" class="head">${xmlEscape(c)}</text>`);
  }
  entries.forEach((e, i) => {
    const y = TOP + ROW * (i + 0.5);
    parts.push(`<text x="8" y="${y + 4}" class="time">${e.t.toFixed(1)} ms</text>`);
    const label = e.bytes ? `"${escapeForDisplay(e.bytes, 40)}"` : e.kind;
    if (e.kind === "sent" || e.kind === "received") {
      const [from, to] = e.kind === "sent" ? [LEFT, x(e.channel)] : [x(e.channel), LEFT];
      parts.push(
        `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" class="${e.kind}" marker-end="url(#arrow-${e.kind})"/>`,
      );
      parts.push(
        `<text x="${(from + to) / 2}" y="${y - 5}" class="label">${xmlEscape(label)}</text>`,
      );
      parts.push(
        `<text x="${(from + to) / 2}" y="${y + 12}" class="note">${xmlEscape(e.note ?? "")}</text>`,
      );
    } else {
      parts.push(`<circle cx="${x(e.channel)}" cy="${y}" r="5" class="${e.kind}"/>`);
      parts.push(
        `<text x="${x(e.channel) + 10}" y="${y + 4}" class="event">${
          xmlEscape(`${e.kind} ${e.note ?? ""}`)
        }</text>`,
      );
    }
  });
  const marker = (id: string, color: string) =>
    `<marker id="arrow-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${xmlEscape(title)} — wireplay trace</title>
<style>
body{font:13px system-ui,sans-serif;margin:1.5em;color:#222}
svg text{font-family:ui-monospace,monospace;font-size:12px}
.life{stroke:#bbb;stroke-dasharray:4 3}.head{font-weight:bold;text-anchor:middle;font-family:system-ui,sans-serif!important}
.sent{stroke:#0969da;stroke-width:1.5}.received{stroke:#1a7f37;stroke-width:1.5}
.label{text-anchor:middle}.note{text-anchor:middle;fill:#888;font-size:10px!important}.time{fill:#888}
circle.accepted{fill:#0969da}circle.closed{fill:#888}circle.error{fill:#cf222e}.event{fill:#555}
</style></head><body>
<h1>${xmlEscape(title)}</h1>
<p>${entries.length} events on ${channels.length} channels. Blue: sent by the script; green: received.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs>${marker("sent", "#0969da")}${marker("received", "#1a7f37")}</defs>
${parts.join("\n")}
</svg>
</body></html>
`;
}
