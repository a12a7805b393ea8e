/**
 * A peer that floods: the REPL stops reading at its unread window and says so (not
 * "peer closed"), `:conns` shows the state and the unread bytes, the sender is held back
 * (backpressure), and `:flush` discards and resumes (issue 14, defect 3).
 */
import { assert, assertMatch } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { startTerminal } from "./_tmux.ts";

Deno.test({
  name: "repl: a flooding peer pauses reading (backpressure), :flush resumes, nothing is dropped",
  ...needs("tmux"),
  async fn() {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await using term = await startTerminal(`deno run -A --quiet cli.ts repl --no-history`, {
      width: 160,
    });
    await term.waitFor("wireplay> ");
    const accepted = listener.accept();
    accepted.catch(() => {/* the test failed first */});
    await term.type(`connect tcp://127.0.0.1:${listener.addr.port} as r`);
    await term.keys("Enter");
    const peer = await Promise.race([
      accepted,
      term.waitFor(/r: connected/).then(() => accepted),
    ]);
    let written = 0;
    let stop = false;
    const line = new TextEncoder().encode("y".repeat(4095) + "\n");
    const flood = (async () => {
      try {
        while (!stop) written += await peer.write(line);
      } catch { /* closed at the end */ }
    })();
    try {
      await term.waitFor(/r: receive buffer full \(1(\.\d+)? MiB unread\) — reading paused/);
      // backpressure: the sender is held back, far short of the 256 MiB buffer limit
      const heldAt = written;
      assert(heldAt < 64 * 1024 * 1024, `the peer was held back (wrote ${heldAt} bytes)`);
      await term.type(":conns");
      await term.keys("Enter");
      // (an OPTIONS column follows AGE when a connection has socket options, e.g. nodelay)
      const table = await term.waitFor(/^r +tcp +paused .* 1(\.\d+)? MiB +\d+s( +\S+)?$/m);
      assertMatch(table, /NAME +KIND +STATE +LOCAL +REMOTE +IN +OUT +UNREAD +AGE( +OPTIONS)?/);
      // a failing statement on that connection says how much waits unread
      await term.type('expect r line "not this" within 1s');
      await term.keys("Enter");
      await term.waitFor(
        /r: 1(\.\d+)? MiB unread \(receive buffer full, reading paused; :flush r discards\)/,
      );
      await term.type(":flush r");
      await term.keys("Enter");
      await term.waitFor(/r: discarded 1(\.\d+)? MiB/);
      // reading resumed: the flood fills the window again (the "discarded" line may have
      // scrolled out of the captured history by then, which also means it went on)
      await term.waitFor((s) => s.lastIndexOf("reading paused") > s.lastIndexOf("r: discarded"));
      const screen = await term.screen();
      assert(!screen.includes("peer closed"), screen);
    } finally {
      stop = true;
      // end the REPL first: the peer's blocked write then fails
      await term[Symbol.asyncDispose]();
      peer.close();
      await flood;
    }
  },
});
