import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { encodeRequest, HttpParseError, ResponseParser } from "../../lib/tools/bench/http_codec.ts";
import { runBench } from "../../lib/tools/bench/bench.ts";
import { latencySvg } from "../../lib/tools/bench/svg.ts";
import {
  freeTcpPort,
  nginxOneWorker,
  opensslCert,
  opensslServer,
  socatSink,
  socatTcpEcho,
  socatUdpEcho,
} from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Feeds `bytes` to a fresh parser in pieces of `step` bytes; returns the parser. */
function parseInSteps(bytes: Uint8Array, step: number, head = false): ResponseParser {
  const p = new ResponseParser();
  p.headRequest = head;
  for (let i = 0; i < bytes.length && !p.complete; i += step) {
    const used = p.feed(bytes, i, Math.min(bytes.length, i + step));
    assertEquals(used, Math.min(bytes.length, i + step), "no bytes after the response");
  }
  return p;
}

Deno.test("ResponseParser: content-length, chunked, HEAD, close-delimited, in every split", () => {
  const cl = enc("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello");
  const chunked = enc(
    "HTTP/1.1 404 Not Found\r\nTRANSFER-ENCODING: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
  );
  for (const step of [1, 2, 3, 7, 1000]) {
    const a = parseInSteps(cl, step);
    assertEquals([a.complete, a.status, a.keepAlive, a.bytes], [true, 200, true, cl.length]);
    const b = parseInSteps(chunked, step);
    assertEquals([b.complete, b.status, b.bytes], [true, 404, chunked.length]);
  }
  const head = parseInSteps(enc("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"), 1000, true);
  assertEquals([head.complete, head.status], [true, 200]);
  const close = parseInSteps(enc("HTTP/1.0 200 OK\r\n\r\nuntil close"), 4);
  assertEquals(close.complete, false);
  close.end();
  assertEquals([close.complete, close.keepAlive], [true, false]);
  const connClose = parseInSteps(enc("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"), 5);
  assertEquals([connClose.complete, connClose.keepAlive, connClose.status], [true, false, 204]);
  assertThrows(() => parseInSteps(enc("SSH-2.0-x\r\n\r\n"), 100), HttpParseError);
  const truncated = parseInSteps(enc("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), 100);
  assertThrows(() => truncated.end(), HttpParseError);
});

Deno.test("ResponseParser: header values read as bytes (spaces, case, lists, bad numbers)", () => {
  const spaced = enc("HTTP/1.1 200 OK\r\ncontent-length: \t 12 \r\n\r\nhello world!");
  const a = parseInSteps(spaced, 3);
  assertEquals([a.complete, a.bytes], [true, spaced.length]);
  const list = enc(
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nConnection: Keep-Alive\r\n\r\n" +
      "2\r\nhi\r\n0\r\n\r\n",
  );
  const b = parseInSteps(list, 1000);
  assertEquals([b.complete, b.keepAlive, b.bytes], [true, true, list.length]);
  const http10 = parseInSteps(
    enc("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"),
    1000,
  );
  assertEquals([http10.complete, http10.keepAlive], [true, true]);
  const closing = parseInSteps(
    enc("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCONNECTION: upgrade, CLOSE\r\n\r\nok"),
    1000,
  );
  assertEquals([closing.complete, closing.keepAlive], [true, false]);
  // A length that is not a plain decimal number: the body runs until the peer closes.
  for (const bad of ["1x", "-1", "", "0x10", "1 2"]) {
    const p = parseInSteps(enc(`HTTP/1.1 200 OK\r\nContent-Length: ${bad}\r\n\r\nabc`), 1000);
    assertEquals([p.complete, p.bytes > 0], [false, true], `Content-Length: "${bad}"`);
    p.end();
    assertEquals([p.complete, p.keepAlive], [true, false]);
  }
});

Deno.test("encodeRequest: method, headers, body length", () => {
  const text = new TextDecoder().decode(
    encodeRequest({
      url: "http://h:1/p?q",
      method: "post",
      headers: [["X-A", "1"]],
      body: enc("abc"),
    }),
  );
  assertEquals(
    text,
    "POST /p?q HTTP/1.1\r\nhost: h:1\r\nuser-agent: wireplay-bench\r\naccept: */*\r\nx-a: 1\r\ncontent-length: 3\r\n\r\nabc",
  );
});

Deno.test({
  name: "bench tcp request/response against a socat echo",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const r = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 4,
      size: 100,
      durationMs: 600,
      warmupMs: 100,
    });
    assertGreater(r.requests, 50);
    assertEquals(r.errors, {});
    assertEquals(r.bytesSent, r.requests * 100);
    assertEquals(r.bytesReceived, r.requests * 100);
    assert(r.latency.min > 0 && r.latency.min <= r.latency.p50 && r.latency.p50 <= r.latency.p99);
    assert(r.latency.p99 <= r.latency.max);
  },
});

