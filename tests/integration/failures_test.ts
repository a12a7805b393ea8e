import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { runWire } from "../helpers/wire.ts";

/** No stack trace: no "    at file:…" lines and no "Error:" class prefixes. */
function assertNoStack(text: string) {
  assert(!/^\s+at .*:\d+:\d+\)?$/m.test(text), `stack trace in:\n${text}`);
  assert(!/(Uncaught|Stack backtrace)/.test(text), `stack trace in:\n${text}`);
}

Deno.test("cli run: a failed expectation reports path:line, statement, expected, received; exit 1", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "fail.wire",
    `# a text mismatch
serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c "hello world\\r\\n"
expect c line "hello there"
`,
  );
  const r = await runCli(["run", file]);
  assertEquals(r.code, 1, r.stderr);
  assertNoStack(r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines[0], `${file}:5: line differs`);
  assertEquals(lines[1], `  statement: expect c line "hello there"`);
  assertEquals(lines[2], `  expected:  line "hello there"`);
  assertEquals(lines[3], `  received:  "hello world" (11 bytes)`);
  assertEquals(lines.length, 4, r.stderr);
});

Deno.test("cli run: binary data is shown escaped and as a hex dump, with the wait", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "bin.wire",
    `serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c hex "00 01 02 ff 41 42"
expect c /PONG/ within 300ms
`,
  );
  const r = await runCli(["run", file]);
  assertEquals(r.code, 1, r.stderr);
  assertNoStack(r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines[0], `${file}:4: timed out waiting for /PONG/`);
  assertEquals(lines[1], "  statement: expect c /PONG/ within 300ms");
  assertEquals(lines[2], "  expected:  /PONG/");
  assertEquals(lines[3], '  received:  "\\0\\x01\\x02\\xffAB" (6 bytes)');
  assertEquals(
    lines[4],
    "             00000000  00 01 02 ff 41 42                                 |....AB|",
  );
  assertMatch(lines[5]!, /^ {2}waited: {4}3\d\dms \(timeout 300ms\)$/);
});

Deno.test("cli run: a script that does not parse: file:line:col, exit 2, no stack", async () => {
  await using dir = await tempDir();
  const file = await dir.write("bad.wire", `sleep 1ms\nconect tcp://127.0.0.1:1 as c\n`);
  const r = await runCli(["run", file]);
  assertEquals(r.code, 2);
  assertNoStack(r.stderr);
  assertEquals(
    r.stderr.split("\n")[0],
    `wireplay: ${file}:2:1: unknown statement "conect" (did you mean "connect"?)`,
  );
  assertStringIncludes(r.stderr, "2 | conect tcp://127.0.0.1:1 as c\n  | ^^^^^^");
  const missing = await runCli(["run", dir.join("nope.wire")]);
  assertEquals(missing.code, 2);
  assertNoStack(missing.stderr);
  assertMatch(missing.stderr, /^wireplay: .*nope\.wire: cannot read script: /);
});

Deno.test("cli run: prints, --var, --json and exit 0", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "ok.wire",
    `serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c "\${greeting}\\n"
expect c line as l
print "got \${l}"
`,
  );
  const r = await runCli(["run", file, "--var", "greeting=hi there"]);
  assertEquals([r.code, r.stdout, r.stderr], [0, "got hi there\n", ""]);
  const j = await runCli(["run", file, "--var", "greeting=yo", "--json"]);
  assertEquals(j.code, 0);
  const out = JSON.parse(j.stdout);
  assertEquals([out.ok, out.statements, out.output], [true, 5, ["got yo"]]);
  const unset = await runCli(["run", file]);
  assertEquals(unset.code, 1);
  assertStringIncludes(unset.stderr, 'unknown variable ${greeting}: "greeting" is not set');
});

Deno.test("cli run: a bad --timeout is a usage error", async () => {
  const r = await runCli(["run", "x.wire", "--timeout", "soon"]);
  assertEquals(r.code, 2);
  assertNoStack(r.stderr);
  assertStringIncludes(r.stderr, '"soon" is not a duration');
});

Deno.test("every socket, server and temp file is closed when a script fails midway", async () => {
  // the test sanitizers fail this test if any resource or op outlives it
  await using dir = await tempDir();
  const r = await runWire(
    `serve echo tcp://127.0.0.1:0 as e1
serve echo tls://127.0.0.1:0 as e2
serve chargen unix://\${dir}/g.sock as e3
serve echo udp://127.0.0.1:0 as e4
listen tcp://127.0.0.1:0 as l1
listen tls://127.0.0.1:0 as l2
bind udp://127.0.0.1:0 as u
connect tcp://127.0.0.1:\${e1.port} as c1
connect tls://127.0.0.1:\${e2.port} as c2 ca \${e2.cert}
connect unix://\${dir}/g.sock as c3
connect udp://127.0.0.1:\${e4.port} as c4
connect tcp://127.0.0.1:\${l1.port} as c5
connect tls://127.0.0.1:\${l2.port} as c6 insecure
accept l1 as p1
print \${e2.cert} \${l2.cert}
send c1 "x"
expect c1 "y"
print "not reached"
`,
    { vars: { dir: dir.path } },
  );
  assert(!r.ok);
  assertEquals(r.failure?.where, "inline.wire:17");
  assertEquals(r.statements, 16);
  const [cert1, cert2] = r.output[0]!.split(" ");
  for (const p of [cert1!, cert2!, dir.join("g.sock")]) {
    const gone = await Deno.stat(p).then(() => false, () => true);
    assert(gone, `${p} still exists`);
  }
});

Deno.test("a chargen flood and a closed peer do not leak either", async () => {
  const r = await runWire(
    `serve chargen tcp://127.0.0.1:0 as g
connect tcp://127.0.0.1:\${g.port} as c
expect c bytes 100000
close g
expect c /never/ within 2s`,
  );
  assert(!r.ok);
  assertMatch(r.failure!.reason, /peer closed|connection failed|reset/);
});
