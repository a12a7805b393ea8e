import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { runCli } from "../helpers/cli.ts";
import { killTree, statusOf, within } from "../helpers/process.ts";
import { type TempDir, tempDir } from "../helpers/temp.ts";

const ECHO_PASS = `serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c "ping\\n"
expect c line "ping"
`;

/** A small suite: 3 pass, 1 fails, 2 skip (one @skip, one @needs target). */
async function suite(): Promise<TempDir> {
  const dir = await tempDir();
  await dir.write("a_pass.wire", ECHO_PASS);
  await dir.write("b_fail.wire", `# fails on line 3\nlet x = "1"\nassert "\${x}" == "2"\n`);
  await dir.write("c_skip.wire", `# @skip not today\nconect nonsense\n`);
  await dir.write(
    "d_needs.wire",
    `# @needs target\nconnect \${target} as c\nsend c "x\\n"\nexpect c line "x"\n`,
  );
  await dir.write("sub/e_pass.wire", `print "hello from e"\nassert "a" ~ /a/\n`);
  await dir.write("sub/f_pass.wire", ECHO_PASS);
  await dir.write("sub/notes.txt", "not a script");
  return dir;
}

const ALL = [
  "a_pass.wire",
  "b_fail.wire",
  "c_skip.wire",
  "d_needs.wire",
  "sub/e_pass.wire",
  "sub/f_pass.wire",
];

Deno.test("test: pretty report, live lines and the summary line; exit 1 on a failure", async () => {
  await using dir = await suite();
  const r = await runCli(["test", "."], { cwd: dir.path });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assertEquals(lines.at(-1), "3 passed, 1 failed, 2 skipped");
  assertMatch(r.stdout, /^ok {3}a_pass\.wire \(/m);
  assertMatch(r.stdout, /^FAIL b_fail\.wire \(/m);
  assertMatch(r.stdout, /^ {5}b_fail\.wire:3: assertion failed$/m);
  assertMatch(r.stdout, /^skip c_skip\.wire \(not today\)$/m);
  assertMatch(r.stdout, /^skip d_needs\.wire \(needs --var target=…\)$/m);
  assertStringIncludes(r.stdout, "failures:\n  b_fail.wire:3\n");
  // every file appears once, in sorted order
  const order = lines.filter((l) => /^(ok|FAIL|skip) /.test(l)).map((l) => l.split(/\s+/)[1]);
  assertEquals(order, ALL);
});

Deno.test("test: all passing exits 0 and prints 'N passed, 0 failed'", async () => {
  await using dir = await suite();
  const r = await runCli(["test", "a_pass.wire", "sub"], { cwd: dir.path });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.stdout.trimEnd().split("\n").at(-1), "3 passed, 0 failed");
});

Deno.test("test: --var reaches every script and satisfies # @needs", async () => {
  await using dir = await suite();
  await using peer = await tempDir();
  // a listening echo server for d_needs.wire, started by a helper script in parallel
  const server = await peer.write(
    "server.wire",
    `serve echo tcp://127.0.0.1:0 as e\nprint \${e.port}\nsleep 20s\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("../../cli.ts", import.meta.url).pathname,
      "run",
      server,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    await within(
      (async () => {
        while (!/\d+\n/.test(out)) {
          const { value, done } = await reader.read();
          if (done) throw new Error("server script ended early");
          out += value;
        }
      })(),
      20_000,
      () => `the server script's port line (got ${JSON.stringify(out)})`,
      () => killTree(child),
    );
    reader.releaseLock();
    const port = out.trim();
    const r = await runCli(
      ["test", "d_needs.wire", "--var", `target=tcp://127.0.0.1:${port}`, "--reporter", "tap"],
      { cwd: dir.path },
    );
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "ok 1 - d_needs.wire\n");
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
    await child.stdout.cancel().catch(() => {});
    await statusOf(child, "the server script after SIGTERM", 10_000);
  }
});

interface TapTest {
  ok: boolean;
  n: number;
  name: string;
  skip?: string;
  yaml: string[];
}

