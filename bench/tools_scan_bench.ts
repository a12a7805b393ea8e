/**
 * `wireplay scan` of all 65535 ports of 127.0.0.1 inside a private network namespace
 * (a few ports open), side by side with `nmap -sT -n -p- -T4` in the same namespace.
 * Wall time of each whole command (start-up included), median of the rounds, and how
 * many of the open ports each found.
 *
 *     deno run -A bench/tools_scan_bench.ts [--rounds 3]
 *
 * Goal (issue 6): ≤ 1.0× nmap's wall time with 100% of the open ports found.
 *
 * @module
 */
import { parseArgs } from "node:util";

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

const ours: number[] = [], theirs: number[] = [];
let oursFound = 0, nmapFound = 0, oursFalse = 0;
for (let i = 0; i < rounds; i++) {
  const a = await timed(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    cli,
    "scan",
    "127.0.0.1",
    "--ports",
    "-",
    "--json",
  ]);
  const found: number[] = JSON.parse(a.out).open.map((p: { port: number }) => p.port);
  oursFound += OPEN.filter((p) => found.includes(p)).length;
  oursFalse += found.filter((p) => !OPEN.includes(p)).length;
  ours.push(a.ms);
  const b = await timed("nmap", ["-sT", "-n", "-p-", "-T4", "127.0.0.1", "-oG", "-"]);
  nmapFound += OPEN.filter((p) => new RegExp(`\\b${p}/open/`).test(b.out)).length;
  theirs.push(b.ms);
}
for (const l of listeners) l.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (n: number) => ((100 * n) / (OPEN.length * rounds)).toFixed(0);
console.log(
  `scan 127.0.0.1, all 65535 ports, ${OPEN.length} open, ${rounds} rounds (median wall time)`,
);
console.log(
  `  wireplay scan        ${median(ours).toFixed(0).padStart(6)} ms   found ${
    pct(oursFound)
  }%  false positives ${oursFalse}   [${ours.map((x) => x.toFixed(0)).join(", ")}]`,
);
console.log(
  `  nmap -sT -p- -T4     ${median(theirs).toFixed(0).padStart(6)} ms   found ${
    pct(nmapFound)
  }%   [${theirs.map((x) => x.toFixed(0)).join(", ")}]`,
);
console.log(
  `  ratio wireplay/nmap  ${(median(ours) / median(theirs)).toFixed(2)}×   (goal ≤ 1.00×)`,
);
