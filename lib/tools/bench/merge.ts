/**
 * Combining measurements: the isolates of one run, or `bench --json` results from several
 * machines (`wireplay bench merge`). Counts add up; latency histograms are added bucket by
 * bucket, so the combined percentiles are those of all the samples together (averaging
 * percentiles would not be).
 *
 * @module
 */
import { UsageError } from "../../errors.ts";
import type { BenchResult, StatementResult } from "./bench.ts";
import type { StatementPartial } from "./spec.ts";
import {
  addEncoded,
  encodeHistogram,
  type Histogram,
  latencyFigures,
  newHistogram,
  percentileCurve,
} from "./histogram.ts";

/** What one part contributes (an isolate's result, or a whole run read back from JSON). */
export interface MergeablePart {
  histogram: string;
  requests: number;
  bytesSent: number;
  bytesReceived: number;
  errors: Record<string, number>;
  statuses: Record<string, number>;
  errorSamples: Record<string, string>;
  /** Measured time (ms). */
  elapsedMs: number;
  statements?: StatementPartial[];
}

/** The parts' sums and their combined histogram, as the fields of a {@linkcode BenchResult}. */
export type Combined = Pick<
  BenchResult,
  | "durationMs"
  | "requests"
  | "rps"
  | "bytesSent"
  | "bytesReceived"
  | "throughput"
  | "latency"
  | "curve"
  | "histogram"
  | "errors"
  | "errorSamples"
  | "statuses"
  | "statements"
>;

/**
 * Adds the parts up. The parts ran at the same time (isolates, or machines started
 * together): the measured time is the longest, requests/s is all requests over it.
 */
export function combine(parts: MergeablePart[]): Combined {
  const h = newHistogram();
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const statements = new Map<string, { part: StatementPartial; h: Histogram }>();
  let requests = 0, bytesSent = 0, bytesReceived = 0, elapsed = 0;
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const p of parts) {
    addEncoded(h, p.histogram);
    requests += p.requests;
    bytesSent += p.bytesSent;
    bytesReceived += p.bytesReceived;
    elapsed = Math.max(elapsed, p.elapsedMs);
    add(errors, p.errors);
    add(statuses, p.statuses);
    for (const [k, v] of Object.entries(p.errorSamples)) errorSamples[k] ??= v;
    for (const s of p.statements ?? []) {
      let into = statements.get(s.where);
      if (!into) {
        into = { part: { ...s, count: 0, errors: {} }, h: newHistogram() };
        statements.set(s.where, into);
      }
      into.part.count += s.count;
      add(into.part.errors, s.errors);
      addEncoded(into.h, s.histogram);
    }
  }
  const secs = elapsed / 1000 || 1;
  const out: Combined = {
    durationMs: Math.round(elapsed),
    requests,
    rps: Math.round((requests / secs) * 10) / 10,
    bytesSent,
    bytesReceived,
    throughput: Math.round((bytesSent + bytesReceived) / secs),
    latency: latencyFigures(h),
    curve: percentileCurve(h),
    histogram: encodeHistogram(h),
    errors,
    errorSamples,
    statuses,
  };
  h.destroy();
  if (statements.size) {
    out.statements = [...statements.values()].map(({ part, h }): StatementResult => {
      const r = { ...part, histogram: encodeHistogram(h), latency: latencyFigures(h) };
      h.destroy();
      return r;
    });
  }
  return out;
}

/**
 * Merges `bench --json` results (from several machines) into one result.
 *
 * @param inputs Each result's JSON text and where it came from (for messages).
 * @throws {UsageError} naming the file that is not a `bench --json` result.
 */
export function mergeResults(inputs: { name: string; text: string }[]): BenchResult {
  const results = inputs.map(({ name, text }) => readResult(name, text));
  const first = results[0]!;
  const targets = [...new Set(results.map((r) => r.target))];
  const conns = results.reduce((a, r) => a + r.conns, 0);
  const combined = combine(results.map((r) => ({ ...r, elapsedMs: r.durationMs })));
  return {
    target: targets.join(", "),
    mode: first.mode,
    conns,
    workers: results.reduce((a, r) => a + r.workers, 0),
    ...(results.some((r) => r.rate)
      ? { rate: results.reduce((a, r) => a + (r.rate ?? 0), 0) }
      : {}),
    merged: results.length,
    ...combined,
  };
}

function readResult(name: string, text: string): BenchResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not JSON: ${(e as Error).message}`, { where: name });
  }
  const r = v as Partial<BenchResult>;
  const bad = (what: string) => new UsageError(what, { where: name });
  if (typeof r !== "object" || r === null || typeof r.histogram !== "string") {
    throw bad("not a bench --json result with its histogram (run bench with --json)");
  }
  const numbers = ["requests", "durationMs", "conns", "bytesSent", "bytesReceived"] as const;
  const field = numbers.find((k) => !isCount(r[k]));
  if (field) throw bad(`"${field}" is not a number`);
  for (const k of ["errors", "statuses"] as const) {
    if (r[k] !== undefined && !isCounts(r[k])) throw bad(`"${k}" is not an object of counts`);
  }
  if (r.errors === undefined) throw bad('"errors" is missing');
  if (r.statements !== undefined) {
    const ok = Array.isArray(r.statements) &&
      r.statements.every((s) =>
        typeof s === "object" && s !== null && typeof s.where === "string" &&
        typeof s.statement === "string" && typeof s.histogram === "string" && isCount(s.count) &&
        isCounts(s.errors)
      );
    if (!ok) throw bad('"statements" is not a list of statements (where, statement, count…)');
  }
  for (const encoded of [r.histogram, ...(r.statements ?? []).map((s) => s.histogram)]) {
    const h = newHistogram();
    try {
      addEncoded(h, encoded);
    } catch {
      throw new UsageError("a histogram in it is not a compressed HdrHistogram", { where: name });
    } finally {
      h.destroy();
    }
  }
  return {
    ...r,
    statuses: r.statuses ?? {},
    errorSamples: r.errorSamples ?? {},
    workers: r.workers ?? 1,
  } as BenchResult;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function isCounts(v: unknown): v is Record<string, number> {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.values(v).every(isCount);
}
