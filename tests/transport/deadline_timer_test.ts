import { assert, assertEquals, assertRejects } from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { utf8 } from "../../lib/bytes/text.ts";
import { connectStream } from "../../lib/transport/connect.ts";
import { onDeadline } from "../../lib/transport/deadline_timer.ts";
import { exactMatcher } from "../../lib/transport/matchers.ts";
import { MatchError } from "../../lib/transport/stream_buffer.ts";

Deno.test("deadlines fire in time order, never early, whatever order they were set in; a cancelled one never fires", async () => {
  const t0 = performance.now();
  const fired: { name: string; late: number }[] = [];
  const { promise: all, resolve } = Promise.withResolvers<void>();
  const at = (name: string, ms: number) =>
    onDeadline(t0 + ms, () => {
      fired.push({ name, late: performance.now() - (t0 + ms) });
      if (fired.length === 3) resolve();
    });
  at("c", 90);
  at("a", 30); // earlier than the armed one: the timer is armed again
  const cancel = at("x", 45);
  at("b", 60);
  cancel();
  const guard = setTimeout(() => resolve(), 5000);
  await all;
  clearTimeout(guard);
  assertEquals(fired.map((f) => f.name), ["a", "b", "c"]);
  for (const f of fired) assert(f.late >= -1, `${f.name} fired ${-f.late} ms early`);
});

const root = new URL("../../", import.meta.url).href;

async function runScript(code: string): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert(r.success, out);
  return { ms: performance.now() - t0, out: out.trim() };
}

Deno.test("a process whose waits have all ended exits at once: the shared deadline timer does not hold it", async () => {
  const { ms, out } = await runScript(`
    import { StreamBuffer } from "${root}lib/transport/stream_buffer.ts";
    import { bytesMatcher } from "${root}lib/transport/matchers.ts";
    const b = new StreamBuffer();
    const got = b.until(bytesMatcher(2), { timeoutMs: 60_000 });
    b.push(new Uint8Array([1, 2]));
    console.log((await got).length);
  `);
  assertEquals(out, "2");
  assert(ms < 15_000, `took ${ms} ms`); // the wait's deadline is a minute away
});

Deno.test("a pending wait keeps the process alive until its deadline", async () => {
  const { out } = await runScript(`
    import { StreamBuffer } from "${root}lib/transport/stream_buffer.ts";
    import { bytesMatcher } from "${root}lib/transport/matchers.ts";
    const b = new StreamBuffer();
    const first = b.until(bytesMatcher(1), { timeoutMs: 10 });
    b.push(new Uint8Array([1]));
    await first; // the shared timer is now unreferenced
    const t0 = performance.now();
    try {
      await b.until(bytesMatcher(1), { timeoutMs: 200 });
    } catch (e) {
      console.log(e.reason, performance.now() - t0 >= 199);
    }
  `);
  assertEquals(out, "timeout true");
});

Deno.test("a deadline that does not keep the process alive still fires while something else does", async () => {
  const t0 = performance.now();
  const { promise, resolve } = Promise.withResolvers<number>();
  onDeadline(t0 + 30, () => resolve(performance.now() - t0), false);
  const keeper = setTimeout(() => resolve(-1), 2000);
  const after = await promise;
  clearTimeout(keeper);
  assert(after >= 29, `fired after ${after} ms`);
});

Deno.test("a wait on a channel times out at its deadline (the channel's read keeps the process alive)", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  await using c = await connectStream("c", parseAddress(`tcp://127.0.0.1:${listener.addr.port}`));
  using _peer = await accepted;
  const t0 = performance.now();
  const e = await assertRejects(
    () => c.buffer.until(exactMatcher(utf8("never")), { timeoutMs: 200 }),
    MatchError,
  );
  assertEquals(e.reason, "timeout");
  assert(performance.now() - t0 >= 199);
});
