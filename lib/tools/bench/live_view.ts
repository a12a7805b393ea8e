/**
 * The live view of a running benchmark on a terminal (oha-like): progress, the request
 * rate, latency percentiles of the last second, errors and a small histogram, redrawn in
 * place on stderr. Nothing at all when stderr is not a terminal (piped, CI).
 *
 * @module
 */
import { bucketLow, bucketPercentile, diffSnapshots, type LiveSnapshot } from "./live.ts";

const enc = new TextEncoder();

/** The view's lines for one moment. Pure. */
export function renderLive(
  label: string,
  elapsedMs: number,
  totalMs: number,
  now: LiveSnapshot,
  recent: LiveSnapshot,
  recentMs: number,
  width = 80,
  unit = "requests",
  note = "",
): string[] {
  const secs = Math.max(0, elapsedMs) / 1000;
  const pct = totalMs > 0 ? Math.min(100, (Math.max(0, elapsedMs) / totalMs) * 100) : 0;
  const bar = "█".repeat(Math.round(pct / 5)).padEnd(20, "░");
  const rateNow = recentMs > 0 ? recent.requests / (recentMs / 1000) : 0;
  const rateAll = secs > 0 ? now.requests / secs : 0;
  const p = (q: number) => fmtMs(bucketPercentile(recent.buckets, q));
  const lines = [
    `${label}  ${secs.toFixed(1)}s / ${(totalMs / 1000).toFixed(1)}s  ${bar} ${pct.toFixed(0)}%`,
    ...(note ? [`  ${note}`] : []),
    `  rate     ${rateNow.toFixed(0)}/s now, ${
      rateAll.toFixed(0)
    }/s overall   ${unit} ${now.requests}   errors ${now.errors}`,
    `  latency  p50 ${p(50)}  p90 ${p(90)}  p99 ${p(99)}  (last second)`,
    ...histogramRows(now.buckets, Math.max(10, width - 24)),
  ];
  return lines.map((l) => (l.length > width ? l.slice(0, width - 1) + "…" : l));
}

/** Up to 8 rows, one per power of two of latency from the fastest; the last holds the rest. */
function histogramRows(buckets: number[], barWidth: number): string[] {
  const rows: { label: string; count: number }[] = [];
  for (let i = 0; i < buckets.length; i += 4) {
    const count = buckets.slice(i, i + 4).reduce((a, b) => a + b, 0);
    rows.push({ label: `≤${fmtMs(bucketLow(i + 4) / 1000)}`, count });
  }
  const first = rows.findIndex((r) => r.count > 0);
  if (first < 0) return [];
  let last = rows.length - 1;
  while (rows[last]!.count === 0) last--;
  let shown = rows.slice(first, last + 1);
  if (shown.length > 8) {
    const rest = shown.slice(7).reduce((a, r) => a + r.count, 0);
    shown = [...shown.slice(0, 7), { label: `>${shown[6]!.label.slice(1)}`, count: rest }];
  }
  const max = Math.max(...shown.map((r) => r.count));
  return shown.map((r) =>
    `  ${r.label.padEnd(10)} ${"■".repeat(Math.ceil((r.count / max) * barWidth * 0.6))} ${r.count}`
  );
}

function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)}ms` : ms >= 1 ? `${ms.toFixed(1)}ms` : `${ms.toFixed(3)}ms`;
}

/** Draws the view in place on stderr; a no-op when stderr is not a terminal. */
export class LiveView {
  #enabled: boolean;
  #lines = 0;
  #history: { at: number; live: LiveSnapshot }[] = [];
  #last = 0;

  constructor(
    readonly label: string,
    readonly totalMs: number,
    /** What one unit of work is called: `requests`, or `iterations` for scripts. */
    readonly unit = "requests",
    /** A line under the first at a moment (ms), e.g. the stages' current target. */
    readonly note: (elapsedMs: number) => string = () => "",
    enabled = Deno.stderr.isTerminal() && !Deno.env.get("CI"),
  ) {
    this.#enabled = enabled;
  }

  /** Takes the counts so far (about every 250 ms) and redraws at most every 200 ms. */
  update(live: LiveSnapshot, elapsedMs: number): void {
    if (!this.#enabled) return;
    this.#history.push({ at: elapsedMs, live });
    while (this.#history.length > 1 && elapsedMs - this.#history[0]!.at > 1000) {
      this.#history.shift();
    }
    const now = performance.now();
    if (now - this.#last < 200) return;
    this.#last = now;
    const base = this.#history[0]!;
    const recent = this.#history.length > 1 ? diffSnapshots(live, base.live) : live;
    const recentMs = this.#history.length > 1 ? elapsedMs - base.at : elapsedMs;
    let width = 80;
    try {
      const columns = Deno.consoleSize().columns;
      if (columns >= 20) width = columns; // a pty with no size set reports 0
    } catch { /* not a console */ }
    const lines = renderLive(
      this.label,
      elapsedMs,
      this.totalMs,
      live,
      recent,
      recentMs,
      width,
      this.unit,
      this.note(elapsedMs),
    );
    this.#write(this.#clear() + lines.join("\n") + "\n");
    this.#lines = lines.length;
  }

  /** Erases the view. */
  done(): void {
    if (!this.#enabled || this.#lines === 0) return;
    this.#write(this.#clear());
    this.#lines = 0;
  }

  #clear(): string {
    return this.#lines ? `\x1b[${this.#lines}A\r\x1b[J` : "";
  }

  #write(text: string): void {
    Deno.stderr.writeSync(enc.encode(text));
  }
}
