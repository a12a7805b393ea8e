/**
 * Issue 18 item 1: under `ulimit -n 256`, 400 connections then closing them all must not
 * kill a server or stop it accepting: the next client is served. Prints the recovery time
 * (from the last close to the first answer).
 */
import { assert, assertMatch } from "@std/assert";
import { readSome, startCliServer } from "./_strangers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Opens `n` connections (stopping at the first refusal), holds them briefly, closes all. */
async function flood(port: number, n: number): Promise<void> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) {
    try {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    } catch {
      break;
    }
  }
  // serve http (Deno.serve) stops listening for a moment when it runs out: fewer get in
  assert(conns.length >= 200, `only ${conns.length} connections opened`);
  for (const c of conns) c.close();
}

/** Tries a client every 50 ms until one is answered (deadline 10 s); returns the ms it took. */
async function firstServed(port: number, request: string, answer: RegExp): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 10_000) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      await c.write(enc.encode(request));
      const got = dec.decode(await readSome(c, 12, 1000));
      if (answer.test(got)) return performance.now() - t0;
    } catch { /* refused or reset: try again */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("no client was served within 10s of the flood ending");
}

const HTTP_GET = "GET /status/200 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

for (
  const [name, args, request, answer] of [
    ["serve echo", ["serve", "echo", "tcp://127.0.0.1:0", "--json"], "PING\n", /^PING\n/],
    ["serve http", ["serve", "http", "http://127.0.0.1:0", "--json"], HTTP_GET, /^HTTP\/1\.1 200/],
    [
      "serve http --header-timeout",
      ["serve", "http", "http://127.0.0.1:0", "--header-timeout", "5s", "--json"],
      HTTP_GET,
      /^HTTP\/1\.1 200/,
    ],
  ] as const
) {
  Deno.test(`fd exhaustion: ${name} under ulimit -n 256 serves the next client`, async () => {
    await using server = startCliServer([...args], { ulimit: 256 });
    const port = Number((await server.waitFor(/"port":(\d+)/))[1]);
    await flood(port, 400);
    const ms = await firstServed(port, request, answer);
    console.log(`${name}: first client served ${ms.toFixed(0)}ms after the flood closed`);
    assertMatch(server.stderr(), /cannot accept: Too many open files/);
    assert(!/\n\s+at /.test(server.stderr()), server.stderr());
  });
}

Deno.test("fd exhaustion: proxy under ulimit -n 256 passes the next client through", async () => {
  await using echo = startCliServer(["serve", "echo", "tcp://127.0.0.1:0", "--json"]);
  const upstream = Number((await echo.waitFor(/"port":(\d+)/))[1]);
  await using proxy = startCliServer([
    "proxy",
    "--listen",
    "tcp://127.0.0.1:0",
    "--upstream",
    `tcp://127.0.0.1:${upstream}`,
  ], { ulimit: 256 });
  const port = Number((await proxy.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+) →/))[1]);
  await flood(port, 400);
  const ms = await firstServed(port, "PING\n", /^PING\n/);
  console.log(`proxy: first client served ${ms.toFixed(0)}ms after the flood closed`);
  assertMatch(proxy.stderr(), /Too many open files/);
});