Deno.test({
  name: "bench --rate holds the arrival rate; latency counted from intended send times",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const r = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 2,
      rate: 200,
      durationMs: 1000,
      warmupMs: 100,
    });
    assert(r.requests >= 180 && r.requests <= 202, `${r.requests} requests at rate 200/s for 1s`);
    assertEquals(r.rate, 200);
  },
});

Deno.test({
  name: "bench udp against a socat UDP echo",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatUdpEcho();
    const r = await runBench({
      scheme: "udp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 2,
      size: 32,
      durationMs: 500,
      warmupMs: 50,
      timeoutMs: 1000,
    });
    assertGreater(r.requests, 5);
    assertEquals(r.bytesReceived, r.requests * 32);
  },
});

Deno.test("bench udp against a port that never answers ends by durationMs + timeoutMs", async () => {
  // A bound socket nobody reads: every datagram is lost, every request must time out and
  // the run still end on time (not wait on a receive that never comes).
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const t0 = performance.now();
  const r = await runBench({
    scheme: "udp",
    host: "127.0.0.1",
    port: (silent.addr as Deno.NetAddr).port,
    conns: 4,
    size: 16,
    durationMs: 600,
    warmupMs: 0,
    timeoutMs: 250,
  }).finally(() => silent.close());
  const took = performance.now() - t0;
  assert(took < 600 + 250 + 1000, `runBench took ${Math.round(took)}ms`);
  assertEquals(r.requests, 0);
  assertGreater(r.errors.timeout ?? 0, 0, JSON.stringify(r.errors));
});

Deno.test({
  name: "bench http against nginx: statuses and errors by kind, workers",
  ...needs("nginx"),
  fn: async () => {
    await using dir = await tempDir();
    await using ngx = await nginxOneWorker(dir, "hello bench\n");
    const base = `http://127.0.0.1:${ngx.port}`;
    const spec = {
      scheme: "http",
      host: "127.0.0.1",
      port: ngx.port,
      durationMs: 500,
      warmupMs: 100,
      conns: 4,
    } as const;
    const ok = await runBench({ ...spec, url: `${base}/` });
    assertGreater(ok.requests, 50);
    assertEquals(Object.keys(ok.statuses), ["200"]);
    assertEquals(ok.errors, {});
    const chunked = await runBench({ ...spec, url: `${base}/chunked` });
    assertEquals(Object.keys(chunked.statuses), ["200"]);
    const failing = await runBench({ ...spec, url: `${base}/fail` });
    assertEquals(Object.keys(failing.statuses), ["503"]);
    assertEquals(failing.errors.status_5xx, failing.requests);
    const two = await runBench({ ...spec, url: `${base}/`, workers: 2 });
    assertEquals(two.workers, 2);
    assertGreater(two.requests, 50);
    assertEquals(two.errors, {});
  },
});

Deno.test({
  name: "bench tcp --mode stream into a sink",
  ...needs("socat"),
  fn: async () => {
    await using sink = await socatSink();
    const r = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: sink.port,
      mode: "stream",
      conns: 1,
      durationMs: 400,
      warmupMs: 50,
    });
    assertGreater(r.bytesSent, 1_000_000);
    assertEquals(r.bytesReceived, 0);
    assertEquals(r.errors, {});
  },
});

