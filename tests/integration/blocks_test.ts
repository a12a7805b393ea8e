/**
 * Blocks, include, environment and `expect … one of` run against real loopback peers
 * (the built-in echo and HTTP servers), from files and from the REPL line by line
 * (issue 11).
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { ReplCore } from "../../lib/repl/repl_core.ts";
import { runScriptFile } from "../../lib/run/interpreter.ts";
import { ScriptSyntaxError } from "../../lib/script/parser.ts";
import { fails, passes, runCli, tempDir } from "../helpers/mod.ts";
import { envVars, parseVarsFile, scriptVars } from "../../lib/cli/script_vars.ts";

const ENV_NAME = `WIREPLAY_BLOCKS_TEST_${Deno.pid}`;

/** The acceptance script: include, repeat, for, if/else, retry on 503 503 200, env. */
function acceptance(envName: string): Record<string, string> {
  return {
    "main.wire": `
include "\${dir}/lib/setup.wire"
let got = none
repeat 2 {
  send c "ping\\n"
  expect c line "ping"
}
for word in alpha beta \${api_words} {
  if "\${word}" == "beta" {
    continue
  } else if "\${word}" == "stop" {
    break
  } else {
    send c "\${word}\\n"
    expect c line /^(\\w+)$/ as w
    print "echoed \${w.1}"
  }
}
retry 4 every 20ms backoff 2 {
  serve echo tcp://127.0.0.1:0 as attempt_server
  http GET \${api.url}/flaky as r
  expect status 200
}
if \${r.status} == 200 {
  print "status \${r.status} after retries, \${env.${envName}} \${env.NOT_SET_${envName}:-fallback}"
}
print "attempt server \${attempt_server.port}"
repeat 1 {
  spawn "cat" as kitty
  send kitty "meow\\n"
  expect kitty line /^(meow)$/ as m
  print "cat says \${m.1}"
  close kitty
}
`,
    "lib/setup.wire": `
include "common.wire"
serve echo 127.0.0.1:0 as e
connect \${e.host}:\${e.port} as c
route api GET /flaky 503 text "down"
route api GET /flaky 503 text "still down"
route api GET /flaky 200 text "up"
`,
    "lib/common.wire": `
serve http http://127.0.0.1:0 as api
let api_words = ["gamma", "stop", "never"]
`,
  };
}

async function writeAll(
  dir: { write(n: string, t: string): Promise<string> },
  files: Record<string, string>,
) {
  for (const [name, text] of Object.entries(files)) await dir.write(name, text);
}

const EXPECTED_OUTPUT = [
  "echoed alpha",
  "echoed gamma",
  "status 200 after retries, from the environment fallback",
  "cat says meow",
];

Deno.test("acceptance: include, repeat, for, if/else, retry (503, 503, 200), spawn cat and env run green from a file", async () => {
  await using dir = await tempDir();
  await writeAll(dir, acceptance(ENV_NAME));
  Deno.env.set(ENV_NAME, "from the environment");
  try {
    const r = await runScriptFile(dir.join("main.wire"), { vars: { dir: dir.path } });
    assert(r.ok, r.failure?.message);
    assertEquals(r.output.filter((l) => !l.startsWith("attempt server")), EXPECTED_OUTPUT);
    assertMatch(r.output[3]!, /^attempt server \d+$/);
  } finally {
    Deno.env.delete(ENV_NAME);
  }
});

Deno.test("acceptance: the same script in the REPL, line by line, behaves the same", async () => {
  await using dir = await tempDir();
  await writeAll(dir, acceptance(ENV_NAME));
  Deno.env.set(ENV_NAME, "from the environment");
  const out: string[] = [];
  const errors: string[] = [];
  await using core = new ReplCore(
    { out: (t) => out.push(t), err: (t) => errors.push(t) },
    { vars: { dir: dir.path } },
  );
  try {
    const lines = (await Deno.readTextFile(dir.join("main.wire"))).split("\n");
    for (const line of lines) {
      const outcome = await core.feed(line);
      assert(outcome === "ok" || outcome === "more", `${line}: ${outcome}\n${errors.join("\n")}`);
    }
    assertEquals(core.joiner.pending, false);
    for (const line of EXPECTED_OUTPUT) {
      assert(out.includes(line), `${line} not in\n${out.join("\n")}`);
    }
    assertEquals(errors, []);
  } finally {
    Deno.env.delete(ENV_NAME);
  }
});

