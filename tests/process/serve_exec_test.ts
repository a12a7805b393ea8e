import { assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { output, passes, runCli, startPeer } from "../helpers/mod.ts";
import { CLI } from "../helpers/cli.ts";
import type { ServeNode } from "../../lib/script/grammar/core.ts";
import { parseScript, ScriptSyntaxError } from "../../lib/script/parser.ts";

Deno.test("serve exec: cat per client — two clients, each its own program", async () => {
  await passes(`
serve exec tcp://127.0.0.1:0 "cat" as e
connect tcp://127.0.0.1:\${e.port} as a
connect tcp://127.0.0.1:\${e.port} as b
send a "from a\\n"
send b "from b\\n"
expect b line "from b"
expect a line "from a"
expect a silence 100ms
shutdown a
expect a eof
send b "again\\n"
expect b line "again"
close b
`);
});

Deno.test("listen … exec: the program's stdout, then its exit, reach the client", async () => {
  await passes(`
listen tcp://127.0.0.1:0 as l exec "sh -c 'read name; echo hello $name; exit 0'"
connect tcp://127.0.0.1:\${l.port} as c
send c "ada\\n"
expect c line "hello ada"
expect c eof
`);
});

Deno.test("serve exec: closing the server stops a program that runs on", async () => {
  await passes(`
serve exec tcp://127.0.0.1:0 "sleep 30" as e
connect tcp://127.0.0.1:\${e.port} as c
expect c silence 50ms
close e
expect c eof
`);
});

Deno.test("serve exec / listen exec: parsing", () => {
  const s = parseScript(
    'serve exec unix:///tmp/x.sock "cat -u" as e quiet\nlisten tcp://127.0.0.1:0 as l exec "cat"\n',
    "x.wire",
  );
  const [a, b] = s.statements as [ServeNode, ServeNode];
  assertEquals([a.kind, a.server, a.name, a.options.command !== undefined, a.options.quiet], [
    "serve",
    "exec",
    "e",
    true,
    true,
  ]);
  assertEquals([b.kind, b.server, b.name], ["serve", "exec", "l"]);
  const cases: [string, RegExp, number][] = [
    ["serve exec tcp://127.0.0.1:0", /^expected the command to run per client/, 29],
    ['serve exec tcp://127.0.0.1:0 "cat"', /^expected "as" after the address/, 35],
    ["listen tcp://127.0.0.1:0 as l exec", /^expected the command to run per client/, 35],
    ['listen tcp://127.0.0.1:0 as l buffer 1KiB exec "cat"', /^exec takes no/, 48],
  ];
  for (const [line, message, col] of cases) {
    const e = assertThrows(() => parseScript(line, "x.wire"), ScriptSyntaxError);
    assertMatch(e.message, message);
    assertEquals(e.where, `x.wire:1:${col}`, e.message);
  }
});

Deno.test("serve exec on the command line: each client gets its own cat", async () => {
  await using server = await startPeer({
    cmd: Deno.execPath(),
    args: ["run", "-A", "--quiet", CLI, "serve", "exec", "tcp://127.0.0.1:0", "cat", "--json"],
    waitOutput: /"port":\d+/,
  });
  const port = Number(/"port":(\d+)/.exec(server.stdout())![1]);
  for (const word of ["one", "two"]) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const deadline = setTimeout(() => conn.close(), 10_000);
    try {
      await conn.write(new TextEncoder().encode(word + "\n"));
      await conn.closeWrite();
      const got = await new Response(conn.readable).text();
      assertEquals(got, word + "\n");
    } finally {
      clearTimeout(deadline);
    }
  }
});

Deno.test("serve exec on the command line: a bad command or no --allow-run is one line, exit 2", async () => {
  const bad = await runCli(["serve", "exec", "tcp://127.0.0.1:0", "sh -c 'oops"]);
  assertEquals(bad.code, 2, bad.stderr);
  assertStringIncludes(bad.stderr, "unclosed ' at character 7 of the command");
  assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  const out = await output(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--allow-net", "--allow-read", "--allow-env", CLI]
      .concat(["serve", "exec", "tcp://127.0.0.1:0", "cat"]),
    env: { NO_COLOR: "1" },
  });
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, stderr);
  assertStringIncludes(stderr, 'starting "cat" needs permission to run programs');
  assertEquals(stderr.trim().split("\n").length, 1, stderr);
});