Deno.test("bench against a closed port: refused errors, no requests", async () => {
  const r = await runBench({
    scheme: "tcp",
    host: "127.0.0.1",
    port: freeTcpPort(),
    conns: 2,
    durationMs: 200,
    warmupMs: 0,
  });
  assertEquals(r.requests, 0);
  assertGreater(r.errors.refused ?? 0, 0);
});

Deno.test({
  name: "latencySvg is a well-formed chart",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const r = await runBench({
      scheme: "tcp",
      host: "127.0.0.1",
      port: echo.port,
      conns: 2,
      durationMs: 300,
      warmupMs: 0,
    });
    const svg = latencySvg(r);
    assert(svg.startsWith("<?xml"));
    assertStringIncludes(svg, '<path d="M');
    assertStringIncludes(svg, "99.9%");
    assertEquals(r.curve[r.curve.length - 1]![1], r.latency.max);
  },
});

Deno.test({
  name: "cli bench: report, --json, --svg written whole, exit codes",
  ...needs("nginx"),
  fn: async () => {
    await using dir = await tempDir();
    await using ngx = await nginxOneWorker(dir);
    const url = `http://127.0.0.1:${ngx.port}/`;
    const svgPath = dir.join("lat.svg");
    const t = await runCli([
      "bench",
      url,
      "--conns",
      "4",
      "--duration",
      "500ms",
      "--warmup",
      "100ms",
      "--svg",
      svgPath,
    ]);
    assertEquals(t.code, 0, t.stderr);
    assertStringIncludes(t.stdout, `Benchmark ${url}: `);
    assertStringIncludes(t.stdout, "status 200:");
    assertStringIncludes(t.stdout, "errors none");
    assertStringIncludes(await Deno.readTextFile(svgPath), "</svg>");
    assertEquals([...Deno.readDirSync(dir.path)].filter((e) => e.name.includes(".tmp-")), []);
    const j = await runCli([
      "bench",
      url,
      "--conns",
      "2",
      "--duration",
      "300ms",
      "--warmup",
      "0ms",
      "--method",
      "HEAD",
      "--header",
      "X-Test: 1",
      "--json",
    ]);
    const json = JSON.parse(j.stdout);
    assertGreater(json.requests, 10);
    assertEquals(Object.keys(json.statuses), ["200"]);
    for (const k of ["p50", "p90", "p99", "p999", "max"]) assert(k in json.latency, k);
    const dead = await runCli([
      "bench",
      `tcp://127.0.0.1:${freeTcpPort()}`,
      "--duration",
      "200ms",
      "--warmup",
      "0ms",
    ]);
    assertEquals(dead.code, 1);
    assertStringIncludes(dead.stdout, "refused:");
    const bad = await runCli(["bench", url, "--mode", "stream"]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "--mode");
    const badHeader = await runCli(["bench", url, "--header", "nocolon"]);
    assertEquals(badHeader.code, 2);
    assertStringIncludes(badHeader.stderr, "--header");
  },
});

Deno.test({
  name: "bench https against openssl s_server -www: verified with the CA, refused without",
  ...needs("openssl"),
  fn: async () => {
    await using dir = await tempDir();
    const { cert, key } = await opensslCert(dir);
    await using srv = await opensslServer(cert, key, ["-www"]);
    const spec = {
      scheme: "https",
      host: "127.0.0.1",
      port: srv.port,
      url: `https://127.0.0.1:${srv.port}/`,
      conns: 2,
      durationMs: 600,
      warmupMs: 0,
    } as const;
    const ok = await runBench({ ...spec, caCerts: [await Deno.readTextFile(cert)] });
    assertGreater(ok.statuses["200"] ?? 0, 0);
    assertEquals(ok.errors.tls, undefined);
    const untrusted = await runBench(spec);
    assertEquals(untrusted.requests, 0);
    assertGreater(untrusted.errors.tls ?? 0, 0);
    assertStringIncludes(untrusted.errorSamples.tls ?? "", "certificate");
  },
});
