/**
 * The Toxiproxy-compatible admin API, driven by a real Toxiproxy client from npm
 * (toxiproxy-node-client) and by curl; every toxic type is measured through a real
 * loopback connection, so a toxic that does nothing fails its test.
 */
import { assert, assertEquals, assertGreaterOrEqual, assertLess, assertRejects } from "@std/assert";
import { Toxiproxy } from "npm:toxiproxy-node-client@4.1.0";
import { startToxiproxyServer } from "../../lib/proxy/toxiproxy_api.ts";
import { canReset } from "../../lib/proxy/reset.ts";
import { needs } from "../helpers/peers.ts";
import { dial, echoServer, readAll, readExactly, serve, startCli, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();

async function roundTrip(port: number, text = "ping"): Promise<number> {
  const c = await dial(port);
  try {
    const t0 = performance.now();
    await writeAll(c, enc.encode(text));
    await readExactly(c, text.length);
    return performance.now() - t0;
  } finally {
    c.close();
  }
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(":") + 1));
}

async function setup() {
  const echo = echoServer();
  const api = startToxiproxyServer({ hostname: "127.0.0.1", port: 0 });
  const client = new Toxiproxy(api.url);
  const proxy = await client.createProxy({
    name: "echo",
    listen: "127.0.0.1:0",
    upstream: `127.0.0.1:${echo.port}`,
  });
  return {
    client,
    proxy,
    port: portOf(proxy.listen),
    api,
    async [Symbol.asyncDispose]() {
      await api.close();
      await echo[Symbol.asyncDispose]();
    },
  };
}

Deno.test("toxiproxy API: client creates a proxy, adds latency, measures, removes it, resets", async () => {
  await using s = await setup();
  assertEquals(await s.client.getVersion(), "2.12.0");
  assert(s.port > 0, "the listen address comes back with its port");
  assertLess(await roundTrip(s.port), 100);
  const toxic = await s.proxy.addToxic({
    type: "latency",
    stream: "downstream",
    toxicity: 1,
    attributes: { latency: 250, jitter: 0 },
  } as never);
  assertEquals(toxic.name, "latency_downstream");
  assertGreaterOrEqual(await roundTrip(s.port), 240);
  const listed = await s.client.getAll();
  assertEquals(Object.keys(listed), ["echo"]);
  await toxic.remove();
  assertLess(await roundTrip(s.port), 100);
  await s.proxy.addToxic({ type: "latency", attributes: { latency: 250 } } as never);
  await s.client.reset();
  const back = await fetch(`${s.api.url}/proxies/echo/toxics`).then((r) => r.json());
  assertEquals(back, []);
  assertLess(await roundTrip(s.port), 100);
});

Deno.test("toxiproxy API: latency with jitter, upstream, stays within latency ± jitter", async () => {
  await using s = await setup();
  await s.proxy.addToxic({
    type: "latency",
    stream: "upstream",
    attributes: { latency: 200, jitter: 100 },
  } as never);
  for (let i = 0; i < 5; i++) {
    const t = await roundTrip(s.port);
    assertGreaterOrEqual(t, 95);
    assertLess(t, 400);
  }
});

Deno.test("toxiproxy API: bandwidth limits the rate (KB/s)", async () => {
  await using s = await setup();
  await s.proxy.addToxic({ type: "bandwidth", attributes: { rate: 100 } } as never);
  const t = await roundTrip(s.port, "x".repeat(50_000)); // 50 KB at 100 KB/s: 0.5 s
  assertGreaterOrEqual(t, 400);
  assertLess(t, 2000);
});

Deno.test("toxiproxy API: slow_close holds the close back", async () => {
  await using s = await setup();
  await s.proxy.addToxic({ type: "slow_close", attributes: { delay: 300 } } as never);
  const c = await dial(s.port);
  await writeAll(c, enc.encode("bye"));
  const t0 = performance.now();
  await c.closeWrite();
  const r = await readAll(c);
  c.close();
  assertEquals([r.bytes, r.end], [3, "eof"]);
  assertGreaterOrEqual(performance.now() - t0, 280);
});

Deno.test("toxiproxy API: timeout drops the data and closes after the timeout", async () => {
  await using s = await setup();
  await s.proxy.addToxic({ type: "timeout", attributes: { timeout: 300 } } as never);
  const c = await dial(s.port);
  const t0 = performance.now();
  await writeAll(c, enc.encode("hello"));
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 0, "nothing gets through");
  assert(r.end === "eof" || r.end === "reset", r.end);
  assertGreaterOrEqual(performance.now() - t0, 280);
});

Deno.test("toxiproxy API: reset_peer resets the connection after its timeout", async () => {
  await using s = await setup();
  await s.proxy.addToxic({ type: "reset_peer", attributes: { timeout: 200 } } as never);
  const c = await dial(s.port);
  const t0 = performance.now();
  const r = await readAll(c);
  c.close();
  // a real RST needs FFI (reset.ts); without it the proxy closes instead
  assertEquals(r.end, canReset() ? "reset" : "eof");
  assertGreaterOrEqual(performance.now() - t0, 180);
  const m = await fetch(`${s.api.url}/metrics`).then((r) => r.text());
  assert(/wireplay_proxy_faults_total\{proxy="echo",kind="reset"\} 1/.test(m), m);
});

Deno.test("toxiproxy API: slicer cuts the stream into small delayed pieces", async () => {
  await using s = await setup();
  await s.proxy.addToxic({
    type: "slicer",
    attributes: { average_size: 2, size_variation: 1, delay: 10_000 },
  } as never);
  const c = await dial(s.port);
  const t0 = performance.now();
  await writeAll(c, enc.encode("x".repeat(30)));
  await c.closeWrite();
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 30);
  assert(Math.max(...r.chunks) <= 3, `pieces of at most 3 bytes: ${r.chunks}`);
  assertGreaterOrEqual(r.chunks.length, 10);
  assertGreaterOrEqual(performance.now() - t0, 90); // ≥ 9 gaps of 10 ms
});

