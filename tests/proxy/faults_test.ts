/**
 * Each fault of the proxy, through a real loopback connection: every test measures what
 * the fault must change (time, chunking, bytes before the end), so a fault that does
 * nothing fails it.
 */
import { assert, assertEquals, assertGreaterOrEqual, assertLess } from "@std/assert";
import { noFaults, withFault } from "../../lib/proxy/faults.ts";
import { canReset } from "../../lib/proxy/reset.ts";
import { dial, echoServer, proxyTo, readAll, readExactly, serve, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();

/** One echo round trip of `text` through `port`, in ms. */
async function roundTrip(conn: Deno.Conn, text = "ping"): Promise<number> {
  const t0 = performance.now();
  await writeAll(conn, enc.encode(text));
  await readExactly(conn, text.length);
  return performance.now() - t0;
}

/** A server that sends `size` bytes as soon as a client connects, then closes. */
function sourceServer(size: number) {
  return serve(async (conn) => {
    await writeAll(conn, new Uint8Array(size).fill(0x61));
    await conn.closeWrite();
    await readAll(conn, 5000);
  });
}

Deno.test("proxy: no faults forwards both ways and passes the half-close on", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address);
  const c = await dial(proxy.port);
  await writeAll(c, enc.encode("hello"));
  await c.closeWrite();
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 5);
  assertEquals(r.end, "eof");
  assertEquals(proxy.stats.bytesUp, 5);
  assertEquals(proxy.stats.bytesDown, 5);
});

Deno.test("proxy: latency delays each direction; changeable at runtime; clear removes it", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address);
  const c = await dial(proxy.port);
  try {
    assertLess(await roundTrip(c), 100);
    proxy.setFault("latency", 150, "up");
    assertGreaterOrEqual(await roundTrip(c), 145);
    proxy.setFault("latency", 100, "both");
    assertGreaterOrEqual(await roundTrip(c), 195);
    proxy.clearFaults();
    assertLess(await roundTrip(c), 100);
  } finally {
    c.close();
  }
});

Deno.test("proxy: latency down delays a server-first greeting, latency up does not", async () => {
  await using greeter = serve(async (conn) => {
    await writeAll(conn, enc.encode("220 hello\r\n"));
    await readAll(conn);
  });
  for (const [direction, slow] of [["down", true], ["up", false]] as const) {
    await using proxy = await proxyTo(
      greeter.address,
      withFault(noFaults(), "latency", 200, direction),
    );
    const t0 = performance.now();
    const c = await dial(proxy.port);
    await readExactly(c, 11);
    const ms = performance.now() - t0;
    c.close();
    if (slow) assertGreaterOrEqual(ms, 195);
    else assertLess(ms, 150);
  }
});

Deno.test("proxy: latency is pipelined — a stream of chunks is not delayed once per chunk", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address, withFault(noFaults(), "latency", 100, "up"));
  const c = await dial(proxy.port);
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    await writeAll(c, enc.encode("x"));
    await new Promise((r) => setTimeout(r, 5));
  }
  await readExactly(c, 20);
  const ms = performance.now() - t0;
  c.close();
  assertGreaterOrEqual(ms, 100);
  assertLess(ms, 20 * 100 / 2, "chunks were delayed one after the other");
});

Deno.test("proxy: jitter adds random delay", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address, withFault(noFaults(), "jitter", 100, "up"));
  const c = await dial(proxy.port);
  let total = 0;
  for (let i = 0; i < 10; i++) total += await roundTrip(c);
  c.close();
  // mean 50ms each: 10 round trips well above 150ms; without jitter ~ a few ms
  assertGreaterOrEqual(total, 150);
});

Deno.test("proxy: bandwidth limits throughput", async () => {
  await using source = sourceServer(100_000);
  await using proxy = await proxyTo(
    source.address,
    withFault(noFaults(), "bandwidth", 200_000, "down"),
  );
  const t0 = performance.now();
  const c = await dial(proxy.port);
  const r = await readAll(c, 10_000);
  const ms = performance.now() - t0;
  c.close();
  assertEquals(r.bytes, 100_000);
  // 100 kB at 200 kB/s: ~500ms
  assertGreaterOrEqual(ms, 400);
  assertLess(ms, 3000);
});

Deno.test("proxy: slice re-chunks into pieces of at most N bytes", async () => {
  await using source = sourceServer(60);
  const faults = withFault(withFault(noFaults(), "slice", 4, "down"), "slice-delay", 10, "down");
  await using proxy = await proxyTo(source.address, faults);
  const c = await dial(proxy.port);
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 60);
  assert(r.chunks.every((n) => n <= 4), `chunks ${r.chunks}`);
  assertGreaterOrEqual(r.chunks.length, 15);
});

