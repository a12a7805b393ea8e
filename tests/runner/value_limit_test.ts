/**
 * Issue 18.12: a value that doubles 40 times fails its own script with a clear line
 * naming the statement; the run goes on and the report is written.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";

Deno.test("runner: a value explosion fails its script; the JUnit report still has both results", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wireplay-test-" });
  try {
    const lines = ['let a0 = "xxxxxxxxxxxxxxxx"'];
    for (let i = 1; i <= 40; i++) lines.push(`let a${i} = "\${a${i - 1}}\${a${i - 1}}"`);
    await Deno.writeTextFile(`${dir}/bomb.wire`, lines.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/good.wire`, 'let x = "hi"\nassert "${x}" == "hi"\n');
    const r = await runCli(["test", dir, "--reporter", "junit", "--out", `${dir}/report.xml`]);
    const err = r.stderr;
    assertEquals(r.code, 1, err);
    assertEquals(err.includes("    at "), false, "no stack trace");
    const xml = await Deno.readTextFile(`${dir}/report.xml`);
    assertStringIncludes(xml, 'tests="2" failures="1"');
    assertMatch(xml, /bomb\.wire:\d+: the value would be [\d.]+ MiB, over the limit of 64\.0 MiB/);
    assertMatch(xml, /<testcase name="[^"]*good\.wire"[^>]*\/>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
