/**
 * Fuzzing from a recording: each case mutates one connection's client messages (case
 * `i` of seed `S` draws from seed `S + i`, so any case is reproduced alone), sends them
 * to the target reading what it answers, then checks the target: refusing connections
 * is a crash, not answering a new client as recorded is a hang, resetting the fuzzed
 * connection is a reset. Each finding is shrunk (fewest messages that still give it,
 * then fewest bytes of the last one, when the target can be brought back) and saved as
 * a reproducer `.wire`.
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { playConnection, type PlayLimits } from "../chaos/conversation.ts";
import { reproducerText, saveReproducer } from "../chaos/reproducer.ts";
import type { Target } from "../chaos/target.ts";
import type { ReplayConnection } from "../proxy/replay_plan.ts";
import { openDuplex } from "../transport/connect.ts";
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import { mutate, type Mutated, Rng } from "./mutate.ts";

/** The most attempts spent shrinking one finding's message byte-wise. */
export const MAX_SHRINK_TRIES = 16;

/** What a case found. */
export type FindingKind = "crash" | "hang" | "reset";

/** One finding. */
export interface Finding {
  kind: FindingKind;
  /** The case number (0-based) and the seed it drew from. */
  case: number;
  seed: number;
  connection: string;
  mutation: string;
  /** The messages that reproduce it, after shrinking. */
  messages: Uint8Array[];
  /** True when shrinking ran (the target could be brought back to try). */
  minimized: boolean;
  reproducer?: string;
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  target: Target;
  connections: ReplayConnection[];
  cases: number;
  seed: number;
  limits: PlayLimits;
  /** Save reproducers here. */
  saveDir?: string;
  /** Stop after this many findings (default 10). */
  maxFindings?: number;
  onCase?: (i: number, m: Mutated, finding?: FindingKind) => void;
}

/** What a campaign did. */
export interface FuzzReport {
  cases: number;
  findings: Finding[];
  /** Why it stopped early, if it did. */
  stopped?: string;
}

/** Sends `messages` one by one, reading up to `replyLens[i]` bytes after each. */
async function sendAll(
  addr: Address,
  messages: Uint8Array[],
  replyLens: number[],
  ms: number,
): Promise<"ok" | "reset" | "refused" | "timeout"> {
  let c: ByteDuplex;
  try {
    c = await openDuplex(addr, {}, AbortSignal.timeout(ms));
  } catch {
    return "refused";
  }
  let timedOut = false;
  const buf = new Uint8Array(64 * 1024);
  try {
    const read = async (want: number): Promise<boolean> => {
      const timer = setTimeout(() => {
        timedOut = true;
        c.close();
      }, ms);
      try {
        while (want > 0) {
          const n = await c.read(buf.subarray(0, Math.min(buf.byteLength, want)));
          if (n === null) return false; // the server closed: its right
          want -= n;
        }
        return true;
      } finally {
        clearTimeout(timer);
      }
    };
    for (const [i, m] of messages.entries()) {
      await writeAll(c, m);
      const want = replyLens[i] ?? 0;
      if (want > 0 && !(await read(want))) return "ok";
    }
    // let the server take in everything: half-close, read to its end (bounded)
    await c.closeWrite();
    await read(Infinity);
    return "ok";
  } catch (e) {
    if (timedOut) return "timeout";
    return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe
      ? "reset"
      : "ok";
  } finally {
    try {
      c.close();
    } catch { /* closed */ }
  }
}

/** The replies' sizes after each client message of a connection. */
function replyLengths(c: ReplayConnection): number[] {
  const lens: number[] = [];
  for (const s of c.steps) {
    if (s.kind === "receive") lens.push(0);
    else if (s.kind === "reply" && lens.length) lens[lens.length - 1]! += s.bytes.byteLength;
  }
  return lens;
}

