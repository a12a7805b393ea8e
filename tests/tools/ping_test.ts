import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { ping } from "../../lib/tools/ping/ping.ts";
import { probe } from "../../lib/tools/probe/probe.ts";
import { quantile, summarize } from "../../lib/tools/common/stats.ts";
import { unescapeProbe } from "../../lib/tools/common/probe_text.ts";
import {
  freeTcpPort,
  nginxOneWorker,
  opensslCert,
  opensslServer,
  socatTcpEcho,
  socatUdpEcho,
} from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("stats: nearest-rank quantiles and the summary", () => {
  assertEquals(quantile([], 0.5), 0);
  assertEquals(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
  assertEquals(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99), 10);
  const s = summarize([3, 1, 2]);
  assertEquals([s.min, s.median, s.p99, s.max, s.mean], [1, 2, 3, 3, 2]);
});

Deno.test("unescapeProbe reads command-line escapes and rejects bad ones", () => {
  assertEquals(unescapeProbe("a\\r\\n\\x00\\\\"), new Uint8Array([97, 13, 10, 0, 92]));
  let threw = false;
  try {
    unescapeProbe("\\q", "--payload");
  } catch (e) {
    threw = true;
    assertStringIncludes(String(e), "--payload");
  }
  assert(threw);
});

Deno.test({
  name: "ping tcp: every probe answered by a live port, refused by a closed one",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const seen: number[] = [];
    const s = await ping({ scheme: "tcp", host: "127.0.0.1", port: echo.port }, {
      count: 3,
      interval: 10,
      onProbe: (seq) => seen.push(seq),
    });
    assertEquals(seen, [1, 2, 3]);
    assertEquals([s.sent, s.received, s.loss], [3, 3, 0]);
    assert(s.min > 0 && s.min <= s.median && s.median <= s.p99 && s.p99 <= s.max);
    const closed = freeTcpPort();
    const c = await ping({ scheme: "tcp", host: "127.0.0.1", port: closed }, {
      count: 2,
      interval: 0,
    });
    assertEquals([c.sent, c.received, c.loss], [2, 0, 1]);
    assert(c.probes.every((p) => !p.ok && p.error === "refused"));
  },
});

Deno.test({
  name: "ping udp: payload echoed, expected reply checked, silence times out",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatUdpEcho();
    const target = { scheme: "udp", host: "127.0.0.1", port: echo.port } as const;
    const ok = await probe(target, {
      payload: utf8("ping 1"),
      expect: utf8("ping"),
      timeout: 2000,
    });
    assert(ok.ok, JSON.stringify(ok));
    const wrong = await probe(target, {
      payload: utf8("pong"),
      expect: utf8("ping"),
      timeout: 2000,
    });
    assert(!wrong.ok);
    assertStringIncludes(wrong.error, "unexpected reply");
    // A bound UDP socket that never answers.
    const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const t = await probe(
        { scheme: "udp", host: "127.0.0.1", port: (silent.addr as Deno.NetAddr).port },
        { payload: utf8("x"), timeout: 150 },
      );
      assertEquals(t.ok ? "ok" : t.error, "timeout");
    } finally {
      silent.close();
    }
  },
});

Deno.test({
  name:
    "ping --tls against openssl s_server: verified with --ca, refused without, --insecure skips",
  ...needs("openssl"),
  fn: async () => {
    await using dir = await tempDir();
    const { cert, key } = await opensslCert(dir);
    await using srv = await opensslServer(cert, key);
    const target = { scheme: "tls", host: "127.0.0.1", port: srv.port } as const;
    const caCerts = [await Deno.readTextFile(cert)];
    const ok = await probe(target, { caCerts, timeout: 5000 });
    assert(ok.ok, JSON.stringify(ok));
    const untrusted = await probe(target, { timeout: 5000 });
    assert(!untrusted.ok);
    const insecure = await probe(target, { insecure: true, timeout: 5000 });
    assert(insecure.ok, JSON.stringify(insecure));
    const r = await runCli([
      "ping",
      `tcp://127.0.0.1:${srv.port}`,
      "--tls",
      "--ca",
      cert,
      "--count",
      "2",
      "--interval",
      "10ms",
    ]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertMatch(r.stdout, /seq=1 time=\d+\.\d{3} ms/);
    assertStringIncludes(r.stdout, "2 probes sent, 2 received, 0.0% loss");
  },
});

Deno.test({
  name: "cli ping: lines, summary, --json, exit 1 when nothing answers",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatTcpEcho();
    const r = await runCli([
      "ping",
      `127.0.0.1:${echo.port}`,
      "--count",
      "3",
      "--interval",
      "20ms",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assertEquals(lines[0], `PING 127.0.0.1:${echo.port}`);
    assertEquals(lines.filter((l) => /^seq=\d time=/.test(l)).length, 3);
    assertStringIncludes(r.stdout, `--- tcp://127.0.0.1:${echo.port} ping statistics ---`);
    assertMatch(r.stdout, /min\/median\/p99\/max = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/);
    const j = await runCli([
      "ping",
      `127.0.0.1:${echo.port}`,
      "--count",
      "2",
      "--interval",
      "0ms",
      "--json",
    ]);
    const s = JSON.parse(j.stdout);
    assertEquals([s.sent, s.received, s.probes.length], [2, 2, 2]);
    const dead = await runCli(["ping", `127.0.0.1:${freeTcpPort()}`, "--count", "1"]);
    assertEquals(dead.code, 1);
    assertStringIncludes(dead.stdout, "failed: refused");
    const bad = await runCli(["ping", "tcp://127.0.0.1", "--count", "1"]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "missing port");
  },
});

Deno.test({
  name: "cli ping udp:// with --payload and --expect",
  ...needs("socat"),
  fn: async () => {
    await using echo = await socatUdpEcho();
    const r = await runCli([
      "ping",
      `udp://127.0.0.1:${echo.port}`,
      "--payload",
      "hello\\n",
      "--expect",
      "hello",
      "--count",
      "2",
      "--interval",
      "10ms",
    ]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "2 probes sent, 2 received");
  },
});

Deno.test({
  name: "cli ping http:// goes to the HTTP ping (nginx)",
  ...needs("nginx"),
  fn: async () => {
    await using dir = await tempDir();
    await using ngx = await nginxOneWorker(dir);
    const r = await runCli([
      "ping",
      `http://127.0.0.1:${ngx.port}/`,
      "--count",
      "2",
      "--interval",
      "10ms",
    ]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "status=200");
    assertStringIncludes(r.stdout, "2 requests, 2 answered");
  },
});
