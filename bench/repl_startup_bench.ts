/**
 * REPL startup on a real pseudo-terminal (util-linux `script` gives the pty): the time
 * from spawn to the first prompt, and to the result of a statement typed at once (the
 * interpreter loads while the prompt shows), median over repeated warm runs; side by
 * side with `deno repl` and `node -i` reaching their prompts.
 *
 *     deno run -A bench/repl_startup_bench.ts [--runs 15]
 *
 * Goal (issue 3): ≤ 150 ms to a ready prompt with a warm cache.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "15" } },
});
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;
const enc = new TextEncoder();
// the REPL's history goes to a throwaway state folder, not the user's
const state = await Deno.makeTempDir({ prefix: "wireplay-bench-" });

/**
 * Spawns `command` on a pty and returns ms until stdout shows `prompt`, and (when
 * `typed` is given) until it then shows `result` after typing `typed`.
 */
async function once(
  command: string,
  prompt: string,
  typed?: string,
  result?: string,
): Promise<{ prompt: number; result?: number }> {
  const started = performance.now();
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", TERM: "xterm", XDG_STATE_HOME: state },
  }).spawn();
  const writer = child.stdin.getWriter();
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  let seen = "";
  let promptAt: number | undefined;
  let resultAt: number | undefined;
  const dec = new TextDecoder();
  try {
    for await (const chunk of child.stdout) {
      seen += dec.decode(chunk, { stream: true });
      if (promptAt === undefined && seen.includes(prompt)) {
        promptAt = performance.now() - started;
        if (!typed) break;
        await writer.write(enc.encode(typed + "\r"));
        seen = "";
      }
      if (promptAt !== undefined && result && seen.includes(result)) {
        resultAt = performance.now() - started;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await writer.close().catch(() => {});
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
  if (promptAt === undefined) throw new Error(`${command}: no prompt`);
  return { prompt: promptAt, result: resultAt };
}

interface Subject {
  label: string;
  command: string;
  prompt: string;
  typed?: string;
  result?: string;
  prompts: number[];
  results: number[];
}

const subjects: Subject[] = [
  {
    label: "wireplay (cli.ts, no args)",
    command: "deno run -A cli.ts",
    prompt: "wireplay> ",
    typed: 'print "ready"',
    result: "\nready",
    prompts: [],
    results: [],
  },
  { label: "deno repl", command: "deno repl", prompt: "> ", prompts: [], results: [] },
  { label: "node -i", command: "node -i", prompt: "> ", prompts: [], results: [] },
];

// warm the caches, drop what is not installed
for (const s of [...subjects]) {
  try {
    await once(s.command, s.prompt, s.typed, s.result);
  } catch {
    console.log(`${s.label}: not available`);
    subjects.splice(subjects.indexOf(s), 1);
  }
}
// interleaved, so that a busy machine slows every subject alike
for (let i = 0; i < runs; i++) {
  for (const s of subjects) {
    const r = await once(s.command, s.prompt, s.typed, s.result);
    s.prompts.push(r.prompt);
    if (r.result !== undefined) s.results.push(r.result);
  }
}

console.log(`${runs} interleaved runs each (warm cache), spawn → prompt on a pty`);
for (const s of subjects) {
  console.log(
    `${s.label.padEnd(28)} prompt median ${median(s.prompts).toFixed(0).padStart(4)} ms` +
      ` (min ${Math.min(...s.prompts).toFixed(0)})` +
      (s.results.length
        ? `   first statement's result median ${median(s.results).toFixed(0)} ms`
        : ""),
  );
}
const ours = median(subjects[0]!.prompts);
await Deno.remove(state, { recursive: true });
for (const s of subjects.slice(1)) {
  console.log(`ratio wireplay / ${s.label}: ${(ours / median(s.prompts)).toFixed(2)}`);
}
console.log(
  `goal ≤ 150 ms to the prompt: ${ours <= 150 ? "met" : "NOT met"} (median ${ours.toFixed(0)} ms)`,
);
reportRow({
  bench: "repl_startup_bench",
  row: "REPL spawn → prompt on a pty (warm cache)",
  ours: `${ours.toFixed(0)} ms`,
  peer: subjects.slice(1).map((s) => `${s.label} ${median(s.prompts).toFixed(0)} ms`).join(", ") ||
    "no peer",
  ratio: ours,
  unit: "ms",
  goal: { op: "<=", value: 150 },
  note: `median of ${runs} interleaved runs`,
});
const denoRepl = subjects.find((s) => s.label === "deno repl");
if (denoRepl) {
  reportRow({
    bench: "repl_startup_bench",
    row: "REPL spawn → prompt vs `deno repl`",
    ours: `${ours.toFixed(0)} ms`,
    peer: `deno repl ${median(denoRepl.prompts).toFixed(0)} ms`,
    ratio: ours / median(denoRepl.prompts),
    note: `median of ${runs} interleaved runs`,
  });
}
