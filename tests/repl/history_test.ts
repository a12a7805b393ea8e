/**
 * Two REPLs open at once on one history file keep each other's lines (entries are
 * appended, not the file rewritten), and a file grown past twice the limit is trimmed
 * (issue 14, defect 9).
 */
import { assertEquals } from "@std/assert";
import { HistoryFile } from "../../lib/repl/history.ts";
import { tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal, type Terminal } from "./_tmux.ts";

async function run(term: Terminal, line: string, shows: string) {
  await term.type(line);
  await term.keys("Enter");
  await term.waitFor((s) => s.split("\n").includes(shows));
}

Deno.test({
  name: "repl: two REPLs sharing a history file lose none of each other's lines",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    const history = dir.join("history");
    const command = `deno run -A --quiet cli.ts repl --history ${history}`;
    await using a = await startTerminal(command);
    await using b = await startTerminal(command);
    await a.waitFor("wireplay> ");
    await b.waitFor("wireplay> ");
    await run(a, 'print "a-one"', "a-one");
    await run(b, 'print "b-one"', "b-one");
    await run(a, 'print "a-two"', "a-two");
    await run(b, 'print "b-two"', "b-two");
    await a.keys("C-d");
    await b.keys("C-d");
    await a.waitFor("[exited 0]");
    await b.waitFor("[exited 0]");
    const saved = (await Deno.readTextFile(history)).trim().split("\n");
    assertEquals(saved, [
      'print "a-one"',
      'print "b-one"',
      'print "a-two"',
      'print "b-two"',
    ]);
  },
});

Deno.test("history: a file past twice the limit is trimmed to the newest entries", async () => {
  await using dir = await tempDir();
  const path = dir.join("history");
  await Deno.writeTextFile(path, Array.from({ length: 25 }, (_, i) => `line ${i}`).join("\n"));
  const h = await HistoryFile.open(path, 10);
  assertEquals(h.entries.length, 10);
  h.add("newest");
  await h.flush();
  const lines = (await Deno.readTextFile(path)).trim().split("\n");
  assertEquals(lines.length, 11);
  assertEquals(lines[0], "line 15");
  assertEquals(lines.at(-1), "newest");
});
