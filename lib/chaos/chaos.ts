/**
 * Chaos from a recording: the recorded conversation played against a server once per
 * message boundary × fault (reset, close, stall, 1-byte slicing, a latency spike;
 * before each client message, and reset/close/stall also half-way through it). A case
 * passes when the conversation still gets the answers a clean play got (slicing,
 * latency), the connections after it are served, and a new client is still served
 * while (stall) or after the fault: a server that stops answering hangs, one that
 * refuses crashed. The results are a {@linkcode SuiteResult}, for every reporter.
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import type { ReplayConnection } from "../proxy/replay_plan.ts";
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import {
  CHAOS_FAULTS,
  type ChaosFault,
  type Injection,
  messageCount,
  playConnection,
  type PlayLimits,
  type PlayOutcome,
} from "./conversation.ts";
import { reproducerText, saveReproducer } from "./reproducer.ts";
import type { Target } from "./target.ts";

/** One case: a fault at one place of one connection. */
export interface ChaosCase {
  /** Index of the connection in the recording. */
  conn: number;
  injection: Injection;
  name: string;
}

/** Faults that also go half-way through a message. */
const MID_FAULTS: readonly ChaosFault[] = ["reset", "close", "stall"];

const HOW: Record<ChaosFault, string> = {
  reset: "reset",
  close: "close",
  stall: "stall",
  slice: "1-byte slices from",
  latency: "latency spike",
};

/** Every case of a recording, in order, at most `max`. */
export function chaosCases(
  connections: ReplayConnection[],
  faults: readonly ChaosFault[] = CHAOS_FAULTS,
  max = Infinity,
): { cases: ChaosCase[]; total: number } {
  const all: ChaosCase[] = [];
  connections.forEach((c, conn) => {
    const n = messageCount(c);
    for (let message = 0; message < n; message++) {
      const size = c.steps.filter((s) => s.kind === "receive")[message]!.bytes.byteLength;
      for (const mid of [false, true]) {
        if (mid && size < 2) continue;
        for (const fault of faults) {
          if (mid && !MID_FAULTS.includes(fault)) continue;
          const where = `${mid ? "half-way through" : "before"} message ${message + 1}/${n}`;
          all.push({
            conn,
            injection: { fault, message, mid },
            name: `${c.name}: ${HOW[fault]} ${where}`,
          });
        }
      }
    }
  });
  return { cases: all.slice(0, max), total: all.length };
}

/** Options of {@linkcode runChaos}. */
export interface ChaosOptions {
  target: Target;
  connections: ReplayConnection[];
  limits: PlayLimits;
  faults?: readonly ChaosFault[];
  maxCases?: number;
  /** Save a reproducer `.wire` per failed case here. */
  reproducerDir?: string;
  onResult?: (r: TestResult) => void;
}

/** What a chaos run found. */
export interface ChaosReport {
  suite: SuiteResult;
  /** Paths of the reproducers written. */
  reproducers: string[];
  /** Cases left out by the bound. */
  omitted: number;
}

/** The clean conversation could not be played: chaos has nothing to compare with. */
export class BaselineError extends Error {}

function describe(o: PlayOutcome): string {
  if (o.problem === "refused") return `refused the connection (crashed?): ${o.detail}`;
  if (o.problem === "timeout") return `stopped answering (hang): ${o.detail}`;
  if (o.problem === "reset") return `reset the connection: ${o.detail}`;
  return o.detail ?? "did not answer as recorded";
}

