/**
 * Pass/fail criteria for a benchmark, as k6 writes them: `p99<5ms`, `errors==0`,
 * `rps>1000`. A threshold states what must hold; one that does not is crossed, and the
 * run fails (exit 1) listing every crossed one. Pure, apart from reading the histogram.
 *
 * @module
 */
import { parseDuration } from "../../bytes/units.ts";
import { UsageError } from "../../errors.ts";

/** A comparison operator. */
export type ThresholdOp = "<" | "<=" | ">" | ">=" | "==" | "!=";

/** A parsed threshold. */
export interface Threshold {
  /** As the user wrote it. */
  source: string;
  /** `p99`, `p99.9`, `min`, `max`, `avg`, `med`, `rps`, `requests`, `errors`, `error_rate`. */
  metric: string;
  /** For `pNN`: the percentile. */
  percentile?: number;
  op: ThresholdOp;
  /** The bound: milliseconds for latencies, a count, requests/s, or a fraction. */
  value: number;
  /** `p99{4}<5ms`: the script statement it is about (its line, or `file:line`), k6's sub-metric. */
  scope?: string;
}

/** A threshold and how the run measured against it. */
export interface ThresholdResult {
  /** The threshold as written. */
  threshold: string;
  /** True when it held. */
  ok: boolean;
  /** What was measured (ms for latencies). */
  actual: number;
}

const LATENCY = new Set(["min", "max", "avg", "mean", "med"]);
const PLAIN = new Set(["rps", "requests", "iterations", "errors", "error_rate"]);
/** METRIC, an optional {STATEMENT}, an operator, a bound. */
const THRESHOLD_RE =
  /^\s*([a-z_]+|p\(?\d+(?:\.\d+)?\)?)(?:\{([^{}]+)\})?\s*(<=|>=|===|==|!=|<|>)\s*([^<>=!\s]\S*)\s*$/i;

/**
 * Parses one threshold.
 *
 * @throws {UsageError} naming `where` (the flag) and what is wrong.
 */
export function parseThreshold(text: string, where = "--threshold"): Threshold {
  const m = THRESHOLD_RE.exec(text);
  if (!m) {
    throw new UsageError(`"${text}" is not METRIC OP VALUE (like p99<5ms, errors==0, rps>1000)`, {
      where,
    });
  }
  const metric = m[1]!.toLowerCase().replace(/[()]/g, "");
  const scope = m[2]?.trim();
  const op = (m[3] === "===" ? "==" : m[3]) as ThresholdOp;
  const raw = m[4]!;
  const t = parseBound(text, metric, op, raw, where);
  return scope ? { ...t, scope } : t;
}

function parseBound(
  text: string,
  metric: string,
  op: ThresholdOp,
  raw: string,
  where: string,
): Threshold {
  const pm = /^p(\d+(?:\.\d+)?)$/.exec(metric);
  if (pm) {
    const percentile = Number(pm[1]);
    if (percentile > 100) throw new UsageError(`"${metric}": a percentile is 0 to 100`, { where });
    return { source: text.trim(), metric, percentile, op, value: parseDuration(raw, where, true) };
  }
  if (LATENCY.has(metric)) {
    return { source: text.trim(), metric, op, value: parseDuration(raw, where, true) };
  }
  if (!PLAIN.has(metric)) {
    throw new UsageError(
      `unknown metric "${metric}" (pNN, min, max, avg, med, rps, requests, errors, error_rate)`,
      { where },
    );
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(raw);
  const value = metric === "error_rate" && pct ? Number(pct[1]) / 100 : Number(raw);
  if (!/^\d+(\.\d+)?%?$/.test(raw) || Number.isNaN(value) || (pct && metric !== "error_rate")) {
    throw new UsageError(`"${raw}" is not a number for ${metric}`, { where });
  }
  return { source: text.trim(), metric, op, value };
}

/** What a threshold reads from a run. */
export interface ThresholdInput {
  /** Latency in ms at a percentile. */
  percentile(p: number): number;
  min: number;
  max: number;
  mean: number;
  rps: number;
  requests: number;
  errors: number;
  /** Requests tried: completed ones plus those that failed without an answer. */
  attempts: number;
}

/** The measured value a threshold compares. */
export function measured(t: Threshold, r: ThresholdInput): number {
  switch (t.metric) {
    case "min":
      return r.min;
    case "max":
      return r.max;
    case "avg":
    case "mean":
      return r.mean;
    case "med":
      return r.percentile(50);
    case "rps":
      return r.rps;
    case "requests":
    case "iterations":
      return r.requests;
    case "errors":
      return r.errors;
    case "error_rate":
      return r.attempts === 0 ? 0 : r.errors / r.attempts;
  }
  return r.percentile(t.percentile!);
}

/** True when `actual op value` holds. */
function holds(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case "<":
      return actual < value;
    case "<=":
      return actual <= value;
    case ">":
      return actual > value;
    case ">=":
      return actual >= value;
    case "==":
      return actual === value;
    case "!=":
      return actual !== value;
  }
}

/** Checks every threshold against a run. */
export function checkThresholds(ts: Threshold[], r: ThresholdInput): ThresholdResult[] {
  return ts.map((t) => {
    const actual = measured(t, r);
    return { threshold: t.source, ok: holds(actual, t.op, t.value), actual };
  });
}

/** The unit a threshold's measured value is shown in. */
export function thresholdUnit(threshold: string): string {
  return /^\s*(p\(?\d|min|max|avg|mean|med)/i.test(threshold) ? "ms" : "";
}

/** The index of the statement (by `file:line`) a scoped threshold is about, or -1. */
export function scopeIndex(t: Threshold, wheres: string[]): number {
  return wheres.findIndex((w) => w === t.scope || w.endsWith(`:${t.scope}`));
}

/**
 * Checks that every scoped threshold (`p99{4}<5ms`) names one of the statements.
 *
 * @param wheres The statements' `file:line`; none outside `bench script`.
 * @throws {UsageError} naming `--threshold` and the lines there are.
 */
export function assertScopes(thresholds: Threshold[], wheres: string[]): void {
  for (const t of thresholds) {
    if (t.scope === undefined || scopeIndex(t, wheres) >= 0) continue;
    const lines = wheres.map((w) => w.slice(w.lastIndexOf(":") + 1));
    throw new UsageError(
      `"${t.source}": no statement at ${t.scope} (${
        lines.length
          ? `statements at lines ${lines.join(", ")}`
          : "only bench script has statements"
      })`,
      { where: "--threshold" },
    );
  }
}
