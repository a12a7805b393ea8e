/**
 * `wireplay bench tcp --mode stream` (one connection into a socat sink) side by side with
 * iperf3 (one stream), alternating, median of the rounds.
 *
 *     deno run -A bench/tools_stream_bench.ts [--seconds 4] [--rounds 2]
 *
 * Goal (issue 6): ≥ 0.7× iperf3's throughput.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string", default: "4" }, rounds: { type: "string", default: "2" } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const cli = new URL("../cli.ts", import.meta.url).pathname;

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`nothing listening on ${port}`);
}

const ours: number[] = [], theirs: number[] = [];
for (let i = 0; i < rounds; i++) {
  const ip = getAvailablePort();
  const server = new Deno.Command("iperf3", {
    args: ["-s", "-p", String(ip), "-B", "127.0.0.1"],
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  await waitForPort(ip);
  const c = await new Deno.Command("iperf3", {
    args: ["-c", "127.0.0.1", "-p", String(ip), "-t", String(seconds), "-J"],
    stdout: "piped",
  }).output();
  server.kill();
  await server.status;
  theirs.push(JSON.parse(new TextDecoder().decode(c.stdout)).end.sum_received.bits_per_second);

  const sp = getAvailablePort();
  const sink = new Deno.Command("socat", {
    args: [
      "-u",
      "-b",
      "262144",
      `TCP-LISTEN:${sp},bind=127.0.0.1,reuseaddr,fork`,
      "OPEN:/dev/null",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(sp);
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      cli,
      "bench",
      `tcp://127.0.0.1:${sp}`,
      "--mode",
      "stream",
      "--conns",
      "1",
      "--duration",
      `${seconds}s`,
      "--warmup",
      "500ms",
      "--json",
    ],
    stdout: "piped",
  }).output();
  try {
    sink.kill();
  } catch { /* exited when the connection closed */ }
  await sink.status;
  ours.push(JSON.parse(new TextDecoder().decode(o.stdout)).throughput * 8);
}
const g = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;
console.log(
  `TCP one-way stream over loopback, 1 connection, ${seconds}s, ${rounds} rounds (median)`,
);
console.log(
  `  wireplay bench --mode stream  ${g(median(ours)).padStart(14)}   [${ours.map(g).join(", ")}]`,
);
console.log(
  `  iperf3 -c                     ${g(median(theirs)).padStart(14)}   [${
    theirs.map(g).join(", ")
  }]`,
);
console.log(
  `  ratio wireplay/iperf3         ${(median(ours) / median(theirs)).toFixed(2)}×   (goal ≥ 0.70×)`,
);
reportRow({
  bench: "tools_stream_bench",
  row: "`bench tcp --mode stream` vs iperf3, 1 connection",
  ours: g(median(ours)),
  peer: `iperf3 ${g(median(theirs))}`,
  ratio: median(ours) / median(theirs),
  goal: { op: ">=", value: 0.7 },
  note: `median of ${rounds} alternating rounds of ${seconds}s`,
});