/** Runs the cases, one at a time. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = performance.now();
  const addr: Address = o.target.address;
  const { cases, total } = chaosCases(o.connections, o.faults, o.maxCases);
  const baseline: Uint8Array[][] = [];
  for (const c of o.connections) {
    const b = await playConnection(addr, c, { limits: o.limits });
    if (!b.ok) {
      throw new BaselineError(
        `${c.name} does not replay cleanly against ${o.target.label}: ${describe(b)}`,
      );
    }
    baseline.push(b.replies);
  }
  const results: TestResult[] = [];
  const reproducers: string[] = [];
  let deadSince: string | undefined;
  for (const [i, kase] of cases.entries()) {
    const t0 = performance.now();
    const done = (status: TestResult["status"], message?: string) => {
      const r: TestResult = {
        file: kase.name,
        status,
        durationMs: performance.now() - t0,
        message,
        statements: 0,
        output: [],
      };
      results.push(r);
      o.onResult?.(r);
    };
    if (deadSince) {
      done("skipped", `not run: the target stopped answering at ${deadSince}`);
      continue;
    }
    const problems: string[] = [];
    let held: PlayOutcome["held"];
    for (const [j, c] of o.connections.entries()) {
      const faulty = j === kase.conn;
      const out = await playConnection(addr, c, {
        limits: o.limits,
        baseline: baseline[j],
        injection: faulty ? kase.injection : undefined,
      });
      if (out.held) held = out.held;
      if (!out.ok) {
        problems.push(`${c.name}${faulty ? "" : " (after the fault)"}: ${describe(out)}`);
      }
    }
    // a new client must be served while a stalled connection is still open, or after
    const probe = await playConnection(addr, o.connections[0]!, {
      limits: o.limits,
      baseline: baseline[0],
    });
    try {
      held?.close();
    } catch { /* closed */ }
    if (!probe.ok) problems.push(`a new client: ${describe(probe)}`);
    if (problems.length === 0) {
      done("passed");
      continue;
    }
    let message = problems.join("\n");
    if (o.reproducerDir) {
      const c = o.connections[kase.conn]!;
      const msgs = c.steps.filter((s) => s.kind === "receive").map((s) => s.bytes);
      const inj = kase.injection;
      const sent = msgs.slice(0, inj.message);
      const cut = msgs[inj.message]!;
      if (inj.mid) sent.push(cut.subarray(0, Math.floor(cut.byteLength / 2)));
      const ends = inj.fault === "close" || inj.fault === "reset";
      if (!ends && inj.fault !== "stall") sent.push(...msgs.slice(inj.message));
      const path = await saveReproducer(
        o.reproducerDir,
        `chaos-${String(i + 1).padStart(3, "0")}-${c.name}-${inj.fault}${inj.mid ? "-mid" : ""}`,
        reproducerText({
          title: `wireplay chaos: ${kase.name}: ${problems[0]}` +
            (inj.fault === "reset" ? " (the case reset the connection; the script closes it)" : ""),
          target: addr,
          messages: sent,
          end: ends ? "close" : inj.fault === "stall" ? "stall" : "keep",
          probe: o.connections[0]!,
          timeoutMs: o.limits.replyTimeoutMs,
          stallMs: o.limits.stallMs,
        }),
      );
      reproducers.push(path);
      message += `\nreproducer: ${path}`;
    }
    done("failed", message);
    if (!probe.ok) {
      const back = o.target.restartCommand ? await o.target.restart() : false;
      if (!back) deadSince = `case ${i + 1} (${kase.name})`;
    }
  }
  const count = (s: TestResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    suite: {
      results,
      durationMs: performance.now() - started,
      passed: count("passed"),
      failed: count("failed"),
      skipped: count("skipped"),
    },
    reproducers,
    omitted: total - cases.length,
  };
}

/** The longest a run of `cases` can take, ms (stated before it starts). */
export function chaosBound(
  connections: ReplayConnection[],
  cases: number,
  limits: PlayLimits,
): number {
  const replies = connections.reduce(
    (n, c) => n + c.steps.filter((s) => s.kind !== "receive" && s.kind !== "receive-eof").length,
    0,
  );
  const first = connections[0]?.steps.length ?? 0;
  const perCase = (replies + first + connections.length + 1) * limits.replyTimeoutMs +
    Math.max(limits.stallMs, limits.spikeMs);
  return (cases + 1) * perCase;
}