Deno.test("proxy: reset-after forwards exactly SIZE bytes, then the client sees a reset", async () => {
  await using source = sourceServer(100_000);
  await using proxy = await proxyTo(
    source.address,
    withFault(noFaults(), "reset-after", 1000, "down"),
  );
  const c = await dial(proxy.port);
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 1000);
  assertEquals(r.end, canReset() ? "reset" : "eof");
});

Deno.test("proxy: close-after forwards exactly SIZE bytes, then closes", async () => {
  await using source = sourceServer(100_000);
  await using proxy = await proxyTo(
    source.address,
    withFault(noFaults(), "close-after", 1000, "down"),
  );
  const c = await dial(proxy.port);
  const r = await readAll(c);
  c.close();
  assertEquals(r.bytes, 1000);
  assertEquals(r.end, "eof");
});

Deno.test("proxy: close-after up cuts what the server receives", async () => {
  let received = -1;
  const got = Promise.withResolvers<void>();
  await using sink = serve(async (conn) => {
    received = (await readAll(conn)).bytes;
    got.resolve();
  });
  await using proxy = await proxyTo(sink.address, withFault(noFaults(), "close-after", 10, "up"));
  const c = await dial(proxy.port);
  await writeAll(c, new Uint8Array(100));
  await got.promise;
  c.close();
  assertEquals(received, 10);
});

Deno.test("proxy: timeout-after stops forwarding but keeps the connection open", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(
    echo.address,
    withFault(noFaults(), "timeout-after", 200, "up"),
  );
  const c = await dial(proxy.port);
  assertLess(await roundTrip(c), 150);
  await new Promise((r) => setTimeout(r, 250));
  await writeAll(c, enc.encode("late"));
  const r = await readAll(c, 400); // closes c when the time is up
  assertEquals(r.bytes, 0);
  assertEquals(r.end, "timeout", "the connection should stay open, silent");
});

Deno.test("proxy: drop-connect 1 closes every new connection, 0 none", async () => {
  await using echo = echoServer();
  await using proxy = await proxyTo(echo.address, { ...noFaults(), dropConnect: 1 });
  for (let i = 0; i < 3; i++) {
    const c = await dial(proxy.port);
    const r = await readAll(c);
    c.close();
    assertEquals(r.bytes, 0);
  }
  assertEquals(proxy.stats.dropped, 3);
  proxy.setFault("drop-connect", 0);
  const c = await dial(proxy.port);
  assertLess(await roundTrip(c), 1000);
  c.close();
  assertEquals(proxy.stats.dropped, 3);
});

Deno.test("proxy: a reset from the server is passed on as a reset", async () => {
  const { resetConn } = await import("../../lib/proxy/reset.ts");
  await using rude = serve(async (conn) => {
    await writeAll(conn, enc.encode("bye"));
    await readExactly(conn, 1);
    resetConn(conn);
  });
  await using proxy = await proxyTo(rude.address);
  const c = await dial(proxy.port);
  await readExactly(c, 3);
  await writeAll(c, enc.encode("x"));
  const r = await readAll(c);
  c.close();
  assertEquals(r.end, canReset() ? "reset" : "eof");
});

Deno.test("proxy: a slow reader slows the writer (bounded memory)", async () => {
  const total = 256 * 1024 * 1024;
  let written = 0;
  const writer = Promise.withResolvers<void>();
  await using firehose = serve(async (conn) => {
    const chunk = new Uint8Array(1024 * 1024);
    try {
      while (written < total) {
        await writeAll(conn, chunk);
        written += chunk.byteLength;
      }
    } finally {
      writer.resolve();
    }
  });
  await using proxy = await proxyTo(firehose.address);
  const c = await dial(proxy.port);
  // do not read: after a while, the server must be stuck far below 256 MiB
  await new Promise((r) => setTimeout(r, 700));
  const stuckAt = written;
  c.close();
  await writer.promise;
  assertLess(
    stuckAt,
    48 * 1024 * 1024,
    `the server wrote ${stuckAt} bytes into a non-reading client`,
  );
  assertLess(proxy.stats.bytesDown, 48 * 1024 * 1024);
});

Deno.test("proxy: faults shape a slow reader too (the shaped queue is bounded)", async () => {
  let written = 0;
  const writer = Promise.withResolvers<void>();
  await using firehose = serve(async (conn) => {
    const chunk = new Uint8Array(1024 * 1024);
    try {
      while (written < 256 * 1024 * 1024) {
        await writeAll(conn, chunk);
        written += chunk.byteLength;
      }
    } finally {
      writer.resolve();
    }
  });
  await using proxy = await proxyTo(firehose.address, withFault(noFaults(), "latency", 1, "down"));
  const c = await dial(proxy.port);
  await new Promise((r) => setTimeout(r, 700));
  const stuckAt = written;
  c.close();
  await writer.promise;
  assertLess(stuckAt, 48 * 1024 * 1024);
});
