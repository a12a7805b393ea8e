/**
 * Ctrl-Z suspends the REPL back to the shell (terminal restored) and `fg` resumes it
 * with the prompt redrawn, editing and Ctrl-C working (issue 14, defect 2).
 */
import { assert } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { startTerminal } from "./_tmux.ts";

Deno.test({
  name: "repl: Ctrl-Z stops it, fg brings it back working",
  ...needs("tmux"),
  async fn() {
    await using term = await startTerminal(`env PS1='shell$ ' bash --norc --noprofile -i`);
    await term.waitFor("shell$ ");
    await term.type("deno run -A --quiet cli.ts repl --no-history");
    await term.keys("Enter");
    await term.waitFor("wireplay> ");
    await term.type('print "before"');
    await term.keys("Enter");
    await term.waitFor((s) => s.split("\n").includes("before"));
    await term.keys("C-z");
    await term.waitFor(/Stopped/);
    // the shell got a sane terminal back: what is typed echoes normally
    await term.type("echo shell-is-$((40+2))");
    await term.keys("Enter");
    await term.waitFor((s) => s.split("\n").includes("shell-is-42"));
    await term.type("fg");
    await term.keys("Enter");
    await term.waitFor((s) => s.trimEnd().endsWith("wireplay>"));
    await term.type('print "after"');
    await term.keys("Enter");
    await term.waitFor((s) => s.split("\n").includes("after"));
    // Ctrl-C is a key again (raw mode re-entered), twice leaves
    await term.keys("C-c");
    await term.waitFor("Ctrl-C again");
    await term.keys("C-c");
    const screen = await term.waitFor((s) => s.trimEnd().endsWith("shell$"));
    assert(screen.includes("after"));
  },
});
