/**
 * Issue 12, rule-based mocks: `serve rules` answers 50 concurrent redis-cli PINGs; a
 * state-gated rule answers only after a LOGIN line (per connection); captures, a
 * greeting on connect, the default rule, close, delay; `expect m received … count N`;
 * `wireplay mock FILE --listen ADDR`.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { execute } from "../../lib/run/interpreter.ts";
import { ExpectationError } from "../../lib/run/failure.ts";
import { Session } from "../../lib/run/session.ts";
import { parseScript, parseStatement, ScriptSyntaxError } from "../../lib/script/parser.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { dial, freePort, readAll, readExactly, startCli, writeAll } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function run(session: Session, ...lines: string[]): Promise<void> {
  for (const line of lines) await execute(parseStatement(line, 1, "test.wire")!, session);
}

function portOf(session: Session, name: string): number {
  return (session.vars.get(name) as { port: number }).port;
}

/** Reads until `want` bytes arrived (or 5 s pass, or EOF). */
async function readUntil(conn: Deno.Conn, want: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    while (!got.includes(want)) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += dec.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

Deno.test({
  name: "rules mock: 50 concurrent redis-cli PINGs, counted with expect received",
  ...needs("redis-cli"),
  async fn() {
    await using session = new Session({ file: "test.wire" });
    await run(
      session,
      "serve rules tcp://127.0.0.1:0 as m",
      'on m bytes /\\*1\\r\\n\\$4\\r\\nPING\\r\\n/i reply "+PONG\\r\\n"',
      'on m bytes /\\*2\\r\\n\\$4\\r\\nECHO\\r\\n\\$\\d+\\r\\n([^\\r]*)\\r\\n/ reply "+{{1}}\\r\\n"',
    );
    const port = String(portOf(session, "m"));
    const cli = (...args: string[]) =>
      new Deno.Command("redis-cli", {
        args: ["-h", "127.0.0.1", "-p", port, ...args],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
    const outs = await Promise.all(Array.from({ length: 50 }, () => cli("PING")));
    for (const o of outs) assertEquals(dec.decode(o.stdout), "PONG\n", dec.decode(o.stderr));
    await run(session, "expect m received /PING/ count 50");
    const echo = await cli("ECHO", "hello mock");
    assertEquals(dec.decode(echo.stdout), "hello mock\n");
    // a count that does not hold fails, naming what was received
    const e = await assertRejects(
      () => run(session, "expect m received /PING/ count 49 within 200ms"),
      ExpectationError,
    );
    assertStringIncludes(e.message, "expected 49 matching message(s), got 50");
  },
});

Deno.test("rules mock: a state-gated rule answers only after LOGIN, per connection", async () => {
  await using session = new Session({ file: "test.wire" });
  await run(
    session,
    "serve rules tcp://127.0.0.1:0 as m",
    'on m connect reply "220 ready\\r\\n"',
    'on m line /^LOGIN (\\w+)/ reply "+OK welcome ${1}\\r\\n" state authed',
    'on m bytes /\\x00\\x01(.)/ reply hex "ca fe" "{{1}}"',
    'on m line /^GET (\\w+)/ when state authed reply "$3\\r\\nbar\\r\\n"',
    'on m line /^SLOW/ reply "+LATE\\r\\n" delay 200ms',
    'on m line "QUIT" reply "+BYE\\r\\n" close',
    'on m default reply "-ERR login first: {{0}}\\r\\n"',
  );
  const port = portOf(session, "m");
  using a = await dial(port);
  using b = await dial(port);
  assertEquals(await readUntil(a, "\r\n"), "220 ready\r\n");
  assertEquals(await readUntil(b, "\r\n"), "220 ready\r\n");
  await writeAll(a, enc.encode("GET foo\r\n"));
  assertEquals(await readUntil(a, "\r\n"), "-ERR login first: GET foo\r\n");
  await writeAll(a, enc.encode("LOGIN ada\r\nGET foo\r\n"));
  assertEquals(await readUntil(a, "bar\r\n"), "+OK welcome ada\r\n$3\r\nbar\r\n");
  // b never logged in: still refused
  await writeAll(b, enc.encode("GET foo\r\n"));
  assertEquals(await readUntil(b, "\r\n"), "-ERR login first: GET foo\r\n");
  const t0 = performance.now();
  await writeAll(b, enc.encode("SLOW\r\n"));
  assertEquals(await readUntil(b, "\r\n"), "+LATE\r\n");
  assert(performance.now() - t0 >= 190, "delay 200ms");
  await writeAll(b, new Uint8Array([0, 1, 0x41]));
  assertEquals(await readExactly(b, 3), new Uint8Array([0xca, 0xfe, 0x41]));
  await writeAll(a, enc.encode("QUIT\r\n"));
  assertEquals(await readUntil(a, "BYE\r\n"), "+BYE\r\n");
  assertEquals((await readAll(a, 5000)).end, "eof");
  await run(session, 'expect m received "LOGIN ada" count 1', "expect m received /^GET/ count 3");
});

Deno.test("rules mock: bad rules are one-line syntax errors; on needs a rules server", async () => {
  for (
    const [line, msg] of [
      ["on m sometimes reply 'x'", '"sometimes" is not connect, line, bytes, default'],
      ["on m line /x/ when authed", 'expected "state" after when'],
      ["on m line /x/ reply", "expected a payload"],
      ["expect m received /x/ count -1", "count is a whole number"],
    ]
  ) {
    const err = (() => {
      try {
        parseScript(line + "\n", "bad.wire");
      } catch (e) {
        return e;
      }
    })();
    assert(err instanceof ScriptSyntaxError, line);
    assertStringIncludes(err.where ?? "", "bad.wire:1:");
    assertStringIncludes(err.message, msg!);
  }
  await using session = new Session({ file: "test.wire" });
  await run(session, "serve echo tcp://127.0.0.1:0 as e");
  const e = await assertRejects(() => run(session, 'on e line /x/ reply "y"'), ExpectationError);
  assertStringIncludes(e.message, "not a serve rules server");
});

Deno.test("wireplay mock FILE --listen ADDR serves the rules until stopped", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/mock.wire`;
  await Deno.writeTextFile(
    file,
    [
      "# a tiny line protocol",
      'on mock line /^HELLO (.*)/ reply "hi {{1}}\\n"',
      'on mock default reply "?\\n"',
      "",
    ].join("\n"),
  );
  const port = freePort();
  const mock = startCli(["mock", file, "--listen", `tcp://127.0.0.1:${port}`]);
  await mock.waitFor(/^mock .* \(2 rule\(s\)\) on tcp:\/\/127\.0\.0\.1:\d+/m);
  {
    using c = await dial(port);
    await writeAll(c, enc.encode("HELLO you\nwhat\n"));
    assertEquals(await readUntil(c, "?\n"), "hi you\n?\n");
  }
  assertEquals(await mock.stop("SIGINT"), 0, mock.stderr());
  assertStringIncludes(mock.stderr(), `${file}:2: line rule fired 1 time(s)`);
  assertStringIncludes(mock.stderr(), "2 message(s) received");
  await Deno.writeTextFile(file, "on mock line /x/ reply\n");
  const bad = startCli(["mock", file, "--listen", `tcp://127.0.0.1:${port}`]);
  assertEquals(await bad.status(), 2);
  assertStringIncludes(bad.stderr(), `${file}:1:`);
});

Deno.test("rules mock: a client sending 1 MiB no rule takes is dropped; others are served", async () => {
  await using session = new Session({ file: "test.wire" });
  await run(
    session,
    "serve rules tcp://127.0.0.1:0 as m",
    'on m bytes /PING\\r\\n/ reply "+PONG\\r\\n"',
  );
  const port = portOf(session, "m");
  using hostile = await dial(port);
  const junk = new Uint8Array(256 * 1024).fill(0x41);
  const flood = (async () => {
    try {
      for (let i = 0; i < 8; i++) await writeAll(hostile, junk);
    } catch { /* dropped mid-way */ }
  })();
  // closed by the server: an EOF, or a reset when junk was still unread on its side
  const end = (await readAll(hostile, 5000)).end;
  assert(end === "eof" || end === "reset", end);
  await flood;
  using good = await dial(port);
  await writeAll(good, enc.encode("PING\r\n"));
  assertEquals(await readUntil(good, "\r\n"), "+PONG\r\n");
});

Deno.test("wireplay mock: an address in use or of the wrong kind is one line naming --listen, exit 2", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/m.wire`;
  await Deno.writeTextFile(file, 'on mock line "x" reply "y"\n');
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  for (const addr of [`tcp://127.0.0.1:${taken.addr.port}`, "udp://127.0.0.1:0"]) {
    const r = startCli(["mock", file, "--listen", addr]);
    assertEquals(await r.status(), 2, r.stdout());
    assertMatch(r.stderr(), /^wireplay: --listen: .+$/m);
    assertEquals(/^\s+at /m.test(r.stderr()), false, r.stderr()); // no stack trace
  }
});