Deno.test("retry: the last failure is reported with the attempts counted, after every and backoff", async () => {
  const started = performance.now();
  const f = await fails(`
serve http http://127.0.0.1:0 as api
route api GET /down 503 text "down"
retry 3 every 40ms backoff 2 {
  http GET \${api.url}/down
  expect status 200
}
print "not reached"
`);
  // waits 40ms, then 80ms
  assertGreaterOrEqual(performance.now() - started, 120);
  assertStringIncludes(f.reason, "(attempt 3 of 3; every attempt failed)");
  assertEquals(f.where, "inline.wire:6");
  assertEquals(f.statement, "expect status 200");
});

Deno.test("retry: what a failed attempt opened is closed before the next (names free, ports closed)", async () => {
  const r = await passes(`
serve http http://127.0.0.1:0 as api
route api GET /x 500
route api GET /x 200
retry 2 {
  listen tcp://127.0.0.1:0 as l
  let first = \${l.port}
  http GET \${api.url}/x
  expect status 200
}
print "\${l.port}"
`);
  assertEquals(r.output.length, 1);
});

Deno.test("retry: a server a failed attempt started is closed: the next attempt can bind its port", async () => {
  const r = await passes(`
serve http http://127.0.0.1:0 as api
route api GET /x 500
route api GET /x 200
retry 2 {
  if exists port {
    serve echo tcp://127.0.0.1:\${port} as e
  } else {
    serve echo tcp://127.0.0.1:0 as e
    let port = \${e.port}
  }
  http GET \${api.url}/x
  expect status 200
}
assert \${e.port} == \${port}
connect 127.0.0.1:\${port} as c
send c "still serving"
expect c "still serving"
`);
  assertEquals(r.ok, true);
});

Deno.test("repeat until: polls until a condition holds; fails after max rounds naming it", async () => {
  const ok = await passes(`
serve http http://127.0.0.1:0 as api
route api GET /ready 503
route api GET /ready 503
route api GET /ready 200 json {"id": 7}
repeat until \${r.status} == 200 max 5 {
  http GET \${api.url}/ready as r
}
repeat until exists r.json.id {
  print "not reached"
}
print "id \${r.json.id}"
`);
  assertEquals(ok.output, ["not reached", "id 7"]);
  const f = await fails(`
repeat until exists never max 3 {
  let x = 1
}
`);
  assertEquals(f.reason, "still not true after 3 rounds");
  assertEquals(f.details.expected, "exists never");
  assertEquals(f.where, "inline.wire:2");
});

Deno.test("for: words, JSON arrays (literal and captured), break and continue; repeat 0 runs nothing", async () => {
  const r = await passes(`
serve http http://127.0.0.1:0 as api
route api GET /list 200 json {"items": ["a", "b", "c", "d"]}
http GET \${api.url}/list as list
for it in \${list.json.items} x [1, 2] {
  if "\${it}" == "b" {
    continue
  }
  if "\${it}" == "2" {
    break
  }
  print "\${it}"
}
repeat 0 {
  print "never"
}
repeat 3 {
  repeat 5 {
    break
  }
  print "outer"
}
`);
  assertEquals(r.output, ["a", "c", "d", "x", "1", "outer", "outer", "outer"]);
});

Deno.test("if: every operator of assert, exists, else if chains, numbers compared as numbers", async () => {
  const r = await passes(`
let n = 10
if \${n} > 9 {
  print gt
}
if \${n} < 9 {
  print no
} else if \${n} <= 10 {
  print le
} else {
  print no
}
if "abc" ~ /^a/ {
  print match
}
if "abc" !~ /^b/ {
  print nomatch
}
if exists n {
  print exists
}
if exists n.nope {
  print no
} else {
  print "no field"
}
if abc != abd {
  print ne
}
`);
  assertEquals(r.output, ["gt", "le", "match", "nomatch", "exists", "no field", "ne"]);
  const f = await fails('if "x" < 3 {\n  print no\n}\n');
  assertEquals(f.reason, '"<" compares numbers: "x" < "3"');
  assertEquals(f.where, "inline.wire:1");
});

Deno.test("fail: fails on purpose with its message, placed at its line inside a block", async () => {
  const f = await fails('let v = 42\nrepeat 1 {\n  fail "unexpected answer:" ${v}\n}\n');
  assertEquals(f.reason, "unexpected answer: 42");
  assertEquals(f.where, "inline.wire:3");
});