Deno.test("toxiproxy API: limit_data closes after the given bytes, per stream", async () => {
  const received = Promise.withResolvers<number>();
  await using sink = serve(async (conn) => {
    const r = await readAll(conn);
    received.resolve(r.bytes);
  });
  await using api = startToxiproxyServer({ hostname: "127.0.0.1", port: 0 });
  const client = new Toxiproxy(api.url);
  const proxy = await client.createProxy({
    name: "sink",
    listen: "127.0.0.1:0",
    upstream: `127.0.0.1:${sink.port}`,
  });
  await proxy.addToxic(
    { type: "limit_data", stream: "upstream", attributes: { bytes: 10 } } as never,
  );
  const c = await dial(portOf(proxy.listen));
  await writeAll(c, enc.encode("x".repeat(100))).catch(() => {});
  const r = await readAll(c);
  c.close();
  assertEquals(r.end, "eof");
  assertEquals(await received.promise, 10);
});

Deno.test("toxiproxy API: toxicity gives the toxic to that share of connections", async () => {
  await using s = await setup();
  await s.proxy.addToxic({ type: "latency", toxicity: 0.5, attributes: { latency: 150 } } as never);
  const times = await Promise.all(Array.from({ length: 40 }, () => roundTrip(s.port)));
  const slow = times.filter((t) => t >= 140).length;
  // binomial(40, 0.5): 8…32 holds with probability > 0.9999
  assert(slow >= 8 && slow <= 32, `${slow} of 40 connections were slowed`);
  const m = await fetch(`${s.api.url}/metrics`).then((r) => r.text());
  assert(/wireplay_proxy_connections_total\{proxy="echo"\} 40/.test(m), m);
});

Deno.test("toxiproxy API: a disabled proxy is down and comes back on the same port", async () => {
  await using s = await setup();
  await s.proxy.update({ enabled: false } as never);
  await assertRejects(() => dial(s.port));
  const again = await s.proxy.update({ enabled: true } as never);
  assertEquals(again.enabled, true);
  assertEquals(portOf(again.listen), s.port);
  assertLess(await roundTrip(s.port), 100);
});

Deno.test("toxiproxy API: errors come back as Toxiproxy's JSON with the status", async () => {
  await using s = await setup();
  const r = await fetch(`${s.api.url}/proxies/echo/toxics`, {
    method: "POST",
    body: JSON.stringify({ type: "earthquake" }),
  });
  assertEquals(r.status, 400);
  assertEquals((await r.json()).error, 'unknown toxic type "earthquake"');
  const dup = await fetch(`${s.api.url}/proxies`, {
    method: "POST",
    body: JSON.stringify({ name: "echo", upstream: "127.0.0.1:1" }),
  });
  assertEquals(dup.status, 409);
  await dup.body?.cancel();
  const missing = await fetch(`${s.api.url}/proxies/nope`);
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test({
  name: "toxiproxy API: curl drives `proxy --admin`, and --metrics counts the faults",
  ...needs("curl"),
  fn: async () => {
    await using echo = echoServer();
    await using cli = startCli([
      "proxy",
      "--listen",
      "tcp://127.0.0.1:0",
      "--upstream",
      echo.address,
      "--admin",
      "127.0.0.1:0",
      "--metrics",
      "127.0.0.1:0",
      "--json",
    ]);
    const line = await cli.waitFor(/\{"event":"listening".*\}/);
    const info = JSON.parse(line[0]);
    const port = Number(/:(\d+)$/.exec(info.address)![1]);
    const curl = async (...args: string[]) => {
      const out = await new Deno.Command("curl", { args: ["-sS", "--max-time", "5", ...args] })
        .output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    const toxic = JSON.parse(
      await curl(
        "-X",
        "POST",
        "-d",
        '{"type":"limit_data","attributes":{"bytes":3}}',
        `${info.admin}/proxies/proxy/toxics`,
      ),
    );
    assertEquals(toxic.name, "limit_data_downstream");
    const c = await dial(port);
    await writeAll(c, enc.encode("hello"));
    const r = await readAll(c);
    c.close();
    assertEquals([r.bytes, r.end], [3, "eof"]);
    await curl("-X", "DELETE", `${info.admin}/proxies/proxy/toxics/limit_data_downstream`);
    assertLess(await roundTrip(port), 100);
    const metrics = await curl(info.metrics);
    assert(/wireplay_proxy_faults_total\{proxy="proxy",kind="close"\} 1/.test(metrics), metrics);
    assert(/wireplay_proxy_bytes_total\{proxy="proxy",direction="up"\} 9/.test(metrics), metrics);
    assertEquals(await cli.stop(), 0);
  },
});

Deno.test("`wireplay toxiproxy ADDR` serves the API on its own", async () => {
  await using echo = echoServer();
  await using cli = startCli(["toxiproxy", "127.0.0.1:0"]);
  const url = (await cli.waitFor(/toxiproxy API on (http:\/\/\S+)/))[1]!;
  const client = new Toxiproxy(url);
  assertEquals(await client.getVersion(), "2.12.0");
  const proxy = await client.createProxy({
    name: "e",
    listen: "127.0.0.1:0",
    upstream: `127.0.0.1:${echo.port}`,
  });
  await proxy.addToxic({ type: "latency", attributes: { latency: 200 } } as never);
  assertGreaterOrEqual(await roundTrip(portOf(proxy.listen)), 190);
  await proxy.remove();
  assertEquals(Object.keys(await client.getAll()), []);
  assertEquals(await cli.stop(), 0);
});
