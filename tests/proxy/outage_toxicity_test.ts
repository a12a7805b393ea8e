/**
 * The faults issue 15 added to every proxy: a proxy that is down (running connections
 * and new ones are reset) and comes back, toxicity for the faults set by flags, and
 * slow-close.
 */
import { assert, assertEquals, assertGreaterOrEqual, assertLess } from "@std/assert";
import { noFaults, withFault } from "../../lib/proxy/faults.ts";
import { dial, echoServer, proxyTo, readAll, readExactly, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();

async function roundTrip(port: number): Promise<number> {
  const c = await dial(port);
  try {
    const t0 = performance.now();
    await writeAll(c, enc.encode("ping"));
    await readExactly(c, 4);
    return performance.now() - t0;
  } finally {
    c.close();
  }
}

Deno.test("proxy outage: running and new connections end, and it comes back", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address);
  const running = await dial(proxy.port);
  await writeAll(running, enc.encode("a"));
  await readExactly(running, 1);
  proxy.setOutage(true);
  const r = await readAll(running);
  running.close();
  assert(r.end === "reset" || r.end === "eof", r.end);
  const fresh = await dial(proxy.port);
  const f = await readAll(fresh);
  fresh.close();
  assertEquals(f.bytes, 0);
  assert(f.end === "reset" || f.end === "eof", f.end);
  assertEquals(proxy.stats.faults.outage, 2);
  proxy.setOutage(false);
  assertLess(await roundTrip(proxy.port), 100);
});

Deno.test("proxy toxicity: the faults reach that share of connections", async () => {
  await using echo = echoServer();
  const faults = { ...withFault(noFaults(), "latency", 150, "down"), toxicity: 0.5 };
  await using proxy = await proxyTo(echo.address, faults);
  const times = await Promise.all(Array.from({ length: 40 }, () => roundTrip(proxy.port)));
  const slow = times.filter((t) => t >= 140).length;
  // binomial(40, 0.5): 8…32 with probability > 0.9999
  assert(slow >= 8 && slow <= 32, `${slow} of 40 slowed`);
  assertEquals(proxy.stats.faults["toxic-connection"], slow);
});

Deno.test("proxy slow-close: the end is passed on D later", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address, withFault(noFaults(), "slow-close", 300, "down"));
  const c = await dial(proxy.port);
  await writeAll(c, enc.encode("x"));
  const t0 = performance.now();
  await c.closeWrite();
  const r = await readAll(c);
  c.close();
  assertEquals([r.bytes, r.end], [1, "eof"]);
  assertGreaterOrEqual(performance.now() - t0, 280);
});

Deno.test("proxy stall-after: SIZE bytes go through, then nothing, the connection stays open", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address, withFault(noFaults(), "stall-after", 3, "down"));
  const c = await dial(proxy.port);
  await writeAll(c, enc.encode("hello"));
  const r = await readAll(c, 400); // closes c when the time is up
  assertEquals([r.bytes, r.end], [3, "timeout"]);
});
