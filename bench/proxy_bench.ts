/**
 * Bulk throughput through `wireplay proxy` side by side with direct loopback and a socat
 * proxy, iperf3 generating the traffic through each, and through `wireplay record` (the
 * same proxy writing the recording: iperf3's random bytes go to side files).
 *
 *     deno run -A bench/proxy_bench.ts [--seconds 3] [--rounds 3] [--streams 1] [--no-record]
 *
 * Each round runs direct, wireplay proxy, socat and wireplay record one after the other;
 * each ratio is the median of the rounds' ratios (loopback throughput on a busy 2-core
 * machine varies a lot from one run to the next), and the wireplay processes' CPU seconds
 * per GiB moved are printed too. Goals (issues 5, 17): proxy ≥ 0.5× direct, ≥ 2× socat;
 * record ≥ 0.5× proxy.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";

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

/** What one iperf3 run measured. */
interface Run {
  /** received bits per second */
  bps: number;
  /** bytes received */
  bytes: number;
  /** CPU seconds of the wireplay process in between (none for direct, socat) */
  cpu?: number;
}

/** Runs an iperf3 client against `port`; returns what the receiver got. */
async function iperf(port: number): Promise<Run> {
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
  return {
    bps: json.end.sum_received.bits_per_second as number,
    bytes: json.end.sum_received.bytes as number,
  };
}

/** A process's user + system CPU seconds so far (Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

/** Starts an iperf3 server; returns its port and the process. */
async function iperfServer(): Promise<{ port: number; child: Deno.ChildProcess }> {
  const port = getAvailablePort();
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
  cpu = false,
): Promise<Run> {
  const server = await iperfServer();
  const port = getAvailablePort();
  const proxy = start(server.port, port);
  try {
    await waitForListen(port, proxy);
    const before = cpu ? await cpuSeconds(proxy.pid) : 0;
    const run = await iperf(port);
    return cpu ? { ...run, cpu: (await cpuSeconds(proxy.pid)) - before } : run;
  } finally {
    await stop(proxy);
    await stop(server.child);
  }
}

async function direct(): Promise<Run> {
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

const mbs = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
const gbit = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;
/** CPU seconds per GiB moved */
const perGiB = (r: Run) => r.cpu! / (r.bytes / 1024 ** 3);

const record = !values["no-record"];
const all = { direct: [] as Run[], ours: [] as Run[], socat: [] as Run[], record: [] as Run[] };
/** dd's bytes per second writing as many bytes as `record` did, into the same folder */
const ddRates: number[] = [];
const files: string[] = [];
console.log(`iperf3, ${seconds}s × ${rounds} round(s), ${streams} stream(s), loopback`);
for (let r = 0; r < rounds; r++) {
  all.direct.push(await direct());
  all.ours.push(await through(wireplay(["proxy"]), true));
  all.socat.push(await through(socat));
  let line = `  round ${r + 1}: direct ${gbit(all.direct[r]!.bps)}, wireplay ${
    gbit(all.ours[r]!.bps)
  }, socat ${gbit(all.socat[r]!.bps)}`;
  if (record) {
    const dir = await Deno.makeTempDir({ prefix: "wireplay-bench-" });
    try {
      const out = `${dir}/bench.wire`;
      all.record.push(await through(wireplay(["record", "--out", out]), true));
      const wire = (await Deno.stat(out)).size;
      let side = 0;
      let count = 0;
      for await (const e of Deno.readDir(`${dir}/bench.d`)) {
        side += (await Deno.stat(`${dir}/bench.d/${e.name}`)).size;
        count++;
      }
      files.push(
        `${(wire / 1e3).toFixed(0)} kB .wire + ${count} side files, ${(side / 1e6).toFixed(0)} MB`,
      );
      ddRates.push(await ddRate(dir, all.record[r]!.bytes));
      line += `, record ${gbit(all.record[r]!.bps)} (${files.at(-1)}), dd ${mbs(ddRates[r]!)}`;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  console.log(line);
}
/**
 * The platform's own rate for the same write: dd, 8 MiB blocks, `bytes` from /dev/zero, past
 * the page cache as `record` writes its side files (`oflag=direct`; plain where the file
 * system refuses it).
 */
async function ddRate(dir: string, bytes: number): Promise<number> {
  const count = Math.max(1, Math.round(bytes / (8 * 1024 * 1024)));
  for (const flags of [["oflag=direct"], []]) {
    const t0 = performance.now();
    const out = await new Deno.Command("dd", {
      args: ["if=/dev/zero", `of=${dir}/dd.bin`, "bs=8M", `count=${count}`, ...flags],
      stdout: "null",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    await Deno.remove(`${dir}/dd.bin`).catch(() => {});
    if (out.success) return (count * 8 * 1024 * 1024) / seconds;
  }
  throw new Error("dd failed");
}

const ratios = (a: Run[], b: Run[]) => median(a.map((x, i) => x.bps / b[i]!.bps));
const d = median(all.direct.map((x) => x.bps));
const ours = median(all.ours.map((x) => x.bps));
const s = median(all.socat.map((x) => x.bps));
const oursCpu = median(all.ours.map(perGiB));
const note = `median of ${rounds} round(s) of ${seconds}s, ratios per round`;
console.log(`direct            ${gbit(d)}`);
console.log(`wireplay proxy    ${gbit(ours)}   ${oursCpu.toFixed(2)} CPU s/GiB`);
console.log(`socat proxy       ${gbit(s)}`);
reportRow({
  bench: "proxy_bench",
  row: "bulk TCP through `proxy` vs direct loopback (iperf3)",
  ours: gbit(ours),
  peer: `direct iperf3 ${gbit(d)}`,
  ratio: ratios(all.ours, all.direct),
  goal: { op: ">=", value: 0.5 },
  note,
});
reportRow({
  bench: "proxy_bench",
  row: "bulk TCP through `proxy` vs a socat proxy (iperf3)",
  ours: gbit(ours),
  peer: `socat ${gbit(s)}`,
  ratio: ratios(all.ours, all.socat),
  goal: { op: ">=", value: 2 },
  note,
});
if (record) {
  const rec = median(all.record.map((x) => x.bps));
  const recCpu = median(all.record.map(perGiB));
  console.log(`wireplay record   ${gbit(rec)}   ${recCpu.toFixed(2)} CPU s/GiB`);
  reportRow({
    bench: "proxy_bench",
    row: "`record` throughput vs the same proxy not recording (iperf3's random bytes)",
    ours: `${gbit(rec)}, ${recCpu.toFixed(2)} CPU s/GiB`,
    peer: `proxy ${gbit(ours)}, ${oursCpu.toFixed(2)} CPU s/GiB`,
    ratio: ratios(all.record, all.ours),
    goal: { op: ">=", value: 0.5 },
    note: `${note}; recording ${files[Math.floor(files.length / 2)]}`,
  });
  // the floor under the row above: writing that many bytes to a file at all
  const recBytes = all.record.map((x) => x.bps / 8);
  reportRow({
    bench: "proxy_bench",
    row: "`record`'s write rate vs `dd oflag=direct` writing as many bytes to the same folder",
    ours: mbs(median(recBytes)),
    peer: `dd ${mbs(median(ddRates))}`,
    ratio: median(recBytes.map((x, i) => x / ddRates[i]!)),
    note: `${note}; the platform's ceiling for the record row`,
  });
}
