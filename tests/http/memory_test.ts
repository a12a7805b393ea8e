// Issue 18 item 3: clients that ask for a lot and never read must not grow the server
// without bound. Each server runs as a subprocess and its VmRSS is read from /proc while
// the clients sit there; before the fix these reached 1–2 GB.
import { assert } from "@std/assert";
import { IdleClients, peakRssMiB, rssMiB, startCliServer } from "./_memory.ts";

const MiB = 1024 * 1024;

Deno.test("memory: 100 clients not reading /bytes/10485760 hold one piece each, not 10 MiB", async () => {
  await using server = await startCliServer(["serve", "http", "http://127.0.0.1:0", "--json"]);
  const base = await rssMiB(server.pid);
  using clients = new IdleClients();
  await clients.open(
    server.announced.port as number,
    100,
    "GET /bytes/10485760 HTTP/1.1\r\nhost: x\r\n\r\n",
  );
  assert(clients.statuses.filter((s) => s === 200).length === 100, `${clients.statuses}`);
  const peak = await peakRssMiB(server.pid, 1500);
  // before: about 1 GiB over the baseline (the whole body per client)
  assert(peak - base < 200, `RSS grew by ${(peak - base).toFixed(0)} MiB (base ${base})`);
});

Deno.test("memory: unread 10 MiB echoes are held against the cap; beyond it 503", async () => {
  await using server = await startCliServer([
    "serve",
    "http",
    "http://127.0.0.1:0",
    "--max-buffered",
    "32MiB",
    "--json",
  ]);
  const base = await rssMiB(server.pid);
  const body = new Uint8Array(10 * MiB).fill(97);
  using clients = new IdleClients();
  await clients.open(
    server.announced.port as number,
    20,
    `POST /anything HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.byteLength}\r\n\r\n`,
    body,
  );
  const ok = clients.statuses.filter((s) => s === 200).length;
  const busy = clients.statuses.filter((s) => s === 503).length;
  assert(ok >= 1 && busy >= 1 && ok + busy === 20, `${clients.statuses}`);
  assert(ok <= 3, `${ok} echoes of 10 MiB held under a 32 MiB cap`);
  const peak = await peakRssMiB(server.pid, 1500);
  // before: about 40 MiB per client, 800 MiB over the baseline
  assert(peak - base < 400, `RSS grew by ${(peak - base).toFixed(0)} MiB (base ${base})`);
});

Deno.test("memory: a proxy with 3 s latency holds at most its cap for 100 bulk uploads", async () => {
  using upstream = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sinks: Deno.Conn[] = [];
  const draining: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of upstream) {
        sinks.push(conn);
        draining.push((async () => {
          const buf = new Uint8Array(65536);
          try {
            while ((await conn.read(buf)) !== null) { /* discard */ }
          } catch { /* closed */ }
        })());
      }
    } catch { /* closed */ }
  })();
  await using proxy = await startCliServer([
    "proxy",
    "--listen",
    "tcp://127.0.0.1:0",
    "--upstream",
    `tcp://127.0.0.1:${(upstream.addr as Deno.NetAddr).port}`,
    "--latency",
    "3s",
    "--max-buffered",
    "32MiB",
    "--json",
  ]);
  const port = Number(String(proxy.announced.address).split(":").pop());
  const base = await rssMiB(proxy.pid);
  const conns: Deno.Conn[] = [];
  let stop = false;
  const chunk = new Uint8Array(256 * 1024).fill(1);
  const writers = Array.from({ length: 100 }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conns.push(conn);
    try {
      while (!stop) await conn.write(chunk);
    } catch { /* closed below */ }
  });
  let peak: number;
  try {
    peak = await peakRssMiB(proxy.pid, 4000);
  } finally {
    stop = true;
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await Promise.allSettled(writers);
    upstream.close();
    for (const s of sinks) {
      try {
        s.close();
      } catch { /* closed */ }
    }
    await accepting;
    await Promise.allSettled(draining);
  }
  // before: 4 MiB queued per connection plus read buffers, 500+ MiB over the baseline
  assert(peak - base < 150, `RSS grew by ${(peak - base).toFixed(0)} MiB (base ${base})`);
});
