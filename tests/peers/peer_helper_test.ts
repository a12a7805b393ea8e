// startPeer's own waits are bounded: a peer whose forked child keeps its output pipes open
// (as socat's UDP-RECVFROM fork children do) is still stopped, child and all, in seconds.
import { assert, assertRejects } from "@std/assert";
import { descendants, startPeer } from "../helpers/peer.ts";
import { within } from "../helpers/process.ts";
import { procStat, statFields } from "../helpers/proc.ts";

const alive = (pid: number) => {
  const stat = procStat(pid);
  return stat !== undefined && statFields(stat)[0] !== "Z"; // a zombie is gone for our purpose
};

Deno.test("stop(): a peer whose child holds its pipes is stopped, child included, within seconds", async () => {
  const peer = await startPeer({
    cmd: "sh",
    // the background sleep inherits stdout/stderr; `wait` ends when sh is killed
    args: ["-c", 'sleep 600 & echo "ready $!"; wait'],
    waitOutput: /ready \d+\n/,
  });
  const sleeper = Number(/ready (\d+)/.exec(peer.stdout())![1]);
  assert(alive(sleeper), `the shell's sleep (${sleeper}) runs`);
  assert(
    descendants(peer.child.pid).includes(sleeper),
    `${sleeper} among ${descendants(peer.child.pid)}`,
  );
  const kids = [sleeper];
  const t0 = performance.now();
  await within(peer.stop(), 8000, "peer.stop() with a child holding the pipes");
  assert(performance.now() - t0 < 6000);
  for (const k of kids) {
    await within(
      (async () => {
        while (alive(k)) await new Promise((r) => setTimeout(r, 20));
      })(),
      3000,
      `child ${k} to exit`,
    );
  }
});

Deno.test("startPeer: a peer that is never ready fails by its deadline, naming the program", async () => {
  await assertRejects(
    () => startPeer({ cmd: "sh", args: ["-c", "sleep 600"], waitOutput: "never", deadlineMs: 300 }),
    Error,
    "sh not ready within 300ms",
  );
});
