/**
 * The UDP proxy against a real UDP peer (socat echoing every datagram back), each fault
 * counted over thousands of datagrams and compared with its stated rate. Datagrams go
 * in batches; a batch is done when every datagram the proxy let through came back, so
 * loopback itself loses nothing and every count is the fault's.
 *
 * Tolerances: a count of n datagrams each hit with probability p is binomial, standard
 * deviation σ = √(n·p·(1−p)); every check allows ±4.5σ (a false failure about once in
 * 150,000 runs).
 */
import { assert, assertEquals, assertGreaterOrEqual, assertLess } from "@std/assert";
import { startPeer } from "../helpers/peer.ts";
import { needs } from "../helpers/peers.ts";
import {
  startUdpProxy,
  type UdpDirectionStats,
  type UdpFaults,
  type UdpProxy,
} from "../../lib/proxy/udp_proxy.ts";
import { parseAddress } from "../../lib/address/address.ts";
import { runCli } from "../helpers/cli.ts";
import { startCli } from "./_helpers.ts";

function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/**
 * The upstream: socat relaying each datagram (boundaries kept, UDP to UDP) between the
 * proxy and an echo socket here, which sends every datagram back the way it came.
 */
async function socatEcho(port: number): Promise<AsyncDisposable> {
  const echo = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const echoPort = (echo.addr as Deno.NetAddr).port;
  const loop = (async () => {
    try {
      for await (const [d, from] of echo) await echo.send(d, from);
    } catch { /* closed */ }
  })();
  const socat = await startPeer({
    cmd: "socat",
    args: [
      "-d",
      "-d",
      "-T",
      "30",
      `UDP4-LISTEN:${port},bind=127.0.0.1,reuseaddr`,
      `UDP4-SENDTO:127.0.0.1:${echoPort}`,
    ],
    waitOutput: /listening on/,
  });
  return {
    async [Symbol.asyncDispose]() {
      await socat.stop();
      echo.close();
      await loop;
    },
  };
}

function within(actual: number, n: number, p: number, what: string): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  const tolerance = Math.ceil(4.5 * sigma);
  const expected = n * p;
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance} (4.5σ)`,
  );
}

interface Echoed {
  /** Every datagram that came back: its sequence number and whether its checksum holds. */
  seqs: number[];
  intact: boolean[];
  /** Arrival time of each, ms after the start. */
  at: number[];
  /** When each sequence number was sent, ms after the start. */
  sentAt: number[];
  elapsedMs: number;
}

/**
 * Sends `count` datagrams of `size` bytes (sequence number, filler, checksum) through the
 * proxy in batches of `batch`; after each batch waits until everything the proxy sent
 * down came back (or 5 s pass).
 */
async function exchange(
  proxy: UdpProxy,
  count: number,
  options: { size?: number; batch?: number } = {},
): Promise<Echoed> {
  const size = Math.max(8, options.size ?? 16);
  const batch = options.batch ?? 50;
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: proxy.port };
  const out: Echoed = { seqs: [], intact: [], at: [], sentAt: [], elapsedMs: 0 };
  const t0 = performance.now();
  let wake: (() => void) | undefined;
  const reader = (async () => {
    try {
      for await (const [d] of sock) {
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        let sum = 0;
        for (let i = 0; i < d.byteLength - 1; i++) sum = (sum + d[i]!) & 0xff;
        out.seqs.push(v.getUint32(0));
        out.intact.push(sum === d[d.byteLength - 1]);
        out.at.push(performance.now() - t0);
        wake?.();
      }
    } catch { /* closed */ }
  })();
  for (let start = 0; start < count; start += batch) {
    for (let seq = start; seq < Math.min(count, start + batch); seq++) {
      const d = new Uint8Array(size);
      new DataView(d.buffer).setUint32(0, seq);
      d.fill(seq & 0xff, 4, size - 1);
      let sum = 0;
      for (let i = 0; i < size - 1; i++) sum = (sum + d[i]!) & 0xff;
      d[size - 1] = sum;
      out.sentAt[seq] = performance.now() - t0;
      await sock.send(d, to);
    }
    const deadline = performance.now() + 5000;
    // done when every datagram the proxy let through came back through it
    const s = proxy.stats;
    while (
      s.up.received < Math.min(count, start + batch) || s.up.sent < laneTarget(s.up) ||
      s.down.received < s.up.sent ||
      out.seqs.length < laneTarget(s.down)
    ) {
      if (performance.now() > deadline) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  }
  out.elapsedMs = performance.now() - t0;
  sock.close();
  await reader;
  return out;
}

/** What a direction lets through of what it received. */
function laneTarget(s: UdpDirectionStats): number {
  return s.received - s.lost + s.duplicated - s.overflowed;
}

async function withProxy(faults: UdpFaults, fn: (p: UdpProxy) => Promise<void>) {
  const port = freeUdpPort();
  await using _socat = await socatEcho(port);
  await using proxy = startUdpProxy({
    listen: parseAddress("udp://127.0.0.1:0") as never,
    upstream: parseAddress(`udp://127.0.0.1:${port}`) as never,
    faults,
  });
  await fn(proxy);
}

