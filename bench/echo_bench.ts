/**
 * 64-byte TCP echo round trips: the wireplay channel (send + exact expect) against the
 * same loop on a bare `Deno.Conn`, each against three echo peers: socat, ncat and our
 * own `serve echo`; then the latency of a regex expect against an exact one.
 *
 *     deno run -A bench/echo_bench.ts [--rounds 20000] [--size 64] [--blocks 200] [--cpu 0|none]
 *
 * Everything runs on one CPU (`--cpu`, default 0, with `taskset`: this process, its
 * threads and the peers it starts): where the scheduler puts a peer process against
 * this one otherwise moves a round trip between ~30 and ~80 µs at random, per
 * connection, on this 2-core machine, which swamps a 5 % goal. `--cpu none` leaves the
 * placement to the scheduler.
 *
 * The clients take turns in many short blocks, each block on fresh connections (a few
 * round trips on each, and a first warm-up, are not counted). The order alternates (bare,
 * channel, then channel, bare…) so neither always runs first, and every block of one client is
 * measured back to back with the same block of the other: a ratio is the median of the
 * per-block ratios (block median over block median), so a machine whose speed drifts
 * between blocks (other processes, CPU frequency, which core the peer runs on) weighs on
 * both sides of every ratio alike. The same is done with the CPU time of this process per
 * round trip (`process.cpuUsage()` around each block). Prints the median and p99 round
 * trip of every client, its CPU time per round trip, the per-block ratios' median and
 * quartiles, and the result rows: wireplay channel / bare conn per peer (goal ≤ 1.05×,
 * issue 17), and the p50/p99 of regex expects against exact expects (report only):
 *
 * - regex, match final at once: `/^PONG (\d+)\r\n/` on a line that ends the reply —
 *   nothing that may follow can change the match, so it is taken at once;
 * - regex, more bytes follow: `/PONG (\d+)\r\n/` on a reply that goes on after the
 *   line in the same write.
 *
 * Either must cost no settle time (`DEFAULT_SETTLE_MS`): the held-match rule waits only
 * when more bytes could change the match.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import process from "node:process";
import { parseArgs } from "node:util";
import { parseAddress } from "../lib/address/address.ts";
import { startSimpleServer } from "../lib/servers/simple.ts";
import { connectStream } from "../lib/transport/connect.ts";
import { exactMatcher, regexMatcher } from "../lib/transport/matchers.ts";
import type { StreamChannel } from "../lib/transport/stream_channel.ts";
import { reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "20000" },
    size: { type: "string", default: "64" },
    blocks: { type: "string", default: "200" },
    cpu: { type: "string", default: "0" },
  },
});
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.size);
const BLOCKS = Math.max(1, Number(values.blocks));
const PER_BLOCK = Math.max(1, Math.floor(ROUNDS / BLOCKS));
const WARMUP = Math.min(1000, Math.ceil(ROUNDS / 10));
const CONN_WARMUP = 20;
const GOAL = 1.05;

/** Pins this process (all its threads; the peers it starts inherit it) to one CPU. */
function pin(cpu: string): string {
  if (cpu === "none") return "not pinned";
  if (!/^\d+$/.test(cpu)) {
    console.error(`echo_bench: --cpu ${cpu}: expected a CPU number or "none"`);
    Deno.exit(2);
  }
  if (!has("taskset")) return "not pinned (no taskset)";
  const ok = new Deno.Command("taskset", {
    args: ["-a", "-p", "-c", cpu, String(Deno.pid)],
    stdout: "null",
    stderr: "null",
  }).outputSync().success;
  return ok ? `pinned to CPU ${cpu}` : `not pinned (taskset -c ${cpu} failed)`;
}

