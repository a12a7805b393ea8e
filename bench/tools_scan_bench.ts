/**
 * `wireplay scan` of all 65535 ports of 127.0.0.1 inside a private network namespace
 * (a few ports open), side by side with `nmap -sT -n -p- -T4` in the same namespace.
 * Wall time of each whole command (start-up included), median of the rounds, and how
 * many of the open ports each found.
 *
 *     deno run -A bench/tools_scan_bench.ts [--rounds 3]
 *
 * Both of our engines are timed: `ffi` (raw sockets, what `-A` picks) and `deno`
 * (`Deno.connect`, what runs without `--allow-ffi`).
 *
 * Goal (issue 6): ≤ 1.0× nmap's wall time with 100% of the open ports found.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "3" } },
});
const rounds = Number(values.rounds);
const here = new URL(import.meta.url).pathname;
const cli = new URL("../cli.ts", import.meta.url).pathname;
const OPEN = [22, 80, 443, 3306, 8080, 40000, 45678, 65535];

if (!Deno.env.get("WIREPLAY_SCAN_BENCH_NS")) {
  // Re-run this file inside a fresh network namespace with only loopback up.
  const out = await new Deno.Command("unshare", {
    args: [
      "-n",
      "sh",
      "-c",
      `ip link set lo up && exec "${Deno.execPath()}" run -A "${here}" --rounds ${rounds}`,
    ],
    env: { WIREPLAY_SCAN_BENCH_NS: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(out.code);
}

const listeners = OPEN.map((port) => Deno.listen({ hostname: "127.0.0.1", port }));
// Accept and close whatever connects, so the backlog never fills.
for (const l of listeners) {
  (async () => {
    try {
      for await (const c of l) c.close();
    } catch { /* closed */ }
  })();
}

async function timed(cmd: string, args: string[]): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).output();
  const ms = performance.now() - t0;
  if (!r.success) throw new Error(`${cmd} failed`);
  return { ms, out: new TextDecoder().decode(r.stdout) };
}

const engines = ["ffi", "deno"] as const;
const ours: Record<string, number[]> = { ffi: [], deno: [] };
const inside: Record<string, number[]> = { ffi: [], deno: [] };
const found: Record<string, number> = { ffi: 0, deno: 0, nmap: 0 };
const falsePositives: Record<string, number> = { ffi: 0, deno: 0 };
const theirs: number[] = [];
for (let i = 0; i < rounds; i++) {
  for (const engine of engines) {
    const a = await timed(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      cli,
      "scan",
      "127.0.0.1",
      "--ports",
      "-",
      "--engine",
      engine,
      "--json",
    ]);
    const r = JSON.parse(a.out);
    const open: number[] = r.open.map((p: { port: number }) => p.port);
    found[engine]! += OPEN.filter((p) => open.includes(p)).length;
    falsePositives[engine]! += open.filter((p) => !OPEN.includes(p)).length;
    ours[engine]!.push(a.ms);
    inside[engine]!.push(r.elapsedMs);
  }
  const b = await timed("nmap", ["-sT", "-n", "-p-", "-T4", "127.0.0.1", "-oG", "-"]);
  found.nmap! += OPEN.filter((p) => new RegExp(`\\b${p}/open/`).test(b.out)).length;
  theirs.push(b.ms);
}
for (const l of listeners) l.close();

const pct = (n: number) => ((100 * n) / (OPEN.length * rounds)).toFixed(0);
const list = (xs: number[]) => `[${xs.map((x) => x.toFixed(0)).join(", ")}]`;
console.log(
  `scan 127.0.0.1, all 65535 ports, ${OPEN.length} open, ${rounds} rounds (median wall time of the whole command)`,
);
for (const engine of engines) {
  console.log(
    `  wireplay scan --engine ${engine.padEnd(4)} ${
      median(ours[engine]!).toFixed(0).padStart(6)
    } ms  (scan itself ${median(inside[engine]!).toFixed(0)} ms)  found ${
      pct(found[engine]!)
    }%  false positives ${falsePositives[engine]}  ${list(ours[engine]!)}`,
  );
}
console.log(
  `  nmap -sT -n -p- -T4        ${median(theirs).toFixed(0).padStart(6)} ms  found ${
    pct(found.nmap!)
  }%  ${list(theirs)}`,
);
for (const engine of engines) {
  console.log(
    `  ratio wireplay(${engine})/nmap  ${
      (median(ours[engine]!) / median(theirs)).toFixed(2)
    }×   (goal ≤ 1.00×)`,
  );
}
for (const engine of engines) {
  reportRow({
    bench: "tools_scan_bench",
    row: `scan all 65535 ports of 127.0.0.1 (--engine ${engine}) vs nmap -sT, wall time`,
    ours: `${median(ours[engine]!).toFixed(0)} ms (found ${pct(found[engine]!)}%)`,
    peer: `nmap -sT -T4 ${median(theirs).toFixed(0)} ms (found ${pct(found.nmap!)}%)`,
    ratio: median(ours[engine]!) / median(theirs),
    // the goal is on the engine a big scan picks by default (auto → ffi); deno only reports
    ...(engine === "ffi" ? { goal: { op: "<=" as const, value: 1.0 } } : {}),
    note: `median of ${rounds} rounds, whole command`,
  });
}
