/**
 * Parsing a large `.wire` file: a generated ~100 MB recording of binary echo traffic (what
 * `wireplay record` writes inline: `send c1 hex "…"` / `expect c1 hex "…"`, 128 KiB a
 * statement), read and parsed through the path `wireplay run` takes (`openScriptFile`:
 * chunks → lines → statements), side by side with a plain reference on the same bytes in
 * the same run (read the file in chunks, decode UTF-8, cut lines, decode each hex literal
 * with `Uint8Array.fromHex`: the least work that yields the payload bytes); rounds
 * interleaved, medians. Also a recording of long escaped text, and the time from spawning
 * `wireplay run` on the binary file to its first statement's effect (the `connect` reaching
 * a listener), against the time a whole parse takes.
 *
 *     deno run -A bench/parse_bench.ts [--mb 100] [--rounds 5]
 *
 * Goal (issue 17): ≥ 50 MB/s, and statements start before the whole file is parsed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { median, reportRow } from "./_summary.ts";
import { writeWireRecording } from "./_wire_gen.ts";
import { openScriptFile } from "../lib/run/interpreter.ts";
import { readUserTextChunks } from "../lib/fs/read_file.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mb: { type: "string", default: "100" }, rounds: { type: "string", default: "5" } },
});
const mb = Number(values.mb);
const rounds = Number(values.rounds);
const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "wireplay-parse-bench-" });

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Ours: the file through the engine's own path; returns how many statements. */
async function ours(path: string): Promise<number> {
  let n = 0;
  for await (const _ of (await openScriptFile(path)).statements) n++;
  return n;
}

/** The reference: chunks, UTF-8, lines, each hex literal decoded; returns payload bytes. */
async function reference(path: string): Promise<number> {
  const fromHex = (Uint8Array as unknown as { fromHex(h: string): Uint8Array }).fromHex;
  let bytes = 0;
  let carry = "";
  const take = (line: string) => {
    const open = line.indexOf('hex "');
    if (open < 0) return;
    const close = line.indexOf('"', open + 5);
    bytes += fromHex(line.slice(open + 5, close)).byteLength;
  };
  for await (const chunk of await readUserTextChunks(path)) {
    let from = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
      take(from === 0 ? carry + chunk.slice(0, nl) : chunk.slice(from, nl));
      from = nl + 1;
    }
    carry = from === 0 ? carry + chunk : chunk.slice(from);
  }
  take(carry);
  return bytes;
}

/** Interleaved rounds of ours and the reference on one file; MB/s medians and CPU. */
async function measure(path: string, size: number) {
  const oursMs: number[] = [];
  const refMs: number[] = [];
  let cpu = 0;
  let statements = 0;
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuNow();
    let t = performance.now();
    statements = await ours(path);
    oursMs.push(performance.now() - t);
    cpu += cpuNow() - c0;
    t = performance.now();
    await reference(path);
    refMs.push(performance.now() - t);
  }
  const o = median(oursMs);
  const p = median(refMs);
  return {
    statements,
    oursMBs: size / 1e6 / (o / 1000),
    refMBs: size / 1e6 / (p / 1000),
    oursMs: o,
    refMs: p,
    cpuPer100MB: (cpu / rounds) / (size / 1e8),
  };
}

/** ms from spawning `wireplay run FILE` until its first statement (a connect) arrives. */
async function timeToFirstStatement(path: string): Promise<number> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}cli.ts`,
      "run",
      path,
      "--var",
      `target=tcp://127.0.0.1:${listener.addr.port}`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const conn = await listener.accept();
    const ms = performance.now() - started;
    conn.close();
    return ms;
  } finally {
    clearTimeout(timer);
    child.kill("SIGKILL");
    await child.status;
  }
}

/** ms from spawning `wireplay run` on a one-statement script to that statement. */
async function startupOnly(): Promise<number> {
  const path = `${dir}/tiny.wire`;
  await Deno.writeTextFile(path, "connect ${target} as c1\n");
  return await timeToFirstStatement(path);
}

try {
  const binPath = `${dir}/binary.wire`;
  const textPath = `${dir}/text.wire`;
  const binSize = await writeWireRecording(binPath, { bytes: mb * 1e6 });
  const textSize = await writeWireRecording(textPath, { bytes: mb * 1e6, kind: "text" });
  console.log(
    `parse_bench: ${(binSize / 1e6).toFixed(0)} MB binary, ${
      (textSize / 1e6).toFixed(0)
    } MB text recordings, ${rounds} rounds`,
  );

  const bin = await measure(binPath, binSize);
  console.log(
    `binary: ours ${bin.oursMBs.toFixed(0)} MB/s (${bin.oursMs.toFixed(0)} ms, ${bin.statements} ` +
      `statements, ${bin.cpuPer100MB.toFixed(2)} CPU s/100 MB); reference ${
        bin.refMBs.toFixed(0)
      } MB/s (${bin.refMs.toFixed(0)} ms)`,
  );
  reportRow({
    bench: "parse_bench",
    row: `parse a ${(binSize / 1e6).toFixed(0)} MB binary echo recording (run's path)`,
    ours: `${bin.oursMBs.toFixed(0)} MB/s`,
    peer: "goal from issue 17",
    ratio: bin.oursMBs,
    unit: "MB/s",
    goal: { op: ">=", value: 50 },
    note: `median of ${rounds}; ${bin.cpuPer100MB.toFixed(2)} CPU s per 100 MB`,
  });
  reportRow({
    bench: "parse_bench",
    row: "binary recording parse vs a minimal read+split+fromHex loop (time)",
    ours: `${bin.oursMs.toFixed(0)} ms`,
    peer: `minimal loop ${bin.refMs.toFixed(0)} ms`,
    ratio: bin.oursMs / bin.refMs,
    note: `same file, same run, interleaved, median of ${rounds}`,
  });

  const text = await measure(textPath, textSize);
  console.log(
    `text:   ours ${text.oursMBs.toFixed(0)} MB/s (${text.oursMs.toFixed(0)} ms, ${
      text.cpuPer100MB.toFixed(2)
    } CPU s/100 MB)`,
  );
  reportRow({
    bench: "parse_bench",
    row: `parse a ${(textSize / 1e6).toFixed(0)} MB recording of escaped text`,
    ours: `${text.oursMBs.toFixed(0)} MB/s`,
    peer: "goal from issue 17",
    ratio: text.oursMBs,
    unit: "MB/s",
    goal: { op: ">=", value: 50 },
    note: `median of ${rounds}`,
  });

  const first: number[] = [];
  const tiny: number[] = [];
  for (let r = 0; r < 3; r++) {
    first.push(await timeToFirstStatement(binPath));
    tiny.push(await startupOnly());
  }
  const f = median(first);
  const s = median(tiny);
  console.log(
    `run: first statement after ${f.toFixed(0)} ms (a one-line script: ${
      s.toFixed(0)
    } ms; a whole parse takes ${bin.oursMs.toFixed(0)} ms)`,
  );
  reportRow({
    bench: "parse_bench",
    row: `wireplay run on the ${(binSize / 1e6).toFixed(0)} MB recording: time to first statement`,
    ours: `${f.toFixed(0)} ms`,
    peer: `a one-statement script ${s.toFixed(0)} ms; whole parse ${bin.oursMs.toFixed(0)} ms`,
    ratio: f,
    unit: "ms",
    note: "from spawn to the connect reaching a listener, median of 3",
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
