/**
 * 64-byte TCP echo round trips: the wireplay channel (send + exact expect) against the
 * same loop on a bare `Deno.Conn`, each against three echo peers: socat, ncat and our
 * own `serve echo`.
 *
 *     deno run -A bench/echo_bench.ts [--rounds 5000] [--size 64]
 *
 * Prints the median and p99 round trip of every pair, and the ratios that matter:
 * wireplay channel / bare conn (the channel's overhead) and peer / socat.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseAddress } from "../lib/address/address.ts";
import { startSimpleServer } from "../lib/servers/simple.ts";
import { connectStream } from "../lib/transport/connect.ts";
import { exactMatcher } from "../lib/transport/matchers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5000" },
    size: { type: "string", default: "64" },
  },
});
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.size);
const WARMUP = Math.min(500, ROUNDS / 10);

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
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
  const port = freePort();
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

/** Round trips through a wireplay StreamChannel: send, then expect the exact bytes. */
async function channelLoop(port: number): Promise<number[]> {
  await using c = await connectStream("c", parseAddress(`tcp://127.0.0.1:${port}`));
  const times: number[] = [];
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const p = payload(i);
    const t0 = performance.now();
    await c.send(p);
    await c.buffer.until(exactMatcher(p), { timeoutMs: 5000 });
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

/** The same loop on a bare Deno.Conn: write, read until SIZE bytes are back. */
async function bareLoop(port: number): Promise<number[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const buf = new Uint8Array(SIZE);
  const times: number[] = [];
  try {
    for (let i = 0; i < ROUNDS + WARMUP; i++) {
      const p = payload(i);
      const t0 = performance.now();
      let off = 0;
      while (off < SIZE) off += await conn.write(p.subarray(off));
      let got = 0;
      while (got < SIZE) {
        const n = await conn.read(buf.subarray(got));
        if (n === null) throw new Error("peer closed");
        got += n;
      }
      if (buf[0] !== p[0]) throw new Error("wrong echo");
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
  } finally {
    conn.close();
  }
  return times;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

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

console.log(`echo_bench: ${ROUNDS} round trips of ${SIZE} bytes (after ${WARMUP} warm-up), µs`);
console.log(
  `  ${"client".padEnd(18)} ${"peer".padEnd(20)} ${"median".padStart(8)} ${"p99".padStart(8)}`,
);
const medians = new Map<string, number>();
try {
  for (const peer of peers) {
    for (
      const [client, loop] of [["bare Deno.Conn", bareLoop], [
        "wireplay channel",
        channelLoop,
      ]] as const
    ) {
      const times = await loop(peer.port);
      const med = pct(times, 0.5) * 1000;
      medians.set(`${client}|${peer.name}`, med);
      console.log(
        `  ${client.padEnd(18)} ${peer.name.padEnd(20)} ${med.toFixed(1).padStart(8)} ${
          (pct(times, 0.99) * 1000).toFixed(1).padStart(8)
        }`,
      );
    }
  }
} finally {
  for (const p of peers) await p.stop();
}
console.log("ratios (median):");
for (const peer of peers) {
  const ch = medians.get(`wireplay channel|${peer.name}`)!;
  const bare = medians.get(`bare Deno.Conn|${peer.name}`)!;
  console.log(`  wireplay channel / bare conn, against ${peer.name}: ${(ch / bare).toFixed(2)}×`);
}
const socatCh = medians.get("wireplay channel|socat");
if (socatCh) {
  for (const peer of peers.filter((p) => p.name !== "socat")) {
    const ch = medians.get(`wireplay channel|${peer.name}`)!;
    console.log(
      `  wireplay channel against ${peer.name} / against socat: ${(ch / socatCh).toFixed(2)}×`,
    );
  }
}
