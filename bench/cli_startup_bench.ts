/**
 * One-shot CLI start-up: the time from spawn to exit of `wireplay run` on a one-statement
 * script (`print "ready"`), with the flags of `deno task wireplay` and a warm cache, next to
 * a bare `deno run` of an empty file (the platform's floor); median of interleaved spawns.
 * Start-up is what a short command (`run`, `test`, `http`, `send-file`…) pays on top of
 * its work. Report only (no goal).
 *
 *     deno run -A bench/cli_startup_bench.ts [--runs 20]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "20" } },
});
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "wireplay-cli-startup-" });
const script = `${dir}/one.wire`;
const empty = `${dir}/empty.ts`;
await Deno.writeTextFile(script, 'print "ready"\n');
await Deno.writeTextFile(empty, "");

// the flags of `deno task wireplay` (deno.json)
const WIREPLAY = [
  "run",
  "--v8-flags=--enable-experimental-regexp-engine-on-excessive-backtracks",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=networkInterfaces,hostname,statfs",
  `${root}cli.ts`,
];

interface Subject {
  label: string;
  args: string[];
  /** what stdout must show, so that a failed start is not timed as a fast one */
  shows: string;
  ms: number[];
}

const subjects: Subject[] = [
  {
    label: "wireplay run (1 statement)",
    args: [...WIREPLAY, "run", script],
    shows: "ready",
    ms: [],
  },
  { label: "deno run (empty file)", args: ["run", empty], shows: "", ms: [] },
];

/** Spawns `s` once and returns ms from spawn to exit. */
async function once(s: Subject): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: s.args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - started;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !text.includes(s.shows)) {
    throw new Error(`${s.label}: exit ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

// warm the caches, then interleave, so that a busy machine slows both alike
for (const s of subjects) await once(s);
for (let i = 0; i < runs; i++) for (const s of subjects) s.ms.push(await once(s));
await Deno.remove(dir, { recursive: true });

console.log(`${runs} interleaved spawns each (warm cache), spawn → exit`);
for (const s of subjects) {
  console.log(
    `${s.label.padEnd(28)} median ${median(s.ms).toFixed(0).padStart(4)} ms` +
      ` (min ${Math.min(...s.ms).toFixed(0)})`,
  );
}
const [ours, floor] = subjects.map((s) => median(s.ms)) as [number, number];
console.log(`above the floor: ${(ours - floor).toFixed(0)} ms`);
reportRow({
  bench: "cli_startup_bench",
  row: "`wireplay run` of a one-statement script, spawn → exit (warm cache)",
  ours: `${ours.toFixed(0)} ms`,
  peer: `bare \`deno run\` of an empty file ${floor.toFixed(0)} ms`,
  ratio: ours,
  unit: "ms",
  note: `median of ${runs} interleaved spawns; ${(ours - floor).toFixed(0)} ms above the floor`,
});
