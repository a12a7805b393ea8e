import { assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { runSuite } from "../../lib/runner/run_suite.ts";

const script = `serve echo tcp://127.0.0.1:0 as s
connect tcp://127.0.0.1:\${s.port} as c
send c "hello\\nworld\\n" hex "00 ff"
expect c line "hullo"   # stale literal, rewritten
expect c "wrld\\n" within 1s
expect c hex "00 00"
send c "\${s.port}"
expect c "\${s.port}"   # interpolated: never rewritten, passes
`;

Deno.test("--update rewrites stale literal expectations and keeps the rest of the line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "u.wire");
    await Deno.writeTextFile(file, script);
    const before = await runSuite([file]);
    assertEquals(before.failed, 1);

    const updated = await runSuite([file], { update: true });
    assertEquals(updated.passed, 1);
    assertEquals(updated.results[0]!.updated, 3);
    const text = await Deno.readTextFile(file);
    assertStringIncludes(text, 'expect c line "hello"   # stale literal, rewritten');
    assertStringIncludes(text, 'expect c "world\\n" within 1s');
    assertStringIncludes(text, 'expect c hex "00 ff"');
    assertStringIncludes(text, 'expect c "${s.port}"');

    const after = await runSuite([file]);
    assertEquals([after.passed, after.failed], [1, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--update leaves a regex expectation failing: only literals are rewritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "r.wire");
    const text = `serve echo tcp://127.0.0.1:0 as s
connect tcp://127.0.0.1:\${s.port} as c
send c "abc"
expect c /xyz/ within 300ms
`;
    await Deno.writeTextFile(file, text);
    const r = await runSuite([file], { update: true });
    assertEquals(r.failed, 1);
    assertEquals(await Deno.readTextFile(file), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
