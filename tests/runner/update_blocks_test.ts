import { assertEquals, assertStringIncludes } from "@std/assert";
import { runSuite } from "../../lib/runner/run_suite.ts";
import { tempDir } from "../helpers/mod.ts";

Deno.test("--update rewrites a stale literal inside a loop once, where it stands in the file", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "loop.wire",
    `serve echo tcp://127.0.0.1:0 as s
connect tcp://127.0.0.1:\${s.port} as c
repeat 2 {
  send c "hello\\n"
  if 1 == 1 {
    expect c line "hullo there"   # stale
  }
}
`,
  );
  assertEquals((await runSuite([file])).failed, 1);
  const updated = await runSuite([file], { update: true });
  assertEquals(updated.passed, 1);
  const text = await Deno.readTextFile(file);
  assertStringIncludes(text, '    expect c line "hello"   # stale\n');
  assertEquals(text.split("\n").length, 9);
  const after = await runSuite([file]);
  assertEquals([after.passed, after.failed], [1, 0]);
});

Deno.test("--update never writes a heredoc literal at a place that is not its own", async () => {
  await using dir = await tempDir();
  const text = `serve echo tcp://127.0.0.1:0 as s
connect tcp://127.0.0.1:\${s.port} as c
send c "new\\n"
expect c <<EOF
old
EOF
`;
  const file = await dir.write("h.wire", text);
  await runSuite([file], { update: true });
  assertEquals(await Deno.readTextFile(file), text);
});
