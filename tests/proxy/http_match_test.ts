/**
 * Issue 12: HTTP framing for replay (Content-Length, chunked, HEAD, 1xx, until close,
 * keep-alive pipelines) and request matching (`--match`, `--ignore-header`,
 * `--ignore-query`, JSON bodies with keys in another order, `--reuse`, `--repeat`).
 */
import { assertEquals, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import { frameResponse, looksLikeHttpRequest, readRequest } from "../../lib/proxy/http_message.ts";
import { differences, parseMatchChoice } from "../../lib/proxy/http_match.ts";
import { splitHttp } from "../../lib/proxy/http_plan.ts";
import { ExchangePool } from "../../lib/proxy/http_replayer.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { readAll, readExactly } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function req(text: string) {
  const r = readRequest(enc.encode(text));
  if (!r) throw new Error("incomplete");
  return r;
}

Deno.test("http framing: requests by Content-Length and chunked, incomplete waits", () => {
  const chunked =
    "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\nGET";
  const r = readRequest(enc.encode(chunked))!;
  assertEquals(dec.decode(r.body), "abcde");
  assertEquals(r.raw.byteLength, chunked.length - 3);
  assertEquals(
    readRequest(enc.encode("POST /u HTTP/1.1\r\nContent-Length: 5\r\n\r\nab")),
    undefined,
  );
  assertEquals(readRequest(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n")), undefined);
  assertThrows(() => readRequest(enc.encode("HELLO there\r\n\r\n")), SyntaxError);
  assertEquals(looksLikeHttpRequest(enc.encode("GET /a HTTP/1.1\r\n")), true);
  assertEquals(looksLikeHttpRequest(enc.encode("PING\r\n")), false);
  assertEquals(looksLikeHttpRequest(enc.encode("*1\r\n$4\r\nPING\r\n")), false);
});

Deno.test("http framing: responses (length, chunked, HEAD, 204, 1xx, until close)", () => {
  const f = (t: string, method = "GET", ended = false) =>
    frameResponse(enc.encode(t), method, ended);
  const cl = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1";
  assertEquals(f(cl)?.length, cl.length - 8);
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
  assertEquals(f(head, "HEAD")?.length, head.length);
  assertEquals(f("HTTP/1.1 204 No Content\r\n\r\n")?.length, 27);
  const ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  assertEquals(f(ch)?.length, ch.length);
  const interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  assertEquals(f(interim)?.status, 201);
  assertEquals(f(interim)?.length, interim.length);
  const open = "HTTP/1.0 200 OK\r\n\r\nrest of the body";
  assertEquals(f(open), undefined);
  assertEquals(f(open, "GET", true), {
    length: open.length,
    status: 200,
    untilClose: true,
    closes: true,
  });
});

Deno.test("http matching: defaults, --match, --ignore-header, --ignore-query, JSON bodies", () => {
  const a = req('POST /p?x=1&y=2 HTTP/1.1\r\nX-Api: k1\r\nContent-Length: 13\r\n\r\n{"a":1,"b":2}');
  const b = req(
    'POST /p?y=2&x=1 HTTP/1.1\r\nX-Api: k2\r\nUser-Agent: z\r\nContent-Length: 14\r\n\r\n{"b":2, "a":1}',
  );
  const def = parseMatchChoice(undefined).http;
  assertEquals(differences(a, b, def), []);
  const withHeader = parseMatchChoice("method,path,query,body,headers:x-api").http;
  assertEquals(differences(a, b, withHeader), ['header x-api: "k2" (recorded "k1")']);
  const allHeaders =
    parseMatchChoice("http,headers", ["x-api", "user-agent", "content-length"]).http;
  assertEquals(differences(a, b, allHeaders), []);
  const c = req('POST /p?x=1&y=2&ts=99 HTTP/1.1\r\nContent-Length: 13\r\n\r\n{"a":1,"b":3}');
  assertEquals(differences(a, c, def).length, 2);
  assertEquals(differences(a, c, parseMatchChoice(undefined, [], ["ts"]).http), [
    'body "{\\"a\\":1,\\"b\\":3}" (recorded "{\\"a\\":1,\\"b\\":2}")',
  ]);
  assertEquals(differences(a, c, parseMatchChoice("method,path").http), []);
  assertEquals(parseMatchChoice("bytes").mode, "bytes");
  const bad = assertThrows(() => parseMatchChoice("path,cookies"), UsageError);
  assertEquals(bad.where, "--match");
});

const RECORDING = `default target = "tcp://127.0.0.1:1"
connect \${target} as c1
send c1 "GET /a HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET /b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
expect c1 "HTTP/1.1 200 OK\\r\\nContent-Length: 1\\r\\n\\r\\nA"
expect c1 "HTTP/1.1 200 OK\\r\\nContent-Length: 1\\r\\n\\r\\nB"
close c1
connect \${target} as c2
send c2 "PING\\r\\n"
expect c2 "+PONG\\r\\n"
close c2
`;

Deno.test("http plan: a pipelined connection splits into exchanges; other protocols stay bytes", async () => {
  const split = splitHttp(await planReplay(RECORDING, "r.wire"));
  assertEquals(
    split.exchanges.map((e) => `${e.conn} ${e.request.path} ${dec.decode(e.response).at(-1)}`),
    [
      "c1 /a A",
      "c1 /b B",
    ],
  );
  assertEquals(split.byteConnections.map((c) => c.name), ["c2"]);
  const once = new ExchangePool(split.exchanges, parseMatchChoice(undefined).http);
  const get = req("GET /a HTTP/1.1\r\nHost: y\r\n\r\n");
  assertEquals(once.take(get)?.request.path, "/a");
  assertEquals(once.take(get), undefined);
  assertEquals(once.nearMiss(get, "r.wire").lines, [
    "it was already served (--repeat N or --reuse serves it again)",
  ]);
  const twice = new ExchangePool(split.exchanges, parseMatchChoice(undefined).http, 2);
  assertEquals([twice.take(get), twice.take(get), twice.take(get)].map((e) => !!e), [
    true,
    true,
    false,
  ]);
  const reuse = new ExchangePool(split.exchanges, parseMatchChoice(undefined).http, 1, true);
  for (let i = 0; i < 5; i++) assertEquals(reuse.take(get)?.request.path, "/a");
  assertEquals(reuse.total, Infinity);
});

Deno.test("http replay: a client speaking another protocol is reported, others still served", async () => {
  const { parseAddress } = await import("../../lib/address/address.ts");
  const { startReplay } = await import("../../lib/proxy/replayer.ts");
  const split = splitHttp(
    await planReplay(RECORDING.split("connect ${target} as c2")[0]!, "r.wire"),
  );
  await using server = await startReplay({
    listen: { address: parseAddress("tcp://127.0.0.1:0") },
    connections: split.byteConnections,
    exchanges: split.exchanges,
    httpRule: parseMatchChoice(undefined).http,
    file: "r.wire",
    timeoutMs: 2000,
  });
  {
    using stranger = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await stranger.write(enc.encode("HELO x\r\n"));
    const got = await readAll(stranger, 5000);
    assertEquals([got.bytes, got.end], [0, "eof"]); // dropped without an answer
  }
  for (const path of ["/b", "/a"]) {
    using c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await c.write(enc.encode(`GET ${path} HTTP/1.1\r\nHost: z\r\n\r\n`));
    const answer = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + path.slice(1).toUpperCase();
    assertEquals(dec.decode(await readExactly(c, answer.length)), answer);
  }
  await server.finished;
  assertEquals(server.results.map((r) => r.ok), [false, true, true]);
  assertEquals(
    server.results[0]!.failure?.reason,
    "not an HTTP request: no recorded connection speaks this protocol",
  );
});