/** A strict TAP 14 reader for what wireplay writes: version, plan, tests, YAML blocks. */
function parseTap(text: string) {
  const lines = text.trimEnd().split("\n");
  assertEquals(lines[0], "TAP version 14");
  const plan = /^1\.\.(\d+)$/.exec(lines[1]!);
  assert(plan, `plan line: ${lines[1]}`);
  const tests: TapTest[] = [];
  const comments: string[] = [];
  for (let i = 2; i < lines.length; i++) {
    const l = lines[i]!;
    const m = /^(not ok|ok) (\d+) - (\S+)(?: # SKIP (.*))?$/.exec(l);
    if (m) {
      tests.push({ ok: m[1] === "ok", n: Number(m[2]), name: m[3]!, skip: m[4], yaml: [] });
    } else if (l === "  ---") {
      const t = tests.at(-1);
      assert(t && !t.ok, `YAML block after a passing test at line ${i + 1}`);
      for (i++; lines[i] !== "  ..."; i++) {
        assert(i < lines.length, "unterminated YAML block");
        assert(lines[i]!.startsWith("  "), `YAML line not indented: ${lines[i]}`);
        t.yaml.push(lines[i]!.slice(2));
      }
    } else if (l.startsWith("# ")) comments.push(l.slice(2));
    else throw new Error(`unexpected TAP line ${i + 1}: ${JSON.stringify(l)}`);
  }
  assertEquals(tests.length, Number(plan[1]), "plan count");
  tests.forEach((t, k) => assertEquals(t.n, k + 1, "test numbers are sequential"));
  return { tests, comments };
}

Deno.test("test --reporter tap: parsed back line by line", async () => {
  await using dir = await suite();
  const r = await runCli(["test", ".", "--reporter", "tap"], { cwd: dir.path });
  assertEquals(r.code, 1);
  const tap = parseTap(r.stdout);
  assertEquals(tap.tests.map((t) => t.name), ALL);
  assertEquals(tap.tests.map((t) => t.ok), [true, false, true, true, true, true]);
  assertEquals(tap.tests[2]!.skip, "not today");
  assertEquals(tap.tests[3]!.skip, "needs --var target=…");
  const fail = tap.tests[1]!;
  assertMatch(fail.yaml[0]!, /^duration_ms: \d+(\.\d+)?$/);
  assertEquals(fail.yaml[1], 'at: "b_fail.wire:3"');
  assertEquals(fail.yaml[2], "message: |-");
  assertEquals(fail.yaml[3], "  b_fail.wire:3: assertion failed");
  assertStringIncludes(fail.yaml.join("\n"), `statement: assert "\${x}" == "2"`);
  assertEquals(tap.comments, ["3 passed, 1 failed, 2 skipped"]);
});

Deno.test("test --reporter junit: well-formed XML, parsed back and checked", async () => {
  await using dir = await suite();
  // a failure message with characters XML must escape
  await dir.write("g_fail.wire", `assert "<a & \\"b\\">" == "\\x01]]>"\n`);
  const r = await runCli(["test", ".", "--reporter", "junit"], { cwd: dir.path });
  assertEquals(r.code, 1);
  assertEquals(XMLValidator.validate(r.stdout), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(r.stdout);
  const suites = doc.testsuites;
  assertEquals([suites.tests, suites.failures, suites.skipped], ["7", "2", "2"]);
  const ts = suites.testsuite;
  assertEquals(ts.name, "wireplay");
  const cases = ts.testcase as Record<string, unknown>[];
  assertEquals(cases.map((c) => c.name), [...ALL.slice(0, 4), "g_fail.wire", ...ALL.slice(4)]);
  assertEquals(cases.map((c) => c.classname), [".", ".", ".", ".", ".", "sub", "sub"]);
  for (const c of cases) assertMatch(String(c.time), /^\d+\.\d{3}$/);
  const failure = cases[1]!.failure as Record<string, string>;
  assertEquals(failure.message, "b_fail.wire:3: assertion failed");
  assertEquals(failure.type, "expectation");
  assertStringIncludes(failure["#text"]!, "statement: assert");
  assertEquals((cases[2]!.skipped as Record<string, string>).message, "not today");
  const g = cases[4]!.failure as Record<string, string>;
  assertStringIncludes(g["#text"]!, `expected:  == "\uFFFD]]>"`);
  assertStringIncludes(g["#text"]!, `actual:    "<a & "b">"`);
});

Deno.test("test --reporter json and html", async () => {
  await using dir = await suite();
  const r = await runCli(["test", ".", "--reporter", "json"], { cwd: dir.path });
  assertEquals(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals([j.passed, j.failed, j.skipped], [3, 1, 2]);
  assertEquals(j.tests.map((t: { file: string }) => t.file), ALL);
  assertEquals(j.tests[1].where, "b_fail.wire:3");
  assertEquals(j.tests[1].statements, 1);
  assertEquals(j.tests[4].output, ["hello from e"]);
  const h = await runCli(["test", ".", "--reporter", "html"], { cwd: dir.path });
  assertMatch(h.stdout, /^<!doctype html>/);
  assertStringIncludes(h.stdout, "wireplay: 3 passed, 1 failed, 2 skipped");
  assertStringIncludes(h.stdout, '<details class="test failed" data-status="failed"');
});

Deno.test("test --out: the report goes to a file, atomically, the summary to stdout", async () => {
  await using dir = await suite();
  await using outDir = await tempDir();
  const out = outDir.join("report.xml");
  await Deno.writeTextFile(out, "old contents");
  const r = await runCli(["test", ".", "--reporter", "junit", "--out", out], { cwd: dir.path });
  assertEquals(r.code, 1, r.stderr);
  assertEquals(r.stdout, "3 passed, 1 failed, 2 skipped\n", r.stderr);
  const xml = await Deno.readTextFile(out);
  assertEquals(XMLValidator.validate(xml), true);
  const names = [];
  for await (const e of Deno.readDir(outDir.path)) names.push(e.name);
  assertEquals(names, ["report.xml"], "no temporary file left behind");
  const bad = await runCli(["test", ".", "--out", outDir.join("no/such/dir/r.txt")], {
    cwd: dir.path,
  });
  assert(bad.code !== 0);
  assert(!/^\s+at /m.test(bad.stderr), bad.stderr);
});

Deno.test("test --filter selects by path; a bad regex is a usage error", async () => {
  await using dir = await suite();
  const r = await runCli(["test", ".", "--filter", "pass", "--reporter", "tap"], { cwd: dir.path });
  assertEquals(r.code, 0);
  assertEquals(parseTap(r.stdout).tests.map((t) => t.name), [
    "a_pass.wire",
    "sub/e_pass.wire",
    "sub/f_pass.wire",
  ]);
  const bad = await runCli(["test", ".", "--filter", "(unclosed"], { cwd: dir.path });
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /^wireplay: --filter: invalid regex: /);
});

Deno.test("test --shard: 1/2 and 2/2 are disjoint and together whole; bad shards rejected", async () => {
  await using dir = await suite();
  const names = async (shard: string) => {
    const r = await runCli(["test", ".", "--shard", shard, "--reporter", "json"], {
      cwd: dir.path,
    });
    assert(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    return (JSON.parse(r.stdout).tests as { file: string }[]).map((t) => t.file);
  };
  for (const n of [2, 3]) {
    const shares = [];
    for (let i = 1; i <= n; i++) shares.push(await names(`${i}/${n}`));
    const flat = shares.flat();
    assertEquals(new Set(flat).size, flat.length, `shards of ${n} overlap: ${flat}`);
    assertEquals([...flat].sort(), ALL, `shards of ${n} miss some`);
    for (const s of shares) assert(s.length >= 1, "no empty shard for 6 files");
  }
  for (const bad of ["0/2", "3/2", "x", "1/0"]) {
    const r = await runCli(["test", ".", "--shard", bad], { cwd: dir.path });
    assertEquals(r.code, 2, bad);
    assertEquals(
      r.stderr.trim(),
      `wireplay: --shard: "${bad}" is not a shard like 1/3 (I from 1 to N)`,
    );
  }
});

Deno.test("test --parallel: scripts really run at the same time", async () => {
  // waiter.wire accepts a connection that only caller.wire (running concurrently) makes
  await using dir = await tempDir();
  await dir.write(
    "a_waiter.wire",
    `listen unix://\${dir}/meet.sock as l\naccept l as p within 5s\nexpect p line "hi"\n`,
  );
  await dir.write(
    "b_caller.wire",
    `sleep 300ms\nconnect unix://\${dir}/meet.sock as c\nsend c "hi\\n"\n`,
  );
  const args = ["test", ".", "--var", `dir=${dir.path}`, "--reporter", "tap"];
  const par = await runCli([...args, "--parallel", "2"], { cwd: dir.path });
  assertEquals(par.code, 0, par.stdout);
  assertEquals(parseTap(par.stdout).tests.map((t) => t.ok), [true, true]);
  const serial = await runCli([...args, "--timeout", "500ms"], { cwd: dir.path });
  assertEquals(serial.code, 1, "one at a time the waiter times out");
  const bad = await runCli(["test", ".", "--parallel", "0"], { cwd: dir.path });
  assertEquals(bad.code, 2);
});

Deno.test("test: a script that does not parse fails the run with exit 2 and file:line:col", async () => {
  await using dir = await suite();
  await dir.write("z_bad.wire", `sleep 1ms\nsend c "unterminated\n`);
  const r = await runCli(["test", "."], { cwd: dir.path });
  assertEquals(r.code, 2);
  assertStringIncludes(r.stdout, 'z_bad.wire:2:8: unterminated string (missing closing ")');
  assertEquals(r.stdout.trimEnd().split("\n").at(-1), "3 passed, 2 failed, 2 skipped");
  const missing = await runCli(["test", "no/such/dir"], { cwd: dir.path });
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr.trim(), "wireplay: no/such/dir: no such file or folder");
});
