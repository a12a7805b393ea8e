/**
 * Chaos for a client: the recording's server side is replayed (the replayer) behind a
 * proxy that breaks the server's answers — reset, close or stall before or half-way
 * through each recorded reply, and, over the whole conversation, 1-byte slices and a
 * latency spike — while the client command runs against it. A case passes when the
 * client ends within the bound: with any exit code after a reset, close or stall (it
 * noticed and gave up, or retried), with 0 and a conversation that followed the
 * recording under slicing and latency. A client still running at the bound hangs.
 *
 * @module
 */
import { parseAddress } from "../address/address.ts";
import { type DirectionFaults, type Faults, noFaults } from "../proxy/faults.ts";
import { startProxy } from "../proxy/proxy.ts";
import type { ReplayConnection } from "../proxy/replay_plan.ts";
import { startReplay } from "../proxy/replayer.ts";
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import type { ChaosFault } from "./conversation.ts";

/** One client case. */
export interface ClientCase {
  name: string;
  fault: ChaosFault;
  /** The connection (0-based, in recording order) the fault hits. */
  conn: number;
  /** The faults of the server → client direction. */
  down: DirectionFaults;
}

/** Options of {@linkcode runClientChaos}. */
export interface ClientChaosOptions {
  connections: ReplayConnection[];
  file: string;
  /** Run with `sh -c`; `{target}`, `{host}`, `{port}` are replaced (also in the environment). */
  command: string;
  /** The client must end within this (ms). */
  caseTimeoutMs: number;
  /** How long the replayer waits for each thing the client should do (ms). */
  replyTimeoutMs: number;
  spikeMs: number;
  faults?: readonly ChaosFault[];
  maxCases?: number;
  onResult?: (r: TestResult) => void;
}

/** The cases: each recorded reply × reset/close/stall (before, half-way), then slice, latency. */
export function clientCases(
  connections: ReplayConnection[],
  spikeMs: number,
  faults: readonly ChaosFault[] = ["reset", "close", "stall", "slice", "latency"],
): ClientCase[] {
  const cases: ClientCase[] = [];
  const field = { reset: "resetAfter", close: "closeAfter", stall: "stallAfter" } as const;
  connections.forEach((c, conn) => {
    const replies = c.steps.filter((s) => s.kind === "reply").map((s) => s.bytes.byteLength);
    let before = 0;
    replies.forEach((size, k) => {
      for (const mid of [false, true]) {
        if (mid && size < 2) continue;
        for (const fault of ["reset", "close", "stall"] as const) {
          if (!faults.includes(fault)) continue;
          const at = before + (mid ? Math.floor(size / 2) : 0);
          const where = `${mid ? "half-way through" : "before"} reply ${k + 1}/${replies.length}`;
          cases.push({
            name: `${c.name}: server ${fault}s ${where}`,
            fault,
            conn,
            down: { [field[fault]]: at },
          });
        }
      }
      before += size;
    });
    if (faults.includes("slice")) {
      cases.push({ name: `${c.name}: 1-byte answers`, fault: "slice", conn, down: { slice: 1 } });
    }
    if (faults.includes("latency")) {
      cases.push({
        name: `${c.name}: answers ${spikeMs}ms late`,
        fault: "latency",
        conn,
        down: { latencyMs: spikeMs },
      });
    }
  });
  return cases;
}

/** Runs `command` with the target filled in; kills it at the bound. */
async function runClient(
  command: string,
  port: number,
  ms: number,
): Promise<{ code: number; signal: string | null; hung: boolean; output: string }> {
  const target = `tcp://127.0.0.1:${port}`;
  const filled = command.replaceAll("{target}", target).replaceAll("{host}", "127.0.0.1")
    .replaceAll("{port}", String(port));
  // its own process group (setsid), so that the whole of it is killed at the bound
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", filled],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { WIREPLAY_TARGET: target, WIREPLAY_HOST: "127.0.0.1", WIREPLAY_PORT: String(port) },
  }).spawn();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }
  }, ms);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    hung,
    output: (dec.decode(out.stdout) + dec.decode(out.stderr)).trim().slice(0, 2000),
  };
}

/** Runs every case, one at a time. */
export async function runClientChaos(o: ClientChaosOptions): Promise<SuiteResult> {
  const started = performance.now();
  const cases = clientCases(o.connections, o.spikeMs, o.faults).slice(0, o.maxCases);
  const results: TestResult[] = [];
  for (const kase of cases) {
    const t0 = performance.now();
    const faults: Faults = { ...noFaults(), down: kase.down };
    await using replay = await startReplay({
      listen: { address: parseAddress("tcp://127.0.0.1:0") },
      connections: o.connections,
      file: o.file,
      timeoutMs: o.replyTimeoutMs,
      onLog: () => {},
    });
    await using proxy = await startProxy({
      listen: { address: parseAddress("tcp://127.0.0.1:0") },
      upstream: { address: parseAddress(replay.address) },
      // the fault hits the case's connection (clients connect in the recorded order)
      faultsFor: (id) => (id === kase.conn + 1 ? () => faults : () => noFaults()),
    });
    const run = await runClient(o.command, proxy.port, o.caseTimeoutMs);
    let problem: string | undefined;
    if (run.hung) problem = `the client hung: still running after ${o.caseTimeoutMs}ms`;
    else if (run.signal) problem = `the client died of ${run.signal}`;
    else if (kase.fault === "slice" || kase.fault === "latency") {
      const deviated = replay.results.filter((r) => !r.ok);
      if (run.code !== 0) problem = `the client exited ${run.code}`;
      else if (deviated.length) {
        problem = `the conversation deviated: ${deviated[0]!.failure?.reason ?? "?"}`;
      }
    }
    const r: TestResult = {
      file: kase.name,
      status: problem ? "failed" : "passed",
      durationMs: performance.now() - t0,
      message: problem ? `${problem}\n--- client output ---\n${run.output}` : undefined,
      statements: 0,
      output: [],
    };
    results.push(r);
    o.onResult?.(r);
  }
  const count = (s: TestResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    results,
    durationMs: performance.now() - started,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
}
