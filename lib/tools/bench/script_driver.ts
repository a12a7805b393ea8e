/**
 * `bench script FILE.wire`: each virtual user runs the script through the one interpreter
 * (`lib/run`), in a fresh session per iteration, timing every top-level statement. An
 * iteration is one "request"; a failed statement is an error of its kind, counted against
 * that statement.
 *
 * @module
 */
import type { Script } from "../../script/ast.ts";
import { parseScript } from "../../script/parser.ts";
import { execute } from "../../run/interpreter.ts";
import { Session } from "../../run/session.ts";
import { BenchError, type Driver, errorKind } from "./drivers.ts";
import { encodeHistogram, type Histogram, newHistogram } from "./histogram.ts";
import type { BenchSpec, StatementPartial } from "./spec.ts";

interface StatementTally {
  where: string;
  statement: string;
  histogram: Histogram;
  errors: Record<string, number>;
}

/** The virtual users of one isolate and what their statements measured. */
export class ScriptLoad {
  readonly script: Script;
  readonly #tallies: StatementTally[];
  constructor(readonly spec: BenchSpec) {
    this.script = parseScript(spec.script!.text, spec.script!.file);
    this.#tallies = this.script.statements.map((s) => ({
      where: `${this.script.file}:${s.span.line}`,
      statement: s.source,
      histogram: newHistogram(),
      errors: {},
    }));
  }

  /** A virtual user. */
  driver(): ScriptDriver {
    return new ScriptDriver(this, this.#tallies);
  }

  /** Per statement, in script order; releases the histograms. */
  report(): StatementPartial[] {
    return this.#tallies.map((t) => {
      const out: StatementPartial = {
        where: t.where,
        statement: t.statement,
        count: t.histogram.totalCount,
        histogram: encodeHistogram(t.histogram),
        errors: t.errors,
      };
      t.histogram.destroy();
      return out;
    });
  }
}

/** One virtual user: each `once()` runs the script once. */
export class ScriptDriver implements Driver {
  sent = 0;
  received = 0;
  #abort: AbortController | undefined;
  #closed = false;
  /** Statement index and µs of the last iteration, flattened. */
  #times: number[] = [];
  #failed: [number, string] | undefined;

  constructor(readonly load: ScriptLoad, readonly tallies: StatementTally[]) {}

  async once(): Promise<void> {
    if (this.#closed) throw new BenchError("closed");
    const abort = new AbortController();
    this.#abort = abort;
    this.#times.length = 0;
    this.#failed = undefined;
    const { spec, script } = this.load;
    const session = new Session({
      file: script.file,
      vars: spec.script!.vars,
      timeoutMs: spec.timeoutMs,
      print: () => {},
      signal: abort.signal,
    });
    // bytes through connect/bind channels (http statements run their own client, not counted)
    let sent = 0, received = 0;
    session.events.on((e) => {
      if (e.type === "data") received += e.bytes.byteLength;
      else if (e.type === "sent") sent += e.bytes.byteLength;
    });
    let i = 0;
    try {
      for (; i < script.statements.length; i++) {
        const t = performance.now();
        await execute(script.statements[i]!, session);
        this.#times.push(i, Math.max(1, Math.round((performance.now() - t) * 1000)));
      }
      this.sent = sent;
      this.received = received;
    } catch (e) {
      if (this.#closed) throw new BenchError("closed");
      const kind = abort.signal.aborted ? "timeout" : scriptErrorKind(e);
      this.#failed = [i, kind];
      const text = e instanceof Error ? e.message.split("\n")[0]! : String(e);
      throw new BenchError(kind, text);
    } finally {
      this.#abort = undefined;
      await session.close();
    }
  }

  /** Counts the last iteration (it fell in the measured window). */
  commit(): void {
    for (let k = 0; k < this.#times.length; k += 2) {
      this.tallies[this.#times[k]!]!.histogram.recordValue(this.#times[k + 1]!);
    }
    if (this.#failed) {
      const errors = this.tallies[this.#failed[0]]!.errors;
      errors[this.#failed[1]] = (errors[this.#failed[1]] ?? 0) + 1;
    }
  }

  abort(): void {
    this.#abort?.abort();
  }

  close(): void {
    this.#closed = true;
    this.abort();
  }
}

/** The kind a failed statement counts as: `timeout`, `mismatch`, `closed`, `refused`, … */
export function scriptErrorKind(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause instanceof Error && cause.name === "MatchError") {
    const reason = (cause as Error & { reason: string }).reason;
    return reason === "aborted" ? "cancelled" : reason;
  }
  if (cause instanceof Error && cause.name !== "ExpectationError") {
    const kind = errorKind(cause);
    if (kind !== cause.name) return kind;
  }
  const reason = e instanceof Error ? ((e as Error & { reason?: string }).reason ?? e.message) : "";
  if (/timed out|timeout/i.test(reason)) return "timeout";
  if (/refused/i.test(reason)) return "refused";
  if (/reset/i.test(reason)) return "reset";
  if (/closed|end of stream|\beof\b/i.test(reason)) return "closed";
  if (/differs|does not match|expected|assertion failed|matching/i.test(reason)) return "mismatch";
  return "failed";
}
