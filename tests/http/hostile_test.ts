// Hostile and broken clients over real sockets: oversized heads, invalid chunked bodies,
// over-long bodies and a slowloris client; the server keeps serving everyone else.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { httpRequest } from "../../lib/http/client/request.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { needs } from "../helpers/peers.ts";
import { output, textUntilEnd, within } from "../helpers/process.ts";

async function raw(
  port: number,
  data: string,
  waitMs = 5000,
): Promise<{ text: string; closed: boolean }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(data)).catch(() => 0);
  let text = "";
  let closed = false;
  const timer = setTimeout(() => conn.close(), waitMs);
  const buf = new Uint8Array(65536);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) {
        closed = true;
        break;
      }
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch (e) {
    if (
      !(e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted ||
        e instanceof Deno.errors.ConnectionReset)
    ) throw e;
    closed = e instanceof Deno.errors.ConnectionReset;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  return { text, closed };
}

async function stillServes(url: string): Promise<void> {
  const res = await httpRequest({ method: "GET", url: `${url}/get`, timeoutMs: 2000 });
  assertEquals(res.status, 200);
}

Deno.test("hostile: an oversized header block is refused and the connection closed", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0");
  const big = await raw(
    server.port,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(500_000)}\r\n\r\n`,
  );
  assertMatch(big.text, /^HTTP\/1\.1 (400|431)/);
  assert(big.closed, "the connection must be closed");
  const many = await raw(
    server.port,
    `GET / HTTP/1.1\r\nHost: x\r\n${"X-A: b\r\n".repeat(500)}\r\n`,
  );
  assertMatch(many.text, /^HTTP\/1\.1 (400|431)/);
  assert(many.closed);
  const longLine = await raw(
    server.port,
    `GET /get?${"q".repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  );
  assertMatch(longLine.text, /^HTTP\/1\.1 431/);
  await stillServes(server.url);
});

Deno.test("hostile: invalid chunked encoding drops the connection; a body over the cap gets 413", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0", {
    limits: { maxBodyBytes: 1000 },
  });
  const bad = await raw(
    server.port,
    "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
  );
  assert(bad.closed);
  assert(!bad.text.startsWith("HTTP/1.1 200"), bad.text);
  const over = await raw(
    server.port,
    `POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n${
      "x".repeat(5000)
    }`,
  );
  assertMatch(over.text, /^HTTP\/1\.1 413/);
  assert(over.closed);
  await stillServes(server.url);
  assertEquals(
    server.log.entries.filter((r) => r.path === "/post").length,
    0,
    "nothing half-read was recorded",
  );
});

Deno.test("hostile: slowloris clients do not hold up anyone else", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0");
  const slow: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await c.write(new TextEncoder().encode("GET /get HTTP/1.1\r\nHost: x\r\nX-Slow: "));
      slow.push(c);
    }
    for (let round = 0; round < 3; round++) {
      for (const c of slow) await c.write(new TextEncoder().encode("a"));
      const t0 = performance.now();
      await stillServes(server.url);
      assert(performance.now() - t0 < 1000, "a normal request is answered at once");
    }
  } finally {
    for (const c of slow) c.close();
  }
});

Deno.test("hostile: a body that trickles in past the request timeout gets 408", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0", {
    limits: { requestTimeoutMs: 200 },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    await conn.write(
      new TextEncoder().encode("POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"),
    );
    const buf = new Uint8Array(4096);
    const n = await within(conn.read(buf), 5000, "the 408 to a trickling body");
    assertMatch(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 408/);
  } finally {
    conn.close();
  }
  await stillServes(server.url);
});

Deno.test("guard: with header-timeout a slowloris client is dropped (408) while others are served", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0", { headerTimeoutMs: 300 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const t0 = performance.now();
  try {
    await conn.write(new TextEncoder().encode("GET /get HTTP/1.1\r\nHost: x\r\n"));
    const trickle = setInterval(
      () => void conn.write(new TextEncoder().encode("X")).catch(() => {}),
      50,
    );
    await stillServes(server.url); // meanwhile a normal client gets through the guard
    let text = "";
    const buf = new Uint8Array(1024);
    try {
      await within(
        (async () => {
          try {
            while (true) {
              const n = await conn.read(buf);
              if (n === null) break;
              text += new TextDecoder().decode(buf.subarray(0, n));
            }
          } catch { /* reset: dropped */ }
        })(),
        5000,
        () => `the slowloris client to be dropped (got ${JSON.stringify(text)})`,
      );
    } finally {
      clearInterval(trickle);
    }
    const took = performance.now() - t0;
    assertMatch(text, /^HTTP\/1\.1 408/);
    assert(took >= 250 && took < 3000, `dropped after ${took}ms`);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  await stillServes(server.url);
});

Deno.test("guard: an oversized first head gets 431; keep-alive, bodies and the client address pass through", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0", {
    headerTimeoutMs: 2000,
    limits: { maxHeaderBytes: 2048 },
  });
  const big = await raw(
    server.port,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(5000)}\r\n\r\n`,
  );
  assertMatch(big.text, /^HTTP\/1\.1 431/);
  assert(big.closed);
  const posted = await httpRequest({
    method: "POST",
    url: `${server.url}/post`,
    json: { through: "guard" },
  });
  assertEquals((posted.json as { json: unknown }).json, { through: "guard" });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    const myPort = (conn.localAddr as Deno.NetAddr).port;
    const two =
      "GET /ip HTTP/1.1\r\nHost: x\r\n\r\nGET /status/204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    await conn.write(new TextEncoder().encode(two));
    const text = await textUntilEnd(conn, "two pipelined answers, then the close");
    assertEquals(text.match(/^HTTP\/1\.1 /gm)?.length, 2, text);
    assertMatch(text, /"origin": "127\.0\.0\.1"/);
    assertEquals(
      server.log.entries.at(-1)!.remote,
      `127.0.0.1:${myPort}`,
      "the real client, not the guard",
    );
  } catch (e) {
    try {
      conn.close();
    } catch { /* closed by the bounded read */ }
    throw e;
  }
});

Deno.test({
  name: "guard: TLS is terminated in front; curl trusts the generated certificate",
  ...needs("curl"),
  fn: async () => {
    await using server = await startHttpServer("https://127.0.0.1:0", { headerTimeoutMs: 2000 });
    const out = await output("curl", {
      args: ["-sS", "--max-time", "10", "--cacert", server.certPath!, `${server.url}/headers`],
    });
    assert(out.success, new TextDecoder().decode(out.stderr));
    assertMatch(new TextDecoder().decode(out.stdout), /"User-Agent": "curl\//);
  },
});

Deno.test("guard: a client that half-closes after its request still gets the answer", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0", { headerTimeoutMs: 2000 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode("GET /status/418 HTTP/1.1\r\nHost: x\r\n\r\n"));
  await conn.closeWrite();
  const text = await textUntilEnd(conn, "the answer to a half-closed request");
  assertMatch(text, /^HTTP\/1\.1 418/);
});
