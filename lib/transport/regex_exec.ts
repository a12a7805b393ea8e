/**
 * Runs a user's regex so that a match honours its deadline whatever the pattern.
 *
 * Patterns V8's linear-time engine can run (no lookahead, negative lookbehind or
 * backreference) run in place: every entry point of wireplay starts Deno with
 * `--v8-flags=--enable-experimental-regexp-engine-on-excessive-backtracks`, so that an
 * excessive backtrack falls back to linear time. The others run in a worker while the
 * caller waits on a shared buffer, at most until the deadline; a worker that overruns is
 * terminated (its thread may run on until the process exits) and the match fails with
 * `RegexTimeoutError`. The worker costs about half a millisecond per search.
 *
 * @module
 */

/** A regex search that did not finish by its deadline. */
export class RegexTimeoutError extends Error {
  override name = "RegexTimeoutError";
}

/** A minimal exec result: enough for matchers (index, match, groups, named groups). */
export type ExecResult = RegExpExecArray;

let worker: Worker | undefined;
let ready: Promise<void> | undefined;
let isReady = false;

/** Starts the worker (once) and resolves when it answers. */
export function prepareRegexWorker(): Promise<void> {
  if (ready) return ready;
  const w = new Worker(new URL("./regex_worker.ts", import.meta.url), { type: "module" });
  worker = w;
  ready = new Promise<void>((resolve, reject) => {
    w.onmessage = (e) => {
      if (e.data === "ready") {
        isReady = true;
        resolve();
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the regex worker failed to start: ${e.message}`));
    };
  });
  w.postMessage("ping");
  return ready;
}

/** Stops the worker, if one runs. */
export function stopRegexWorker(): void {
  worker?.terminate();
  worker = undefined;
  ready = undefined;
  isReady = false;
}

/**
 * Searches `text` with `re`. `inPlace` says the pattern is safe to run here (linear
 * engine); otherwise the search runs in the worker, which `prepareRegexWorker()` must
 * have started.
 *
 * @throws {RegexTimeoutError} when the search is still running at `deadline`
 *   (a `performance.now()` time).
 */
export function execBounded(
  re: RegExp,
  inPlace: boolean,
  text: string,
  deadline: number,
): RegExpExecArray | null {
  if (inPlace) return re.exec(text);
  if (!worker || !isReady) throw new Error("the regex worker is not ready");
  const sab = new SharedArrayBuffer(8 + 64 * 1024);
  const ctl = new Int32Array(sab, 0, 2);
  worker.postMessage({ source: re.source, flags: re.flags, text, sab });
  const wait = Math.max(1, deadline - performance.now());
  const r = Atomics.wait(ctl, 0, 0, wait);
  if (r === "timed-out") {
    stopRegexWorker();
    throw new RegexTimeoutError(
      `the pattern /${re.source}/ was still searching at the deadline (catastrophic backtracking?)`,
    );
  }
  const n = ctl[1]!;
  if (n < 0) throw new Error("regex result too large");
  const json = new TextDecoder().decode(new Uint8Array(sab, 8, n).slice());
  const parsed = JSON.parse(json) as
    | null
    | {
      indices: ([number, number] | null)[];
      named: Record<string, [number, number] | null> | null;
    };
  if (!parsed) return null;
  const slice = (p: [number, number] | null | undefined) => p ? text.slice(p[0], p[1]) : undefined;
  const arr = parsed.indices.map(slice) as unknown as RegExpExecArray;
  arr.index = parsed.indices[0]![0];
  arr.input = text;
  if (parsed.named) {
    const groups: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(parsed.named)) groups[k] = slice(v);
    arr.groups = groups as Record<string, string>;
  }
  return arr;
}
