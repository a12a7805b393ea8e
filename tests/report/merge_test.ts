/**
 * Several reporters at once, JUnit as CI reads it, and shards merged back into one
 * report (`wireplay report merge`).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";

const ECHO = `serve echo tcp://127.0.0.1:0 as s
connect \${s.address} as c
send c "hi \${who}\\n"
expect c line "hi \${who}"
`;

/** Fails at its expect: JUnit's transcript marks where. */
const FAILING = `serve echo tcp://127.0.0.1:0 as s
connect \${s.address} as c
send c "hi\\n"
expect c line "bye" within 300ms
`;

async function suite(n = 7) {
  const dir = await tempDir();
  for (let i = 0; i < n; i++) {
    const folder = ["a", "b/c", "."][i % 3]!;
    await dir.write(`${folder}/t${i}.wire`, i === 4 ? FAILING : ECHO);
  }
  return dir;
}

Deno.test("test --reporter pretty --reporter junit:FILE --reporter json:FILE: all three, JUnit as CI reads it", async () => {
  await using dir = await suite();
  const r = await runCli([
    "test",
    ".",
    "--var",
    "who=ada",
    "--reporter",
    "pretty",
    "--reporter",
    "junit:out/junit.xml",
    "--reporter",
    "json:out/r.json",
  ], { cwd: dir.path });
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout, /^ok {3}a\/t0\.wire/m);
  assertStringIncludes(r.stdout, "6 passed, 1 failed");
  const xml = await Deno.readTextFile(dir.join("out/junit.xml"));
  assertEquals(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
  const ts = doc.testsuites.testsuite;
  assertEquals(ts.properties.property, { name: "who", value: "ada" });
  const cases = ts.testcase as Record<string, unknown>[];
  assertEquals(cases.map((c) => c.classname), ["a", "a", "a", "b/c", "b/c", ".", "."]);
  const t0 = cases.find((c) => c.name === "a/t0.wire")!;
  assertEquals(t0.file, "a/t0.wire");
  assertStringIncludes(String(t0["system-out"]), '→ c  "hi ada\\n"');
  assertStringIncludes(String(t0["system-out"]), '← c  "hi ada\\n"');
  const t4 = cases.find((c) => c.name === "b/c/t4.wire")!;
  const out4 = String(t4["system-out"]).split("\n");
  const failedAt = out4.findIndex((l) => / ms {2}✗ c {2}line differs$/.test(l));
  assert(failedAt > 0, out4.join("\n"));
  assertMatch(out4[failedAt - 1]!, /← c {2}"hi\\n"/); // after what it looked at
  const json = JSON.parse(await Deno.readTextFile(dir.join("out/r.json")));
  assertEquals(json.tests.length, 7);
  assertEquals(json.vars, { who: "ada" });
});

Deno.test("--reporter: two on stdout, an unknown name or an empty file is one line, exit 2", async () => {
  await using dir = await suite(1);
  for (
    const [args, says] of [
      [["--reporter", "pretty", "--reporter", "tap"], "only one reporter can print"],
      [["--reporter", "xml"], '"xml" is not a reporter'],
      [["--reporter", "junit:"], "no file after the colon"],
    ] as const
  ) {
    const r = await runCli(["test", ".", ...args], { cwd: dir.path });
    assertEquals(r.code, 2, r.stdout + r.stderr);
    assertStringIncludes(r.stderr, "--reporter");
    assertStringIncludes(r.stderr, says);
    assertEquals(r.stderr.trim().split("\n").length <= 2, true, r.stderr);
  }
});

Deno.test("report merge: N shards cover every test exactly once, into JUnit, HTML and JSON", async () => {
  await using dir = await suite(11);
  const all = await runCli(["test", ".", "--reporter", "json"], { cwd: dir.path });
  const files = JSON.parse(all.stdout).tests.map((t: { file: string }) => t.file);
  assertEquals(files.length, 11);
  for (const n of [1, 3, 4]) {
    const shards: string[] = [];
    for (let i = 1; i <= n; i++) {
      const out = `shards${n}/${i}.json`;
      const r = await runCli(
        ["test", ".", "--shard", `${i}/${n}`, "--var", "who=x", "--reporter", `json:${out}`],
        { cwd: dir.path },
      );
      assert(r.code === 0 || r.code === 1, r.stderr);
      shards.push(out);
    }
    const m = await runCli([
      "report",
      "merge",
      ...shards,
      "--reporter",
      "json",
      "--reporter",
      `junit:m${n}.xml`,
      "--reporter",
      `html:m${n}.html`,
    ], { cwd: dir.path });
    assertEquals(m.code, 1, m.stderr); // t4 fails
    const merged = JSON.parse(m.stdout);
    assertEquals(merged.tests.map((t: { file: string }) => t.file), files, `${n} shards`);
    assertEquals([merged.passed, merged.failed], [10, 1]);
    const trace = merged.tests.find((t: { file: string }) => t.file === "a/t0.wire").trace;
    assert(trace.some((e: { kind: string }) => e.kind === "received"), "exchanges kept");
    const xml = await Deno.readTextFile(dir.join(`m${n}.xml`));
    assertEquals(XMLValidator.validate(xml), true);
    assertEquals((xml.match(/<testcase /g) ?? []).length, 11);
    const html = await Deno.readTextFile(dir.join(`m${n}.html`));
    assertEquals((html.match(/<details class="test /g) ?? []).length, 11);
    assertEquals((html.match(/<svg /g) ?? []).length, 11);
  }
});

Deno.test("report merge: a test in two shards, or a file that is not a JSON report, is refused (exit 2)", async () => {
  await using dir = await suite(3);
  await runCli(["test", ".", "--reporter", "json:r.json"], { cwd: dir.path });
  await dir.write("bad.json", '{"tests": 3}');
  const twice = await runCli(["report", "merge", "r.json", "r.json"], { cwd: dir.path });
  assertEquals(twice.code, 2);
  assertMatch(twice.stderr, /a\/t0\.wire is in both r\.json and r\.json/);
  const bad = await runCli(["report", "merge", "bad.json"], { cwd: dir.path });
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "bad.json");
  assert(!/^\s+at /m.test(bad.stderr), bad.stderr);
});
