/**
 * The REPL with piped standard input: statements run with the same output and no
 * prompt; the first failure stops it (exit 1), a line that does not parse exits 2;
 * heredocs and `\` continuations work from a pipe; `--record FILE` saves on exit.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";

Deno.test("piped repl runs statements, heredoc and continuation, and records a replayable script", async () => {
  await using dir = await tempDir();
  const record = dir.join("session.wire");
  const input = [
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    "send c <<crlf END",
    "GET / HTTP/1.1",
    "Host: example",
    "",
    "END",
    'expect c line "GET / HTTP/1.1"',
    'send c "one, " \\',
    '  "two\\n"',
    "expect c /Host: (\\w+)\\r\\n\\r\\n/ as h",
    'print "host=${h.1}"',
    'expect c line "one, two"',
    ":hex on",
    'send c hex "00 01 02"',
    "expect c bytes 3",
    "",
  ].join("\n");
  const r = await runCli(["repl", "--record", record], { stdin: input });
  assertEquals(r.code, 0, r.stderr + r.stdout);
  assert(!r.stdout.includes("wireplay>"), "no prompt when piped");
  assertStringIncludes(r.stdout, "host=example");
  assertStringIncludes(r.stdout, "c < 3 bytes");
  assertStringIncludes(r.stdout, "0000002a  00 01 02");
  const saved = await Deno.readTextFile(record);
  assertStringIncludes(saved, 'send c "GET / HTTP/1.1\\r\\nHost: example\\r\\n\\r\\n"');
  assertStringIncludes(saved, 'send c "one, " "two\\n"');
  assertStringIncludes(saved, "connect tcp://127.0.0.1:${e.port} as c");
  assert(!saved.includes(":hex"), "meta commands are not saved");
  const replay = await runCli(["test", record]);
  assertEquals(replay.code, 0, replay.stdout + replay.stderr);
  assertStringIncludes(replay.stdout, "1 passed, 0 failed");
});

Deno.test("piped repl stops at the first failure with exit 1", async () => {
  const r = await runCli(["repl", "--no-history"], {
    stdin: [
      "serve echo tcp://127.0.0.1:0 as e",
      "connect tcp://127.0.0.1:${e.port} as c",
      'send c "pong\\n"',
      'expect c line "ping"',
      'print "not reached"',
    ].join("\n"),
  });
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "<repl>:4: line differs");
  assertStringIncludes(r.stderr, 'received:  "pong"');
  assert(!r.stdout.includes("not reached"));
});

Deno.test("piped repl: a line that does not parse exits 2 with the caret; an open heredoc too", async () => {
  const bad = await runCli(["repl"], { stdin: 'print "a"\nconect tcp://x:1 as c\nprint "b"\n' });
  assertEquals(bad.code, 2);
  assertStringIncludes(
    bad.stderr,
    '<repl>:2:1: unknown statement "conect" (did you mean "connect"?)',
  );
  assertMatch(bad.stderr, /\n2 \| conect tcp:\/\/x:1 as c\n {2}\| \^{6}/);
  assert(!bad.stdout.includes("b\n"));
  const open = await runCli(["repl"], { stdin: "print <<EOF\nabc\n" });
  assertEquals(open.code, 2);
  assertStringIncludes(open.stderr, "input ended inside a heredoc EOF");
});

Deno.test("piped repl: meta commands :help, :conns, :record, unknown ones", async () => {
  const r = await runCli(["repl"], {
    stdin: [
      ":help",
      ":help connect",
      ":help :save",
      ":record off",
      ":record",
      ":conns",
      ":frobnicate",
    ].join("\n"),
  });
  assertEquals(r.code, 2);
  assertStringIncludes(r.stdout, "connect ADDR as NAME");
  assertStringIncludes(r.stdout, "  example: connect tcp://127.0.0.1:6379 as redis");
  assertStringIncludes(r.stdout, ":save FILE [--exact]");
  assertStringIncludes(r.stdout, "recording is off");
  assertStringIncludes(r.stdout, "(nothing open)");
  assertStringIncludes(r.stderr, 'unknown meta command ":frobnicate"');
});

Deno.test("cli.ts repl --help goes through the full command line; a bad option is exit 2", async () => {
  const help = await runCli(["repl", "--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "--record <file>");
  assertStringIncludes(help.stdout, "--no-history");
  const bad = await runCli(["repl", "--frob"], { stdin: "" });
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "unknown option '--frob'");
});

/** A server that answers `PING\r\n` with `+PONG\r\n` after `delayMs`. */
function slowPong(delayMs: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    using conn = await listener.accept();
    const buf = new Uint8Array(64);
    await conn.read(buf);
    await new Promise((r) => setTimeout(r, delayMs));
    await conn.write(new TextEncoder().encode("+PONG\r\n"));
    await conn.read(buf); // until the REPL closes
  })().catch(() => {/* the REPL went away first, or never came */});
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await served;
    },
  };
}

Deno.test("piped repl waits for replies to the last send before closing (and records them)", async () => {
  await using dir = await tempDir();
  await using server = slowPong(150);
  const record = dir.join("s.wire");
  const input = `connect tcp://127.0.0.1:${server.port} as r\nsend r "PING\\r\\n"\n`;
  const r = await runCli(["repl", "--record", record], { stdin: input });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, "r < +PONG\\r\\n");
  assertStringIncludes(await Deno.readTextFile(record), 'expect r "+PONG\\r\\n"');
});

Deno.test("piped repl: --wait 0 closes at once; --var and a FILE run first", async () => {
  await using dir = await tempDir();
  {
    await using server = slowPong(300);
    const input = `connect tcp://127.0.0.1:${server.port} as r\nsend r "PING\\r\\n"\n`;
    const r = await runCli(["repl", "--wait", "0s"], { stdin: input });
    assertEquals(r.code, 0, r.stderr);
    assert(!r.stdout.includes("+PONG"), r.stdout);
  }
  const script = dir.join("setup.wire");
  await Deno.writeTextFile(script, 'let greeting = "hello ${who}"\n');
  const r = await runCli(["repl", script, "--var", "who=world"], {
    stdin: 'print "${greeting}!"\n',
  });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, "hello world!");
});
