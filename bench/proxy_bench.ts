/**
 * Bulk throughput through `wireplay proxy` side by side with direct loopback and a socat
 * proxy, iperf3 generating the traffic through each; then the proxy with recording on.
 *
 *     deno run -A bench/proxy_bench.ts [--seconds 3] [--rounds 3] [--streams 1] [--no-record]
 *
 * Each round runs direct, wireplay and socat one after the other; the figures printed
 * are the medians over the rounds (loopback throughput on a busy 2-core machine varies a
 * lot from one run to the next). Goals (issue 5): proxy ≥ 0.5× direct, ≥ 2× socat.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    streams: { type: "string", default: "1" },
    "no-record": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const streams = Number(values.streams);
const rounds = Math.max(1, Number(values.rounds));
const root = new URL("..", import.meta.url).pathname;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs an iperf3 client against `port` and returns received bits per second. */
async function iperf(port: number): Promise<number> {
  const out = await new Deno.Command("iperf3", {
    args: [
      "-c",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      String(seconds),
      "-P",
      String(streams),
      "-J",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const json = JSON.parse(text);
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  return json.end.sum_received.bits_per_second as number;
}

/** Starts an iperf3 server; returns its port and the process. */
async function iperfServer(): Promise<{ port: number; child: Deno.ChildProcess }> {
  const port = freePort();
  const child = new Deno.Command("iperf3", {
    args: ["-s", "-p", String(port), "-B", "127.0.0.1"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForListen(port, child);
  return { port, child };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* exited */ }
  await child.status;
}

/** Waits until something listens on `port` without connecting (a probe would reach iperf3). */
async function waitForListen(port: number, child: Deno.ChildProcess): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const table = await Deno.readTextFile("/proc/net/tcp").catch(() => "");
    if (table.split("\n").some((l) => l.includes(hex) && / 0A /.test(l))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`nothing listening on ${port}`);
}

async function through(
  start: (upstreamPort: number, listenPort: number) => Deno.ChildProcess,
): Promise<number> {
  const server = await iperfServer();
  const port = freePort();
  const proxy = start(server.port, port);
  try {
    await waitForListen(port, proxy);
    return await iperf(port);
  } finally {
    await stop(proxy);
    await stop(server.child);
  }
}

async function direct(): Promise<number> {
  const server = await iperfServer();
  try {
    return await iperf(server.port);
  } finally {
    await stop(server.child);
  }
}

function wireplay(extra: string[]) {
  return (up: number, port: number) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        Deno.env.get("WIREPLAY_CLI") ?? `${root}cli.ts`,
        ...extra,
        "--listen",
        `tcp://127.0.0.1:${port}`,
        "--upstream",
        `tcp://127.0.0.1:${up}`,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
}

const socat = (up: number, port: number) =>
  new Deno.Command("socat", {
    args: [`TCP-LISTEN:${port},fork,reuseaddr,bind=127.0.0.1`, `TCP:127.0.0.1:${up}`],
    stdout: "null",
    stderr: "null",
  }).spawn();

const gbit = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const all = { direct: [] as number[], ours: [] as number[], socat: [] as number[] };
console.log(`iperf3, ${seconds}s × ${rounds} round(s), ${streams} stream(s), loopback`);
for (let r = 0; r < rounds; r++) {
  all.direct.push(await direct());
  all.ours.push(await through(wireplay(["proxy"])));
  all.socat.push(await through(socat));
  console.log(
    `  round ${r + 1}: direct ${gbit(all.direct[r]!)}, wireplay ${gbit(all.ours[r]!)}, socat ${
      gbit(all.socat[r]!)
    }`,
  );
}
const d = median(all.direct);
const ours = median(all.ours);
const s = median(all.socat);
console.log(`direct            ${gbit(d)}`);
console.log(`wireplay proxy    ${gbit(ours)}   ${(ours / d).toFixed(2)}× direct (goal ≥ 0.5×)`);
console.log(
  `socat proxy       ${gbit(s)}   wireplay is ${(ours / s).toFixed(2)}× socat (goal ≥ 2×)`,
);
if (!values["no-record"]) {
  const dir = await Deno.makeTempDir({ prefix: "wireplay-bench-" });
  try {
    const rec = await through(wireplay(["record", "--out", `${dir}/bench.wire`]));
    const size = (await Deno.stat(`${dir}/bench.wire`)).size;
    console.log(
      `wireplay record   ${gbit(rec)}   ${(rec / ours).toFixed(2)}× proxy without recording (file ${
        (size / 1e6).toFixed(0)
      } MB)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