const UDP = needs("socat");

Deno.test({
  name: "udp proxy: loss 0.3 over 10,000 datagrams lands within 4.5σ of 3,000",
  ...UDP,
  fn: () =>
    withProxy({ up: { loss: 0.3 }, down: {} }, async (proxy) => {
      const r = await exchange(proxy, 10_000, { batch: 100 });
      const lost = 10_000 - new Set(r.seqs).size;
      within(lost, 10_000, 0.3, "datagrams lost");
      assertEquals(lost, proxy.stats.up.lost, "every loss is the fault's (loopback lost none)");
      assertEquals(r.seqs.length, r.intact.filter(Boolean).length);
    }),
});

Deno.test({
  name: "udp proxy: duplicate 0.2 sends that share twice",
  ...UDP,
  fn: () =>
    withProxy({ up: {}, down: { duplicate: 0.2 } }, async (proxy) => {
      const r = await exchange(proxy, 3000);
      assertEquals(new Set(r.seqs).size, 3000, "none lost");
      within(r.seqs.length - 3000, 3000, 0.2, "duplicates");
    }),
});

Deno.test({
  name: "udp proxy: reorder 0.1 window 3 lets three later datagrams overtake",
  ...UDP,
  fn: () =>
    withProxy({ up: { reorder: 0.1, reorderWindow: 3 }, down: {} }, async (proxy) => {
      const r = await exchange(proxy, 3000, { batch: 60 });
      assertEquals(new Set(r.seqs).size, 3000, "none lost");
      let late = 0;
      let max = -1;
      for (const s of r.seqs) {
        if (s < max) late++;
        max = Math.max(max, s);
      }
      within(late, 3000, 0.1, "datagrams arriving after a later one");
    }),
});

Deno.test({
  name: "udp proxy: corrupt 0.1 flips a bit in that share",
  ...UDP,
  fn: () =>
    withProxy({ up: { corrupt: 0.1 }, down: {} }, async (proxy) => {
      const r = await exchange(proxy, 3000, { size: 64 });
      assertEquals(r.seqs.length, 3000);
      within(r.intact.filter((ok) => !ok).length, 3000, 0.1, "corrupted datagrams");
    }),
});

Deno.test({
  name: "udp proxy: latency 80ms + jitter 40ms delays each datagram by 80–120ms",
  ...UDP,
  fn: () =>
    withProxy({ up: { latencyMs: 80, jitterMs: 40 }, down: {} }, async (proxy) => {
      const r = await exchange(proxy, 5, { batch: 1 });
      assertEquals(r.seqs, [0, 1, 2, 3, 4]);
      for (const [i, seq] of r.seqs.entries()) {
        const rtt = r.at[i]! - r.sentAt[seq]!;
        assertGreaterOrEqual(rtt, 79);
        assertLess(rtt, 300);
      }
    }),
});

Deno.test({
  name: "udp proxy: rate 100KB/s paces 100 datagrams of 1000 bytes over about a second",
  ...UDP,
  fn: () =>
    withProxy({ up: { rate: 100_000 }, down: {} }, async (proxy) => {
      const r = await exchange(proxy, 100, { size: 1000, batch: 20 });
      assertEquals(r.seqs.length, 100);
      const span = r.at.at(-1)! - r.at[0]!;
      assertGreaterOrEqual(span, 900); // 99 gaps of 10 ms
      assertLess(span, 3000);
    }),
});

