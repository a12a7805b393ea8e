/**
 * The machine-readable report, and reading it back (`wireplay report merge`): every
 * test with its status, failure, output and exchanges (payloads in base64), so that
 * shards run on many machines merge into one report of any kind.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import type { FailurePoint, TraceEntry } from "../run/trace.ts";

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The JSON report. */
export function jsonReport(s: SuiteResult): string {
  return JSON.stringify(
    {
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      durationMs: round(s.durationMs),
      ...(s.vars && Object.keys(s.vars).length ? { vars: s.vars } : {}),
      tests: s.results.map((r) => ({
        file: r.file,
        status: r.status,
        durationMs: round(r.durationMs),
        statements: r.statements,
        ...(r.where ? { where: r.where } : {}),
        ...(r.message ? { message: r.message } : {}),
        ...(r.syntaxError ? { syntaxError: true } : {}),
        ...(r.output.length ? { output: r.output } : {}),
        ...(r.failedAt ? { failedAt: r.failedAt } : {}),
        ...(r.trace ? { trace: r.trace.map(encodeEntry) } : {}),
      })),
    },
    null,
    2,
  );
}

function encodeEntry(e: TraceEntry): Record<string, unknown> {
  return {
    t: round(e.t),
    channel: e.channel,
    kind: e.kind,
    ...(e.bytes ? { base64: Buffer.from(e.bytes).toString("base64") } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    ...(e.note ? { note: e.note } : {}),
  };
}

/** Why a JSON report cannot be read (the caller names the file). */
export class ReportFormatError extends Error {
  override name = "ReportFormatError";
}

const STATUSES = new Set(["passed", "failed", "skipped"]);
const KINDS = new Set(["sent", "received", "accepted", "opened", "closed", "error"]);

/** Reads a report {@linkcode jsonReport} wrote back into a suite result. */
export function readJsonReport(text: string): SuiteResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ReportFormatError(`not JSON: ${(e as Error).message}`);
  }
  const o = record(doc, "the report");
  if (!Array.isArray(o.tests)) {
    throw new ReportFormatError(`no "tests" array (not a --reporter json file)`);
  }
  const results = o.tests.map((t: unknown, i: number) => readTest(t, `tests[${i}]`));
  const vars = o.vars === undefined ? undefined : record(o.vars, "vars") as Record<string, string>;
  return {
    results,
    durationMs: num(o.durationMs, "durationMs"),
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    ...(vars ? { vars } : {}),
  };
}

function readTest(t: unknown, where: string): TestResult {
  const o = record(t, where);
  if (typeof o.file !== "string") throw new ReportFormatError(`${where}.file: not a string`);
  if (typeof o.status !== "string" || !STATUSES.has(o.status)) {
    throw new ReportFormatError(`${where}.status: not passed, failed or skipped`);
  }
  const str = (k: string) => (typeof o[k] === "string" ? { [k]: o[k] as string } : {});
  const trace = Array.isArray(o.trace)
    ? o.trace.map((e: unknown, i: number) => readEntry(e, `${where}.trace[${i}]`))
    : undefined;
  return {
    file: o.file,
    status: o.status as TestResult["status"],
    durationMs: num(o.durationMs, `${where}.durationMs`),
    statements: typeof o.statements === "number" ? o.statements : 0,
    output: Array.isArray(o.output) ? o.output.map(String) : [],
    ...str("message"),
    ...str("where"),
    ...(o.syntaxError === true ? { syntaxError: true } : {}),
    ...(o.failedAt
      ? { failedAt: record(o.failedAt, `${where}.failedAt`) as unknown as FailurePoint }
      : {}),
    ...(trace ? { trace } : {}),
  };
}

function readEntry(e: unknown, where: string): TraceEntry {
  const o = record(e, where);
  if (typeof o.channel !== "string" || typeof o.kind !== "string" || !KINDS.has(o.kind)) {
    throw new ReportFormatError(`${where}: not a trace entry`);
  }
  return {
    t: num(o.t, `${where}.t`),
    channel: o.channel,
    kind: o.kind as TraceEntry["kind"],
    ...(typeof o.base64 === "string"
      ? { bytes: new Uint8Array(Buffer.from(o.base64, "base64")) }
      : {}),
    ...(typeof o.size === "number" ? { size: o.size } : {}),
    ...(typeof o.note === "string" ? { note: o.note } : {}),
  };
}

function record(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ReportFormatError(`${where}: not an object`);
  }
  return v as Record<string, unknown>;
}

function num(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ReportFormatError(`${where}: not a number`);
  }
  return v;
}
