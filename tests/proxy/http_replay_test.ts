/**
 * Issue 12: HTTP recorded with `wireplay record` from curl replays with `wireplay
 * replay` on another port to curl sending a different Host, User-Agent, an extra
 * header, the query and JSON body in another order, the requests in another order and
 * on other connections: every body matches the recording. An unrecorded request gets a
 * 404 naming the closest recorded request and the difference, and exit code 1.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { freePort, startCli } from "./_helpers.ts";

/** Runs curl; returns its stdout (the body) and the status (`-w`). */
async function curl(...args: string[]): Promise<{ body: string; status: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const nl = text.lastIndexOf("\n");
  return { body: text.slice(0, nl), status: text.slice(nl + 1) };
}

/** An upstream whose answers depend on the request (and carry a Date header). */
function upstream(): Deno.HttpServer<Deno.NetAddr> & { count: () => number } {
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    n++;
    const url = new URL(req.url);
    if (url.pathname === "/users") {
      return Response.json({ id: url.searchParams.get("id"), lang: url.searchParams.get("lang") });
    }
    if (url.pathname === "/echo" && req.method === "POST") {
      const body = await req.json();
      return Response.json({ sum: body.a + body.b, at: n });
    }
    if (url.pathname === "/upload") {
      return new Response(`got ${(await req.arrayBuffer()).byteLength} bytes`);
    }
    if (url.pathname === "/chunked") {
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("part one, "));
            c.enqueue(new TextEncoder().encode("part two"));
            c.close();
          },
        }),
      );
    }
    return new Response(`plain ${url.pathname} ${n}`);
  });
  return Object.assign(server, { count: () => n });
}

Deno.test({
  name: "HTTP recorded from curl replays to a curl that differs in Host, UA, headers and order",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/http.wire`;
    await using up = upstream();
    const upAddr = `tcp://127.0.0.1:${up.addr.port}`;

    const recordPort = freePort();
    const recorder = startCli([
      "record",
      "--listen",
      `tcp://127.0.0.1:${recordPort}`,
      "--upstream",
      upAddr,
      "--out",
      file,
    ]);
    await recorder.waitFor(/^recording /m);
    const base = `http://127.0.0.1:${recordPort}`;
    const live = {
      user1: await curl(`${base}/users?id=1&lang=en`),
      echo: await curl(
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        '{"a":1,"b":2}',
        `${base}/echo`,
      ),
      // two requests on one keep-alive connection
      pair: await curl(`${base}/users?id=2`, `${base}/chunked`),
      plain: await curl(`${base}/plain`),
    };
    assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
    assertEquals(live.user1.body, '{"id":"1","lang":"en"}');
    // -w writes the status after each URL
    assertEquals(live.pair.body, '{"id":"2","lang":null}\n200part one, part two');
    const recorded = await Deno.readTextFile(file);
    assertStringIncludes(recorded, 'send c1 "GET /users?id=1&lang=en HTTP/1.1\\r\\n');

    // replay on another port; curl sends other headers, other orders, other connections
    const replayPort = freePort();
    const replay = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay.waitFor(/^replaying /m);
    assertStringIncludes(replay.stdout(), "5 HTTP exchange(s)");
    const rb = `http://127.0.0.1:${replayPort}`;
    const odd = ["-H", "Host: elsewhere.example", "-A", "other-agent/9", "-H", "X-Extra: 1"];
    const served = {
      plain: await curl(...odd, `${rb}/plain`),
      // the pair, apart and reversed
      chunked: await curl(...odd, `${rb}/chunked`),
      user2: await curl(...odd, `${rb}/users?id=2`),
      // the echo and user1 on one keep-alive connection, query and JSON keys reordered
      both: await curl(
        ...odd,
        `${rb}/users?lang=en&id=1`,
        "--next",
        "-sS",
        "-w",
        "\n%{http_code}",
        ...odd,
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        '{"b":2,"a":1}',
        `${rb}/echo`,
      ),
    };
    assertEquals(await replay.status(), 0, replay.stderr() + replay.stdout());
    assertMatch(replay.stdout(), /5 passed, 0 deviated/);
    assertEquals(served.plain, live.plain);
    assertEquals(served.chunked.body, "part one, part two");
    assertEquals(served.user2.body, '{"id":"2","lang":null}');
    assertEquals(served.both.body, `${live.user1.body}\n200${live.echo.body}`);
    assertEquals(served.both.status, "200");
    const upstreamCalls = up.count();

    // an unrecorded request: the near-miss 404, printed, exit 1
    const replay2 = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay2.waitFor(/^replaying /m);
    const miss = await curl(`${rb}/users?id=3&lang=en`);
    assertEquals(miss.status, "404");
    assertStringIncludes(miss.body, "no recorded request matches GET /users?id=3&lang=en");
    assertStringIncludes(miss.body, "closest recorded: GET /users?id=1&lang=en (c1, ");
    assertStringIncludes(miss.body, "query +id=3 -id=1");
    const hit = await curl(`${rb}/users?id=1&lang=en`);
    assertEquals(hit.body, live.user1.body);
    // served already: the same request again is a near miss that says so
    const again = await curl(`${rb}/users?id=1&lang=en`);
    assertEquals(again.status, "404");
    assertStringIncludes(again.body, "already served");
    assertEquals(await replay2.stop("SIGTERM"), 1);
    assertStringIncludes(replay2.stderr(), "no recorded request matches");
    assertStringIncludes(replay2.stderr(), "expected: GET /users?id=1&lang=en");
    assertEquals(up.count(), upstreamCalls, "replay never talks to the upstream");
  },
});

Deno.test({
  name: "HTTP replay answers Expect: 100-continue at once (curl's large POST waits no second)",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/upload.wire`;
    const body = `${dir.path}/body.bin`;
    await Deno.writeTextFile(body, "x".repeat(4000));
    // curl sends Expect: 100-continue itself only past 1 MiB; asked for, it waits up to 1 s
    const expect = ["-H", "Expect: 100-continue"];
    await using up = upstream();
    const recordPort = freePort();
    const recorder = startCli([
      "record",
      "--listen",
      `tcp://127.0.0.1:${recordPort}`,
      "--upstream",
      `tcp://127.0.0.1:${up.addr.port}`,
      "--out",
      file,
    ]);
    await recorder.waitFor(/^recording /m);
    const live = await curl(
      ...expect,
      "--data-binary",
      `@${body}`,
      `http://127.0.0.1:${recordPort}/upload`,
    );
    assertEquals(live.body, "got 4000 bytes");
    assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
    assertStringIncludes(await Deno.readTextFile(file), "Expect: 100-continue");

    const replayPort = freePort();
    const replay = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay.waitFor(/^replaying /m);
    const t0 = performance.now();
    const served = await curl(
      ...expect,
      "--data-binary",
      `@${body}`,
      `http://127.0.0.1:${replayPort}/upload`,
    );
    const ms = performance.now() - t0;
    assertEquals(served, live);
    assert(ms < 900, `curl waited ${Math.round(ms)}ms: no 100 Continue came`);
    assertEquals(await replay.status(), 0, replay.stderr());
  },
});