async function waitForPort(port: number, deadlineMs = 10_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (e) {
      if (performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

interface Peer {
  name: string;
  port: number;
  stop(): Promise<void>;
}

async function processPeer(name: string, cmd: string, args: (port: number) => string[]) {
  const port = getAvailablePort();
  const child = new Deno.Command(cmd, { args: args(port), stdout: "null", stderr: "null" })
    .spawn();
  await waitForPort(port);
  return {
    name,
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  } satisfies Peer;
}

function has(cmd: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
    .outputSync().success;
}

function payload(i: number): Uint8Array {
  const p = new Uint8Array(SIZE).fill(0x61 + (i % 26));
  p[SIZE - 1] = 0x0a;
  return p;
}

/** A reply of SIZE bytes: `PONG <i>\r\n`, then (with `more`) filler up to SIZE. */
function pong(i: number, more: boolean): Uint8Array {
  const line = new TextEncoder().encode(`PONG ${i}\r\n`);
  if (!more) return line;
  const p = new Uint8Array(Math.max(SIZE, line.byteLength + 2)).fill(0x2e);
  p.set(line);
  p[p.byteLength - 1] = 0x0a;
  return p;
}

/** A client: opens once, then runs `rounds` round trips, returning each one's ms. */
interface Client {
  open(port: number): Promise<void>;
  rounds(from: number, n: number, into: number[]): Promise<void>;
  close(): Promise<void>;
}

/** Round trips through a wireplay StreamChannel: send, then expect the exact bytes. */
function channelClient(): Client {
  let c: StreamChannel;
  return {
    async open(port) {
      c = await connectStream("c", parseAddress(`tcp://127.0.0.1:${port}`));
    },
    async rounds(from, n, into) {
      for (let i = from; i < from + n; i++) {
        const p = payload(i);
        const t0 = performance.now();
        await c.send(p);
        await c.buffer.until(exactMatcher(p, { shareExpected: true }), { timeoutMs: 5000 });
        into.push(performance.now() - t0);
      }
    },
    close: () => c.close(),
  };
}

/**
 * Round trips through a channel that expect a regex: the match is final at once
 * (`/^PONG (\d+)\r\n/` on a reply that ends there) or more bytes follow it in the same
 * write (`/PONG (\d+)\r\n/`, then the rest is taken as exact bytes, not timed).
 */
function regexClient(more: boolean, now = false): Client {
  let c: StreamChannel;
  const re = more ? /PONG (\d+)\r\n/ : /^PONG (\d+)\r\n/;
  return {
    async open(port) {
      c = await connectStream("c", parseAddress(`tcp://127.0.0.1:${port}`));
    },
    async rounds(from, n, into) {
      for (let i = from; i < from + n; i++) {
        const p = pong(i, more);
        const t0 = performance.now();
        await c.send(p);
        const m = await c.buffer.until(regexMatcher(re, { now }), { timeoutMs: 5000 });
        into.push(performance.now() - t0);
        if (m.whole.byteLength !== p.indexOf(0x0a) + 1) throw new Error("wrong match");
        const rest = p.subarray(m.whole.byteLength);
        if (rest.byteLength) await c.buffer.until(exactMatcher(rest), { timeoutMs: 5000 });
      }
    },
    close: () => c.close(),
  };
}

/** The same loop on a bare Deno.Conn: write, read until SIZE bytes are back. */
function bareClient(): Client {
  let conn: Deno.TcpConn;
  const buf = new Uint8Array(SIZE);
  return {
    async open(port) {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.setNoDelay(true);
    },
    async rounds(from, n, into) {
      for (let i = from; i < from + n; i++) {
        const p = payload(i);
        const t0 = performance.now();
        let off = 0;
        while (off < SIZE) off += await conn.write(p.subarray(off));
        let got = 0;
        while (got < SIZE) {
          const r = await conn.read(buf.subarray(got));
          if (r === null) throw new Error("peer closed");
          got += r;
        }
        if (buf[0] !== p[0]) throw new Error("wrong echo");
        into.push(performance.now() - t0);
      }
    },
    close() {
      conn.close();
      return Promise.resolve();
    },
  };
}

interface Result {
  /** every round trip, ms */
  times: number[];
  /** the median round trip of each block, ms */
  blockMs: number[];
  /** the CPU time of this process per round trip in each block, µs */
  blockCpuUs: number[];
  /** CPU time of this process per round trip over all blocks, µs */
  cpuUs: number;
}

/**
 * Runs the clients against one peer in turns: a warm-up of WARMUP round trips each (not
 * counted), then BLOCKS blocks of PER_BLOCK round trips per client, the order reversed
 * every other block. Every block opens fresh connections (then CONN_WARMUP round trips
 * each, not counted): a forking peer (socat, ncat) serves each one from a new process,
 * and where the scheduler puts that process against this one moves a round trip by up
 * to 3× — kept for a whole run, that luck would tilt every block of one client.
 */
async function interleaved(port: number, clients: Client[]): Promise<Result[]> {
  const results = clients.map((): Result => ({
    times: [],
    blockMs: [],
    blockCpuUs: [],
    cpuUs: 0,
  }));
  const forward = [...clients.keys()];
  const backward = [...forward].reverse();
  for (let b = -1; b < BLOCKS; b++) {
    // (connections opened, warmed up and measured in the same order, reversed every block)
    const order = b % 2 ? backward : forward;
    for (const k of order) await clients[k]!.open(port);
    try {
      for (const k of order) await clients[k]!.rounds(0, b < 0 ? WARMUP : CONN_WARMUP, []);
      if (b < 0) continue;
      for (const k of order) {
        const block: number[] = [];
        const before = process.cpuUsage();
        await clients[k]!.rounds(b * PER_BLOCK, PER_BLOCK, block);
        const d = process.cpuUsage(before);
        const r = results[k]!;
        r.times.push(...block);
        r.blockMs.push(pct(block, 0.5));
        r.blockCpuUs.push((d.user + d.system) / PER_BLOCK);
      }
    } finally {
      for (const c of clients) await c.close();
    }
  }
  for (const r of results) r.cpuUs = r.blockCpuUs.reduce((a, b) => a + b, 0) / BLOCKS;
  return results;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

/** A ratio a / b taken block by block: its median and quartiles over the blocks. */
interface BlockRatio {
  median: number;
  p25: number;
  p75: number;
}

function blockRatio(a: number[], b: number[]): BlockRatio {
  const rs = a.map((x, i) => x / b[i]!);
  return { median: pct(rs, 0.5), p25: pct(rs, 0.25), p75: pct(rs, 0.75) };
}

/** Round-trip time of `a` over `b`, per block. */
const timeRatio = (a: Result, b: Result) => blockRatio(a.blockMs, b.blockMs);
/** CPU time per round trip of `a` over `b`, per block. */
const cpuRatio = (a: Result, b: Result) => blockRatio(a.blockCpuUs, b.blockCpuUs);

const quartiles = (r: BlockRatio) => `${r.p25.toFixed(3)}–${r.p75.toFixed(3)}`;
const x = (r: BlockRatio) => `${r.median.toFixed(3)}× (quartiles ${quartiles(r)})`;

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

function line(client: string, peer: string, r: Result): void {
  console.log(
    `  ${client.padEnd(26)} ${peer.padEnd(20)} ${
      (pct(r.times, 0.5) * 1000).toFixed(1).padStart(8)
    } ${(pct(r.times, 0.99) * 1000).toFixed(1).padStart(8)} ${r.cpuUs.toFixed(1).padStart(8)}`,
  );
}

const PINNED = pin(values.cpu!);
const peers: Peer[] = [];
if (has("socat")) {
  peers.push(
    await processPeer("socat", "socat", (p) => [
      `TCP-LISTEN:${p},bind=127.0.0.1,fork,reuseaddr`,
      "PIPE",
    ]),
  );
}
if (has("ncat")) {
  peers.push(
    await processPeer(
      "ncat",
      "ncat",
      (p) => ["-l", "127.0.0.1", String(p), "-k", "--exec", "/bin/cat"],
    ),
  );
}
const ours = await startSimpleServer("echo", parseAddress("tcp://127.0.0.1:0"));
peers.push({ name: "wireplay serve echo", port: ours.port, stop: () => ours.close() });

console.log(
  `echo_bench: ${BLOCKS}×${PER_BLOCK} round trips of ${SIZE} bytes per client (after ${WARMUP} warm-up), clients in turns, order alternating, ${PINNED}; µs`,
);
console.log(
  `  ${"client".padEnd(26)} ${"peer".padEnd(20)} ${"median".padStart(8)} ${"p99".padStart(8)} ${
    "CPU/rt".padStart(8)
  }`,
);
const pairs = new Map<string, { bare: Result; channel: Result }>();
let latency:
  | Record<"exact" | "final" | "more" | "bare" | "finalNow" | "moreNow", Result>
  | undefined;
try {
  for (const peer of peers) {
    const [bare, channel] = await interleaved(peer.port, [bareClient(), channelClient()]);
    line("bare Deno.Conn", peer.name, bare!);
    line("wireplay channel", peer.name, channel!);
    pairs.set(peer.name, { bare: bare!, channel: channel! });
  }
  // expect latency: regex against exact, same peer (the first: socat when installed)
  const peer = peers[0]!;
  const [exact, final, more, bare, finalNow, moreNow] = await interleaved(peer.port, [
    channelClient(),
    regexClient(false),
    regexClient(true),
    bareClient(),
    regexClient(false, true),
    regexClient(true, true),
  ]);
  line("exact expect", peer.name, exact!);
  line("regex expect, final match", peer.name, final!);
  line("regex expect, more follows", peer.name, more!);
  line("bare Deno.Conn", peer.name, bare!);
  line("regex expect now, final", peer.name, finalNow!);
  line("regex expect now, more", peer.name, moreNow!);
  latency = {
    exact: exact!,
    final: final!,
    more: more!,
    bare: bare!,
    finalNow: finalNow!,
    moreNow: moreNow!,
  };
} finally {
  for (const p of peers) await p.stop();
}

console.log("ratios (median of per-block ratios, quartiles):");
for (const [name, { bare, channel }] of pairs) {
  console.log(`  wireplay channel / bare conn, against ${name}:`);
  console.log(`    round trip ${x(timeRatio(channel, bare))}`);
  console.log(`    CPU/rt     ${x(cpuRatio(channel, bare))}`);
}
const socat = pairs.get("socat");
if (socat) {
  for (const [name, { channel }] of pairs) {
    if (name === "socat") continue;
    console.log(
      `  wireplay channel against ${name} / against socat: ${
        (pct(channel.times, 0.5) / pct(socat.channel.times, 0.5)).toFixed(2)
      }× (pooled medians, not interleaved)`,
    );
  }
}

const rounds =
  `median of ${BLOCKS} per-block ratios (${PER_BLOCK} round trips a block, clients in turns, order alternating, ${PINNED})`;
for (const [name, { bare, channel }] of pairs) {
  reportRow({
    bench: "echo_bench",
    row:
      `${SIZE}-byte echo round trip via a channel (send + exact expect) vs a bare Deno.Conn, ${name}`,
    ours: `${us(pct(channel.times, 0.5))} (p99 ${us(pct(channel.times, 0.99))})`,
    peer: `bare Deno.Conn ${us(pct(bare.times, 0.5))} (p99 ${us(pct(bare.times, 0.99))})`,
    ratio: timeRatio(channel, bare).median,
    goal: { op: "<=", value: GOAL },
    note: `${rounds}, quartiles ${quartiles(timeRatio(channel, bare))}; CPU per round trip ${
      channel.cpuUs.toFixed(1)
    } vs ${bare.cpuUs.toFixed(1)} µs, ratio ${x(cpuRatio(channel, bare))}`,
  });
}
if (latency) {
  const { exact, final, more, bare, finalNow, moreNow } = latency;
  const p = (r: Result) => `p50 ${us(pct(r.times, 0.5))}, p99 ${us(pct(r.times, 0.99))}`;
  for (const [what, r] of [["final match", final], ["more bytes follow", more]] as const) {
    reportRow({
      bench: "echo_bench",
      row: `regex expect latency (${what}) vs exact expect, ${peers[0]!.name}`,
      ours: p(r),
      peer: `exact expect ${p(exact)}`,
      ratio: timeRatio(r, exact).median,
      note: `${rounds}; bare Deno.Conn ${p(bare)}; p99 ratio ${
        (pct(r.times, 0.99) / pct(exact.times, 0.99)).toFixed(2)
      }×`,
    });
  }
  // the held-match rule on against off (`now`: expect's first match, as before the rule)
  for (
    const [what, on, off] of [
      ["final match", final, finalNow],
      ["more bytes follow", more, moreNow],
    ] as const
  ) {
    reportRow({
      bench: "echo_bench",
      row: `regex expect latency (${what}): held-match rule vs \`now\` (the rule off)`,
      ours: p(on),
      peer: `\`now\` ${p(off)}`,
      ratio: timeRatio(on, off).median,
      note: `${rounds}; p99 ratio ${(pct(on.times, 0.99) / pct(off.times, 0.99)).toFixed(2)}×`,
    });
  }
}
