/**
 * The proxy's ends: TLS termination (self-signed) with plaintext recorded, TLS upstream
 * (verified with a CA, refused without, `insecure`), Unix sockets; the `proxy` and
 * `fault` statements of the language; bad CLI input.
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertLess,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { startProxy } from "../../lib/proxy/proxy.ts";
import { WireRecorder } from "../../lib/proxy/recorder.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { selfSignedCertificate } from "../../lib/tls/self_signed.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { echoServer, readAll, readExactly, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();

async function roundTrip(conn: Deno.Conn, text: string): Promise<string> {
  await writeAll(conn, enc.encode(text));
  return new TextDecoder().decode(await readExactly(conn, text.length));
}

/** A TLS echo server with a fresh self-signed certificate. */
async function tlsEcho() {
  const pair = await selfSignedCertificate();
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: pair.certPem,
    key: pair.keyPem,
  });
  const conns = new Set<Deno.TlsConn>();
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        (async () => {
          const buf = new Uint8Array(4096);
          try {
            while (true) {
              const n = await conn.read(buf);
              if (n === null) break;
              await writeAll(conn, buf.subarray(0, n));
            }
          } catch {
            /* refused handshake */
          } finally {
            conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }
        })();
      }
    } catch { /* closed */ }
  })();
  return {
    address: `tls://127.0.0.1:${listener.addr.port}`,
    certPem: pair.certPem,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
    },
  };
}

Deno.test("proxy: --listen tls:// terminates with a self-signed cert and records plaintext", async () => {
  await using echo = echoServer();
  let text = "";
  const recorder = new WireRecorder({ upstream: echo.address, write: (t) => (text += t) });
  await using proxy = await startProxy({
    listen: { address: parseAddress("tls://127.0.0.1:0") },
    upstream: { address: parseAddress(echo.address) },
    tap: recorder,
  });
  assert(proxy.certPath);
  const ca = await Deno.readTextFile(proxy.certPath);
  const c = await Deno.connectTls({ hostname: "127.0.0.1", port: proxy.port, caCerts: [ca] });
  assertEquals(await roundTrip(c, "secret hello"), "secret hello");
  c.close();
  await proxy.close();
  recorder.finish();
  assertStringIncludes(text, 'send c1 "secret hello"');
  assertStringIncludes(text, 'expect c1 "secret hello"');
});

Deno.test("proxy: --upstream tls:// verifies with --ca, refuses without, insecure skips", async () => {
  await using upstream = await tlsEcho();
  const cases: [{ caCerts?: string[]; insecure?: boolean }, boolean][] = [
    [{ caCerts: [upstream.certPem] }, true],
    [{}, false],
    [{ insecure: true }, true],
  ];
  for (const [options, works] of cases) {
    const errors: string[] = [];
    await using proxy = await startProxy({
      listen: { address: parseAddress("tcp://127.0.0.1:0") },
      upstream: { address: parseAddress(upstream.address), ...options },
      onError: (m) => errors.push(m),
    });
    const c = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    if (works) {
      assertEquals(await roundTrip(c, "over tls"), "over tls");
      c.close();
    } else {
      const r = await readAll(c);
      c.close();
      assertEquals(r.bytes, 0);
      assertEquals(proxy.stats.failed, 1);
      assertMatch(errors.join("\n"), /Cannot connect to tls:\/\/127\.0\.0\.1:\d+/);
    }
  }
});

Deno.test("proxy: unix:// listen", async () => {
  await using dir = await tempDir();
  await using echo = echoServer();
  const path = `${dir.path}/proxy.sock`;
  await using _proxy = await startProxy({
    listen: { address: parseAddress(`unix://${path}`) },
    upstream: { address: parseAddress(echo.address) },
  });
  const c = await Deno.connect({ transport: "unix", path });
  assertEquals(await roundTrip(c, "via unix"), "via unix");
  c.close();
});

Deno.test("language: proxy … as p with faults, fault p latency / clear at runtime", async () => {
  const run = (body: string) =>
    runScript(
      parseScript(
        "serve echo tcp://127.0.0.1:0 as e\n" +
          "proxy tcp://127.0.0.1:0 to ${e.address} as p latency 300ms up\n" +
          "connect tcp://127.0.0.1:${p.port} as c\n" + body,
        "faults.wire",
      ),
      { print: () => {} },
    );
  const slow = await run('send c "a"\nexpect c "a" within 100ms\n');
  assert(!slow.ok, "latency 300ms up must make a 100ms expect fail");
  const cleared = await run('fault p clear\nsend c "a"\nexpect c "a" within 100ms\n');
  assert(cleared.ok, cleared.failure?.message);
  const t0 = performance.now();
  const again = await run(
    'fault p clear\nfault p latency 200ms down\nsend c "a"\nexpect c "a" within 2s\n',
  );
  assert(again.ok, again.failure?.message);
  assertGreaterOrEqual(performance.now() - t0, 200);
});

Deno.test("language: fault statements parse with one-line errors", () => {
  parseScript(
    "fault p slice 1 down\nfault p reset-after 1KiB\nfault p drop-connect 0.5\nfault p clear\n",
    "ok.wire",
  );
  for (
    const [line, message] of [
      ["fault p sideways 1", 'unknown fault "sideways"'],
      ["fault p latency 1x", '"1x" is not a duration'],
      ["fault p drop-connect 2", "not a probability"],
      ["proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:1 as p slice 0", "whole number of bytes"],
    ]
  ) {
    try {
      parseScript(line!, "bad.wire");
      throw new Error(`"${line}" parsed`);
    } catch (e) {
      assertStringIncludes((e as Error).message, message!);
      assertStringIncludes(String(e), "bad.wire:1:");
    }
  }
});

Deno.test("CLI: bad input is one line and exit 2", async () => {
  await using dir = await tempDir();
  const up = ["--listen", "tcp://127.0.0.1:0", "--upstream", "tcp://127.0.0.1:1"];
  const cases: [string[], RegExp][] = [
    [["proxy", ...up, "--latency", "1x"], /^wireplay: --latency: "1x" is not a duration/],
    [
      ["proxy", ...up, "--direction", "sideways"],
      /^wireplay: --direction: "sideways" is not up, down or both/,
    ],
    [
      ["proxy", ...up, "--drop-connect", "1.5"],
      /^wireplay: --drop-connect: "1.5" is not a probability/,
    ],
    [
      ["proxy", "--listen", "udp://127.0.0.1:0", "--upstream", "tcp://127.0.0.1:1"],
      /^wireplay: --upstream: a udp:\/\/ listener forwards to a udp:\/\/ upstream only/,
    ],
    [["record", ...up], /required option '--out <file>'/],
    [
      ["replay", `${dir.path}/missing.wire`, "--listen", "tcp://127.0.0.1:0"],
      /^wireplay: .*missing\.wire: cannot read/,
    ],
  ];
  await Deno.writeTextFile(
    `${dir.path}/line.wire`,
    'connect tcp://127.0.0.1:1 as c\nexpect c line "x"\n',
  );
  cases.push([
    ["replay", `${dir.path}/line.wire`, "--listen", "tcp://127.0.0.1:0"],
    /^wireplay: .*line\.wire:2:1: expect line cannot be replayed as a server/,
  ]);
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertMatch(r.stderr.trim(), re);
    assertLess(r.stderr.trim().split("\n").length, 3, r.stderr);
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
});