Deno.test("include: relative to the including file; errors point into the included file; cycles refused", async () => {
  await using dir = await tempDir();
  await dir.write("a/main.wire", 'include "sub/one.wire"\nprint "after"\n');
  await dir.write("a/sub/one.wire", 'print "one"\ninclude "../two.wire"\n');
  await dir.write("a/two.wire", 'print "two"\n');
  const ok = await runScriptFile(dir.join("a/main.wire"));
  assertEquals(ok.output, ["one", "two", "after"]);

  await dir.write("b/main.wire", 'print "start"\ninclude "bad.wire"\n');
  await dir.write("b/bad.wire", 'let x = 1\n\nassert "${x}" == "2"\n');
  const failed = await runScriptFile(dir.join("b/main.wire"));
  assertEquals(failed.failure?.where, `${dir.join("b/bad.wire")}:3`);
  assertEquals(failed.failure?.statement, 'assert "${x}" == "2"');

  await dir.write("c/main.wire", 'include "syntax.wire"\n');
  await dir.write("c/syntax.wire", 'print "ok"\nsend c "abc"yped"\n');
  const e = await assertRejects(() => runScriptFile(dir.join("c/main.wire")), ScriptSyntaxError);
  assertEquals(e.where, `${dir.join("c/syntax.wire")}:2:13`);

  await dir.write("d/main.wire", 'include "x.wire"\n');
  await dir.write("d/x.wire", 'include "y.wire"\n');
  await dir.write("d/y.wire", 'include "main.wire"\n');
  const cycle = await runScriptFile(dir.join("d/main.wire"));
  assertEquals(
    cycle.failure?.reason,
    `include cycle: ${dir.join("d/main.wire")} → ${dir.join("d/x.wire")} → ${
      dir.join("d/y.wire")
    } → ${dir.join("d/main.wire")}`,
  );
  assertEquals(cycle.failure?.where, `${dir.join("d/y.wire")}:1`);

  const missing = await fails('include "nope/missing.wire"\n');
  assertStringIncludes(missing.reason, 'cannot include "nope/missing.wire"');
});

Deno.test("${env.NAME}: set, default, and an unset one is an error naming it", async () => {
  Deno.env.set(ENV_NAME, "v1");
  try {
    const r = await passes(
      `print "\${env.${ENV_NAME}}" "\${env.UNSET_${ENV_NAME}:-dflt}" "[\${env.UNSET_${ENV_NAME}:-}]"`,
    );
    assertEquals(r.output, ["v1 dflt []"]);
  } finally {
    Deno.env.delete(ENV_NAME);
  }
  const f = await fails(`print "\${env.UNSET_${ENV_NAME}}"`);
  assertEquals(
    f.reason,
    `environment variable UNSET_${ENV_NAME} is not set (\${env.UNSET_${ENV_NAME}:-DEFAULT} gives a default)`,
  );
});

Deno.test("expect one of: the arm whose pattern arrives first runs; as captures; timeout and eof arms", async () => {
  const r = await passes(`
serve echo 127.0.0.1:0 as e
connect \${e.address} as c
send c "-ERR busy\\r\\n"
expect c one of {
  "+OK" => {
    fail "not this one"
  }
  /^-ERR (\\w+)\\r\\n/ as m => {
    print "error \${m.1}"
  }
}
expect c one of within 100ms {
  "x" => {
    fail "nothing was sent"
  }
  timeout => {
    print "timeout arm"
  }
}
send c "+OK\\r\\n"
expect c one of {
  /^-ERR/ => {
    fail "wrong arm"
  }
  "+OK\\r\\n" as ok => {
    print "ok arm \${ok}"
  }
}
shutdown c
expect c one of {
  "more" => {
    fail "no more"
  }
  eof => {
    print "eof arm"
  }
}
`);
  assertEquals(r.output, ["error busy", "timeout arm", "ok arm +OK\r\n", "eof arm"]);

  const f = await fails(`
serve echo 127.0.0.1:0 as e
connect \${e.address} as c
send c "zzz"
expect c one of within 150ms {
  "abc" => {
    print no
  }
  /q/ => {
    print no
  }
}
`);
  assertEquals(f.reason, 'timed out waiting for one of "abc", /q/');
  assertEquals(f.where, "inline.wire:5");
  assertEquals(new TextDecoder().decode(f.details.received), "zzz");

  const mismatch = await fails(`
serve echo 127.0.0.1:0 as e
connect \${e.address} as c
send c "zzz"
expect c one of {
  "abc" => {
    print no
  }
  "xyz" => {
    print no
  }
}
`);
  assertMatch(mismatch.reason, /^received data matches none of the arms/);
});

Deno.test("heredocs in a script file, and a plain HOST:PORT address, against an echo server", async () => {
  await using dir = await tempDir();
  const path = await dir.write(
    "h.wire",
    [
      "serve echo 127.0.0.1:0 as e",
      "connect 127.0.0.1:${e.port} as c",
      "send c <<crlf END",
      "GET / HTTP/1.1",
      "Host: x",
      "",
      "END",
      'expect c "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"',
      'assert "${c.remote}" ~ /^tcp:\\/\\//',
    ].join("\n"),
  );
  const r = await runScriptFile(path);
  assert(r.ok, r.failure?.message);
});

