/**
 * Regex expect on a large stream versus merely receiving it.
 *
 *     deno run -A bench/stream_bench.ts [--mib 64] [--chunk 4096] [--runs 5]
 *
 * A stream of `--mib` MiB arrives in `--chunk`-byte chunks with the pattern at its very
 * end. Two settings:
 *
 * - in memory: chunks pushed straight into a StreamBuffer (the exact chunking, no
 *   network), regex expect vs a plain receive (`bytes N`) vs a bare copy loop;
 * - loopback TCP: a server writes the stream in `--chunk`-byte writes; the wireplay
 *   channel's regex expect vs a plain Deno read loop that only counts bytes.
 *
 * Goal (issue 2): regex expect ≤ 1.5× merely receiving. Prints medians and ratios.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseAddress } from "../lib/address/address.ts";
import { connectStream } from "../lib/transport/connect.ts";
import { bytesMatcher, regexMatcher } from "../lib/transport/matchers.ts";
import { StreamBuffer } from "../lib/transport/stream_buffer.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "64" },
    chunk: { type: "string", default: "4096" },
    runs: { type: "string", default: "5" },
  },
});
const TOTAL = Number(values.mib) * 1024 * 1024;
const CHUNK = Number(values.chunk);
const RUNS = Number(values.runs);
const TAIL = new TextEncoder().encode("END-OF-STREAM 4242\r\n");
const PATTERN = /END-OF-STREAM (\d+)\r\n/;

/** The stream: printable filler (so the regex engine has real work) and the tail. */
function makeStream(): Uint8Array {
  const data = new Uint8Array(TOTAL);
  for (let i = 0; i < TOTAL - TAIL.byteLength; i++) data[i] = 0x20 + (i % 90);
  data.set(TAIL, TOTAL - TAIL.byteLength);
  return data;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const stream = makeStream();
const chunks: Uint8Array[] = [];
for (let i = 0; i < TOTAL; i += CHUNK) chunks.push(stream.subarray(i, i + CHUNK));

// ---- in memory -----------------------------------------------------------------
async function memRegex(): Promise<void> {
  const buffer = new StreamBuffer();
  const wait = buffer.until(regexMatcher(PATTERN), { timeoutMs: 120_000 });
  for (const c of chunks) buffer.push(c);
  buffer.end();
  const m = await wait;
  if (m.skipped !== TOTAL - TAIL.byteLength) throw new Error("wrong match");
}

async function memReceive(): Promise<void> {
  const buffer = new StreamBuffer();
  const wait = buffer.until(bytesMatcher(TOTAL), { timeoutMs: 120_000 });
  for (const c of chunks) buffer.push(c);
  buffer.end();
  await wait;
}

async function memCopy(): Promise<void> {
  // the floor: appending every chunk to one growing array
  let data = new Uint8Array(CHUNK);
  let end = 0;
  for (const c of chunks) {
    if (end + c.byteLength > data.byteLength) {
      const next = new Uint8Array(data.byteLength * 2);
      next.set(data.subarray(0, end));
      data = next;
    }
    data.set(c, end);
    end += c.byteLength;
  }
  await Promise.resolve();
}

// ---- loopback TCP ---------------------------------------------------------------
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const serving = (async () => {
  for await (const conn of listener) {
    (async () => {
      try {
        for (const c of chunks) {
          let off = 0;
          while (off < c.byteLength) off += await conn.write(c.subarray(off));
        }
      } catch { /* client gone */ }
      conn.close();
    })();
  }
})().catch(() => {});
const address = parseAddress(`tcp://127.0.0.1:${listener.addr.port}`);

async function tcpRegex(): Promise<void> {
  await using c = await connectStream("c", address);
  const m = await c.buffer.until(regexMatcher(PATTERN), { timeoutMs: 120_000 });
  if (m.skipped !== TOTAL - TAIL.byteLength) throw new Error("wrong match");
}

async function tcpReceive(): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const buf = new Uint8Array(64 * 1024);
  let n = 0;
  while (true) {
    const r = await conn.read(buf);
    if (r === null) break;
    n += r;
  }
  conn.close();
  if (n !== TOTAL) throw new Error(`received ${n}`);
}

async function tcpChannelReceive(): Promise<void> {
  await using c = await connectStream("c", address);
  await c.buffer.until(bytesMatcher(TOTAL), { timeoutMs: 120_000 });
}

async function measure(name: string, fn: () => Promise<void>): Promise<number> {
  await fn(); // warm up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await time(fn));
  const m = median(times);
  const mibs = TOTAL / 1024 / 1024 / (m / 1000);
  console.log(
    `  ${name.padEnd(44)} ${m.toFixed(1).padStart(8)} ms  ${mibs.toFixed(0).padStart(6)} MiB/s`,
  );
  return m;
}

console.log(
  `stream_bench: ${values.mib} MiB in ${CHUNK}-byte chunks, pattern at the end, median of ${RUNS}`,
);
console.log("in memory (StreamBuffer, exact chunking):");
const mCopy = await measure("copy loop (floor)", memCopy);
const mRecv = await measure("receive: expect bytes N", memReceive);
const mRegex = await measure("expect /END-OF-STREAM (\\d+)\\r\\n/", memRegex);
console.log("loopback TCP:");
const tRecv = await measure("receive: Deno read loop (count only)", tcpReceive);
const tChan = await measure("receive: wireplay channel, expect bytes N", tcpChannelReceive);
const tRegex = await measure("wireplay channel, expect /regex/", tcpRegex);
listener.close();
await serving;

const goal = (r: number) => (r <= 1.5 ? "meets ≤1.5×" : "MISSES ≤1.5×");
console.log("ratios:");
console.log(
  `  in memory: regex / receive      ${(mRegex / mRecv).toFixed(2)}×  ${goal(mRegex / mRecv)}`,
);
console.log(`  in memory: regex / copy floor   ${(mRegex / mCopy).toFixed(2)}×`);
console.log(
  `  TCP: regex / Deno read loop     ${(tRegex / tRecv).toFixed(2)}×  ${goal(tRegex / tRecv)}`,
);
console.log(
  `  TCP: regex / channel receive    ${(tRegex / tChan).toFixed(2)}×  ${goal(tRegex / tChan)}`,
);