Deno.test("udp proxy: clients are keyed by source and forgotten after the idle timeout", async () => {
  // an echo here as the upstream: socat's UDP-LISTEN answers only its first peer
  const echo = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    try {
      for await (const [d, from] of echo) await echo.send(d, from);
    } catch { /* closed */ }
  })();
  const events: string[] = [];
  const gone = Promise.withResolvers<void>();
  const proxy = startUdpProxy({
    listen: parseAddress("udp://127.0.0.1:0") as never,
    upstream: parseAddress(`udp://127.0.0.1:${(echo.addr as Deno.NetAddr).port}`) as never,
    idleTimeoutMs: 200,
    onClient: (e) => {
      events.push(e);
      if (events.filter((x) => x === "idle").length === 2) gone.resolve();
    },
  });
  const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const timer = setTimeout(() => gone.reject(new Error("clients never went idle")), 5000);
  try {
    const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: proxy.port };
    await a.send(new Uint8Array([1]), to);
    await b.send(new Uint8Array([3]), to);
    await a.send(new Uint8Array([2]), to);
    const got = async (s: Deno.DatagramConn, n: number) => {
      const out: number[] = [];
      while (out.length < n) out.push((await s.receive())[0][0]!);
      return out;
    };
    assertEquals(await got(a, 2), [1, 2]);
    assertEquals(await got(b, 1), [3]);
    assertEquals([proxy.stats.clients, proxy.stats.clientsTotal], [2, 2]);
    await gone.promise;
    assertEquals(proxy.stats.clients, 0);
    assertEquals(events, ["new", "new", "idle", "idle"]);
  } finally {
    clearTimeout(timer);
    a.close();
    b.close();
    await proxy.close();
    echo.close();
    await loop;
  }
});

Deno.test("proxy --listen udp:// refuses a TCP upstream and a bad probability", async () => {
  const mixed = await runCli([
    "proxy",
    "--listen",
    "udp://127.0.0.1:0",
    "--upstream",
    "tcp://127.0.0.1:1",
  ]);
  assertEquals(mixed.code, 2);
  assert(/--upstream/.test(mixed.stderr), mixed.stderr);
  const bad = await runCli([
    "proxy",
    "--listen",
    "udp://127.0.0.1:0",
    "--upstream",
    "udp://127.0.0.1:1",
    "--loss",
    "1.5",
  ]);
  assertEquals(bad.code, 2);
  assert(/--loss: "1\.5" is not a probability/.test(bad.stderr), bad.stderr);
  const admin = await runCli([
    "proxy",
    "--listen",
    "udp://127.0.0.1:0",
    "--upstream",
    "udp://127.0.0.1:1",
    "--admin",
    "127.0.0.1:0",
  ]);
  assertEquals([admin.code, admin.stderr.trim()], [
    2,
    "wireplay: --admin: a udp:// proxy has no --admin",
  ]);
});

Deno.test("proxy --listen udp:// from the CLI: --duplicate down:1 sends every answer twice", async () => {
  const echo = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    try {
      for await (const [d, from] of echo) await echo.send(d, from);
    } catch { /* closed */ }
  })();
  const cli = startCli([
    "proxy",
    "--listen",
    "udp://127.0.0.1:0",
    "--upstream",
    `udp://127.0.0.1:${(echo.addr as Deno.NetAddr).port}`,
    "--duplicate",
    "down:1",
    "--json",
  ]);
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const timer = setTimeout(() => client.close(), 10_000);
  try {
    const info = JSON.parse((await cli.waitFor(/\{"event":"listening".*\}/))[0]);
    const port = Number(/:(\d+)$/.exec(info.address)![1]);
    await client.send(new Uint8Array([7]), { transport: "udp", hostname: "127.0.0.1", port });
    const first = (await client.receive())[0];
    const second = (await client.receive())[0];
    assertEquals([first[0], second[0]], [7, 7]);
    assertEquals(await cli.stop(), 0);
    const stopped = JSON.parse(cli.stdout().trim().split("\n").at(-1)!);
    assertEquals([stopped.down.duplicated, stopped.clientsTotal], [1, 1]);
  } finally {
    clearTimeout(timer);
    client.close();
    await cli[Symbol.asyncDispose]();
    echo.close();
    await loop;
  }
});