/** Runs the campaign. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const addr = o.target.address;
  const findings: Finding[] = [];
  const probe = o.connections[0]!;
  const baseline = await playConnection(addr, probe, { limits: o.limits });
  if (!baseline.ok) {
    throw new Error(`${probe.name} does not replay cleanly against ${o.target.label}`);
  }
  /** The target after a case: crashed, hung, or fine. */
  const health = async (): Promise<FindingKind | undefined> => {
    if (!(await o.target.accepts(o.limits.replyTimeoutMs))) return "crash";
    const p = await playConnection(addr, probe, { limits: o.limits, baseline: baseline.replies });
    if (p.ok) return undefined;
    // a target that was dying while the probe ran refuses now
    if (p.problem === "refused" || !(await o.target.accepts(o.limits.replyTimeoutMs))) {
      return "crash";
    }
    return "hang";
  };
  const attempt = async (
    messages: Uint8Array[],
    lens: number[],
  ): Promise<FindingKind | undefined> => {
    const sent = await sendAll(addr, messages, lens, o.limits.replyTimeoutMs);
    if (sent === "refused") return "crash";
    const h = await health();
    return h ?? (sent === "reset" ? "reset" : undefined);
  };
  const revive = async (): Promise<boolean> =>
    (await o.target.accepts(o.limits.replyTimeoutMs)) &&
      (await health()) === undefined || await o.target.restart();
  /**
   * Shrinks the last message byte-wise: drops halves, quarters… from its front or its
   * end while the finding stays the same (at most {@linkcode MAX_SHRINK_TRIES} tries).
   */
  const shrinkLast = async (
    msgs: Uint8Array[],
    lens: number[],
    kind: FindingKind,
  ): Promise<Uint8Array[]> => {
    const head = msgs.slice(0, -1);
    let last = msgs.at(-1)!;
    let tries = 0;
    for (let cut = Math.floor(last.byteLength / 2); cut >= 1; cut = Math.floor(cut / 2)) {
      let shrunk = true;
      while (shrunk && cut < last.byteLength) {
        shrunk = false;
        for (const candidate of [last.subarray(cut), last.subarray(0, last.byteLength - cut)]) {
          if (tries++ >= MAX_SHRINK_TRIES || !(await revive())) return [...head, last];
          if ((await attempt([...head, candidate], lens)) === kind) {
            last = candidate;
            shrunk = true;
            break;
          }
        }
      }
    }
    return [...head, last];
  };
  for (let i = 0; i < o.cases; i++) {
    const seed = (o.seed + i) >>> 0;
    const rng = new Rng(seed);
    const conn = o.connections[i % o.connections.length]!;
    const original = conn.steps.filter((s) => s.kind === "receive").map((s) => s.bytes);
    const m = mutate(original, rng);
    const lens = replyLengths(conn);
    // after a repeat the extra copies have no recorded reply: read none for them
    const mLens = m.mutation === "repeat"
      ? [
        ...lens.slice(0, m.index + 1),
        ...m.messages.slice(m.index + 1, m.index + 1 + (m.messages.length - original.length)).map(
          () => 0,
        ),
        ...lens.slice(m.index + 1),
      ]
      : lens;
    const kind = await attempt(m.messages, mLens);
    o.onCase?.(i, m, kind);
    if (!kind) continue;
    // shrink: the fewest messages around the mutated one that still give this finding
    let best = m.messages.slice(0, m.index + 1);
    let bestLens = mLens.slice(0, m.index + 1);
    let minimized = false;
    const candidates: [Uint8Array[], number[]][] = [
      [[m.messages[m.index]!], [mLens[m.index] ?? 0]],
      [best, bestLens],
    ];
    for (const [msgs, ls] of candidates) {
      if (!(await revive())) break;
      minimized = true;
      if ((await attempt(msgs, ls)) === kind) {
        best = msgs;
        bestLens = ls;
        break;
      }
    }
    if (minimized) best = await shrinkLast(best, bestLens, kind);
    const finding: Finding = {
      kind,
      case: i,
      seed,
      connection: conn.name,
      mutation: `${m.mutation}: ${m.description}`,
      messages: best,
      minimized,
    };
    if (o.saveDir) {
      finding.reproducer = await saveReproducer(
        o.saveDir,
        `fuzz-${String(findings.length + 1).padStart(3, "0")}-${kind}`,
        reproducerText({
          title: `wireplay fuzz: ${kind} (case ${i}, seed ${seed}: ${m.description})` +
            (minimized ? "" : " — not shrunk: the target could not be brought back to try"),
          target: addr,
          messages: best,
          end: "close",
          probe,
          timeoutMs: o.limits.replyTimeoutMs,
        }),
      );
    }
    findings.push(finding);
    if (findings.length >= (o.maxFindings ?? 10)) {
      return { cases: i + 1, findings, stopped: `${findings.length} findings` };
    }
    if (!(await revive())) {
      return {
        cases: i + 1,
        findings,
        stopped: `the target is down after case ${i} (give --restart to go on)`,
      };
    }
  }
  return { cases: o.cases, findings };
}