Deno.test("variables: WIREPLAY_VAR_NAME < --vars-file (in order) < --var", async () => {
  assertEquals(envVars({ WIREPLAY_VAR_a: "1", WIREPLAY_VAR_: "x", OTHER: "2" }), { a: "1" });
  assertEquals(parseVarsFile("# c\n\na=1\nb = two words \nc==x\n", "v"), {
    a: "1",
    b: "two words ",
    c: "=x",
  });
  const bad = (() => {
    try {
      parseVarsFile("a=1\noops\n", "vars.env");
    } catch (e) {
      return String(e);
    }
  })();
  assertEquals(bad, 'vars.env:2: "oops" is not NAME=VALUE');
  await using dir = await tempDir();
  const f1 = await dir.write("one.env", "a=file1\nb=file1\nc=file1\n");
  const f2 = await dir.write("two.env", "b=file2\n");
  assertEquals(
    await scriptVars({ var: { c: "flag" }, varsFile: [f1, f2] }, {
      WIREPLAY_VAR_a: "env",
      WIREPLAY_VAR_d: "env",
    }),
    { a: "file1", b: "file2", c: "flag", d: "env" },
  );
});

Deno.test("CLI: run takes --vars-file, --var and WIREPLAY_VAR_ (precedence); a bad vars file is exit 2", async () => {
  await using dir = await tempDir();
  const script = await dir.write("v.wire", 'print "${a} ${b} ${c}"\n');
  const vars = await dir.write("v.env", "a=file\nb=file\n");
  const r = await runCli(["run", script, "--vars-file", vars, "--var", "b=flag"], {
    env: { WIREPLAY_VAR_a: "env", WIREPLAY_VAR_c: "env" },
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trim(), "file flag env");
  const bad = await dir.write("bad.env", "no equals sign\n");
  const b = await runCli(["run", script, "--vars-file", bad]);
  assertEquals(b.code, 2);
  assertEquals(b.stderr.trim(), `wireplay: ${bad}:1: "no equals sign" is not NAME=VALUE`);
});

Deno.test("a busy loop is cancelled by the session's signal (Ctrl-C in the REPL)", async () => {
  const errors: string[] = [];
  await using core = new ReplCore({ out: () => {}, err: (t) => errors.push(t) });
  const started = performance.now();
  const lines = ["repeat 100000000 {", "  let x = 1", "}"];
  for (const l of lines.slice(0, -1)) assertEquals(await core.feed(l), "more");
  const running = core.feed(lines.at(-1)!);
  setTimeout(() => core.cancel(), 100);
  assertEquals(await running, "failed");
  assert(performance.now() - started < 5000);
  assertStringIncludes(errors.join("\n"), "cancelled");
});

Deno.test("REPL: a block typed line by line runs when it closes, and :save writes it back as typed", async () => {
  await using dir = await tempDir();
  const out: string[] = [];
  const errors: string[] = [];
  await using core = new ReplCore({ out: (t) => out.push(t), err: (t) => errors.push(t) });
  const lines = [
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    "repeat 2 {",
    '  send c "hi\\n"',
    '  expect c line "hi"',
    "}",
    "if 1 == 2 {",
    "  print no",
    "} else {",
    "  print yes",
    "}",
  ];
  const outcomes = [];
  for (const line of lines) outcomes.push(await core.feed(line));
  assertEquals(outcomes, [
    "ok",
    "ok",
    "more",
    "more",
    "more",
    "ok",
    "more",
    "more",
    "more",
    "more",
    "ok",
  ]);
  assertEquals(errors, []);
  assert(out.includes("yes"));
  const path = dir.join("saved.wire");
  assert(await core.save(path));
  const saved = await Deno.readTextFile(path);
  assertStringIncludes(saved, 'repeat 2 {\n  send c "hi\\n"\n  expect c line "hi"\n}\n');
  assertStringIncludes(saved, "if 1 == 2 {\n  print no\n} else {\n  print yes\n}\n");
  const replay = await runScriptFile(path);
  assert(replay.ok, replay.failure?.message);
  assertEquals(replay.output, ["yes"]);

  // a mistake inside a typed block is placed at its own line
  for (const l of ["repeat 1 {", "  prnt x"]) await core.feed(l);
  assertEquals(await core.feed("}"), "syntax");
  assertStringIncludes(errors.join("\n"), `<repl>:${lines.length + 2}:3: unknown statement "prnt"`);
});
