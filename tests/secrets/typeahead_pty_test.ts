/**
 * The REPL on a real terminal (tmux): a line typed while a statement still runs is shown
 * when its turn comes — without the value of a secret typed in it.
 */
import { assert, assertStringIncludes } from "@std/assert";
import { tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal } from "../repl/_tmux.ts";

const VALUE = "hunter2-XYZ";

Deno.test({
  name: "secrets: a line typed ahead in the REPL is echoed without the secret's value",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    await using term = await startTerminal(
      `WP_TEST_TOKEN=${VALUE} deno run -A --quiet cli.ts repl --history ${dir.join("history")}`,
    );
    await term.waitFor("wireplay> ");
    for (
      const line of [
        "secret env WP_TEST_TOKEN",
        "serve echo tcp://127.0.0.1:0 as e",
        "connect tcp://127.0.0.1:${e.port} as c",
      ]
    ) {
      await term.type(line);
      await term.keys("Enter");
    }
    await term.waitFor(/c: connected/);
    // busy for 3 s: what is typed now waits, unseen, and is echoed when it runs
    await term.type('expect c line "never" within 3s');
    await term.keys("Enter");
    await term.type(`print "typed ${VALUE} ahead"`);
    await term.keys("Enter");
    const screen = await term.waitFor("typed *** ahead");
    assertStringIncludes(screen, 'wireplay> print "typed ${WP_TEST_TOKEN} ahead"');
    assert(!screen.includes(VALUE), `the screen shows the secret:\n${screen}`);
    await term.keys("C-d");
    await term.waitFor("[exited 0]");
  },
});
