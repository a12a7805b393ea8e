/**
 * `:load FILE` resolves the loaded file's relative paths (`file "rec.d/c1-0001.bin"`, the
 * side files of a recording) from FILE's folder, as `include` and `run` do, not from the
 * REPL's working directory.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ReplCore } from "../../lib/repl/repl_core.ts";
import { tempDir } from "../helpers/mod.ts";

Deno.test(":load reads a loaded file's relative file paths from its folder", async () => {
  await using dir = await tempDir();
  const bytes = new Uint8Array(40_000).map((_, i) => (i * 7) & 0xff);
  await Deno.mkdir(dir.join("sub/rec.d"), { recursive: true });
  await Deno.writeFile(dir.join("sub/rec.d/c1-0001.bin"), bytes);
  const script = await dir.write(
    "sub/rec.wire",
    "serve echo tcp://127.0.0.1:0 as e\n" +
      "connect tcp://127.0.0.1:${e.port} as c1\n" +
      'send c1 file "rec.d/c1-0001.bin"\n' +
      'expect c1 file "rec.d/c1-0001.bin"\n',
  );
  const lines: string[] = [];
  const core = new ReplCore({ out: (t) => lines.push(t), err: (t) => lines.push(`ERR ${t}`) });
  try {
    assertEquals(await core.feed(`:load ${script}`), "ok", lines.join("\n"));
    // paths typed afterwards are the REPL's again
    assertEquals(core.session.baseDir, Deno.cwd());
  } finally {
    await core.close();
  }
  assertStringIncludes(lines.join("\n"), `loaded 4 statements from ${script}`);
});
