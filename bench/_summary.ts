/**
 * One way for a benchmark to report a result row that `bench/all.ts` collects into its summary
 * table (and that `deno task bench --readme` writes into README.md).
 *
 * A row names the hot path, what was measured on each side, the ratio (ours over the peer's,
 * or a plain figure when there is no peer) and the goal. Each row is printed once for a person
 * and once as a line `::bench-row:: {json}` for `all.ts`.
 *
 * @module
 */

/** A goal: the ratio must be at most (`<=`) or at least (`>=`) `value`. */
export interface Goal {
  op: "<=" | ">=";
  value: number;
}

/** One result row. */
export interface BenchRow {
  /** the benchmark file, e.g. `stream_bench` */
  bench: string;
  /** the hot path in a few words, e.g. "stream receive via a channel vs a bare read loop" */
  row: string;
  /** what ours measured, with units, e.g. "912 MiB/s" */
  ours: string;
  /** what the peer measured, with units and its name, e.g. "bare Deno read loop 976 MiB/s" */
  peer: string;
  /** ours over the peer (the goal's direction says which way is better) */
  ratio: number;
  /** the unit of `ratio`: "×" (default) or a plain unit such as "MB/s" or "ms" */
  unit?: string;
  /** the goal; none for a row that only reports */
  goal?: Goal;
  /** anything a reader needs to read the figure (rounds, medians, CPU) */
  note?: string;
}

/** The median of `xs` (the upper one of the two middle values for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The marker `all.ts` looks for at the start of a line. */
export const ROW_MARKER = "::bench-row:: ";

/** Whether `row` meets its goal (undefined when it has none). */
export function met(row: BenchRow): boolean | undefined {
  if (!row.goal) return undefined;
  return row.goal.op === "<=" ? row.ratio <= row.goal.value : row.ratio >= row.goal.value;
}

/** "≤ 1.3×" / "≥ 50 MB/s" */
export function goalText(row: BenchRow): string {
  if (!row.goal) return "report";
  const op = row.goal.op === "<=" ? "≤" : "≥";
  return `${op} ${row.goal.value}${unitText(row)}`;
}

/** "1.23×" / "61.0 MB/s" */
export function ratioText(row: BenchRow): string {
  const digits = Math.abs(row.ratio) >= 100 ? 0 : Math.abs(row.ratio) >= 10 ? 1 : 2;
  return `${row.ratio.toFixed(digits)}${unitText(row)}`;
}

function unitText(row: BenchRow): string {
  const unit = row.unit ?? "×";
  return unit === "×" ? "×" : ` ${unit}`;
}

/** Prints `row` for a person and for `all.ts`. */
export function reportRow(row: BenchRow): void {
  const verdict = met(row);
  const tag = verdict === undefined ? "" : verdict ? "  met" : "  NOT met";
  console.log(
    `result: ${row.row}: ${ratioText(row)} (goal ${
      goalText(row)
    })${tag} — ours ${row.ours}; ${row.peer}`,
  );
  console.log(ROW_MARKER + JSON.stringify(row));
}

/** Reads the rows out of a benchmark's output. */
export function parseRows(output: string): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith(ROW_MARKER)) continue;
    try {
      rows.push(JSON.parse(line.slice(ROW_MARKER.length)) as BenchRow);
    } catch {
      // a torn line is not a row
    }
  }
  return rows;
}

/** The summary as a Markdown table (what README.md's benchmark table is). */
export function markdownTable(rows: BenchRow[]): string {
  const header = ["benchmark", "hot path", "ours", "peer (same run)", "ratio", "goal", "met?"];
  const body = rows.map((r) => {
    const v = met(r);
    const cells = [
      `\`${r.bench}\``,
      r.row,
      r.ours,
      r.peer + (r.note ? ` (${r.note})` : ""),
      ratioText(r),
      goalText(r),
      v === undefined ? "—" : v ? "yes" : "**no**",
    ];
    return cells.map((c) => c.replaceAll("|", "\\|"));
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...body.map(line)]
    .join("\n");
}
