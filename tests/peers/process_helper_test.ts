/**
 * The bounded-wait helpers: a subprocess past its deadline is killed with its
 * descendants and the wait fails naming it; a finished one gives its output.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { DeadlineError, output, textUntilEnd, within } from "../helpers/process.ts";
import { procStat, statFields } from "../helpers/proc.ts";

/** True while `pid` runs (a killed one not yet reaped is a zombie, state Z). */
const alive = (pid: number) => {
  const stat = procStat(pid);
  return stat !== undefined && statFields(stat)[0] !== "Z"; // a zombie is gone for our purpose
};

Deno.test("process helper: output gives the exit code, stdout and stderr; stdin is written", async () => {
  const r = await output("sh", { args: ["-c", "cat; echo oops >&2; exit 3"], stdin: "hello" });
  const dec = new TextDecoder();
  assertEquals([r.code, r.success, dec.decode(r.stdout), dec.decode(r.stderr)], [
    3,
    false,
    "hello",
    "oops\n",
  ]);
});

Deno.test("process helper: a run past its deadline is killed, with a child holding its pipes, and fails naming it", async () => {
  const started = performance.now();
  const e = await assertRejects(
    () =>
      output("sh", {
        args: ["-c", "trap '' TERM; echo started $$; sleep 600 & echo child $!; wait"],
        deadlineMs: 500,
      }),
    DeadlineError,
  );
  assertMatch(
    e.message,
    /^sh -c .* did not exit within 500 ms \(killed\); it printed: started \d+\nchild \d+/,
  );
  assert(performance.now() - started < 5_000, "bounded");
  const child = Number(e.message.match(/child (\d+)/)![1]);
  assertEquals(alive(child), false, "the child holding the pipes is killed too");
});

Deno.test("process helper: within names what it waited for", async () => {
  let closed = false;
  const never = new Promise(() => {});
  await assertRejects(
    () => within(never, 50, "a line from the peer", () => closed = true),
    DeadlineError,
    "a line from the peer: not within 50 ms",
  );
  assert(closed, "onLate ran");
  assertEquals(await within(Promise.resolve(7), 50, "seven"), 7);
});

Deno.test("process helper: textUntilEnd reads a socket to its end, or fails naming it and what came", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const peer = Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using served = await listener.accept();
  using conn = await peer;
  await served.write(new TextEncoder().encode("partial"));
  const e = await assertRejects(
    () => textUntilEnd(conn, "the answer", 200),
    DeadlineError,
  );
  assertEquals(e.message, 'the answer (got "partial"): not within 200 ms');
  using again = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  {
    using s2 = await listener.accept();
    await s2.write(new TextEncoder().encode("whole"));
  }
  assertEquals(await textUntilEnd(again, "the answer"), "whole");
});
