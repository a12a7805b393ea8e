import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { output, passes, runCli, tempDir } from "../helpers/mod.ts";
import { fails } from "../helpers/wire.ts";
import { CLI } from "../helpers/cli.ts";

Deno.test("spawn: cat is a channel — send, expect, shutdown, eof, exit 0, close", async () => {
  await passes(`
spawn "cat" as p
send p "hello\\n" "world\\n"
expect p line "hello"
expect p line /wor(ld)/ as w
assert "\${w.1}" == "ld"
shutdown p
expect p eof
expect p exit 0 within 2s
close p
`);
});

Deno.test("spawn: a program that exits 3 — expect p exit 3; a wrong code fails with stderr shown", async () => {
  await passes(
    `spawn "sh -c 'echo oops >&2; exit 3'" as p\nexpect p stderr line "oops"\nexpect p exit 3\n`,
  );
  const f = await fails(`spawn "sh -c 'echo why >&2; exit 3'" as p\nexpect p exit 0\n`);
  assertEquals(f.reason, "exit status differs");
  assertStringIncludes(f.message, "expected:  exit 0");
  assertStringIncludes(f.message, "actual:    exit 3");
  assertStringIncludes(f.message, 'stderr:    "why\\n"');
});

Deno.test("spawn: expect exit times out on a running program; close ends it (SIGTERM)", async () => {
  const f = await fails(`spawn "cat" as p\nexpect p exit within 100ms\n`);
  assertMatch(f.reason, /^timed out waiting for "p" to end/);
  assertMatch(f.message, /actual: {4}still running \(pid \d+\)/);
  // the session closed p on the way out: the pid is gone
  const pid = Number(/pid (\d+)/.exec(f.message)![1]);
  assert(!(await alive(pid)), `pid ${pid} still alive`);
});

Deno.test("spawn: close kills a program that ignores SIGTERM (SIGKILL after the grace period)", async () => {
  const r = await passes(`
spawn "sh -c 'trap \\"\\" TERM; echo ready; exec sleep 30'" as p
expect p line "ready"
print "\${p.pid}"
close p
`);
  const pid = Number(r.output[0]);
  assert(pid > 0);
  assert(r.durationMs >= 1900, `ended after ${r.durationMs}ms: SIGTERM was not ignored?`);
  assert(!(await alive(pid)), `pid ${pid} still alive`);
});

Deno.test("spawn: cwd and env reach the program; stdout and stderr are separate streams", async () => {
  await using dir = await tempDir();
  await passes(`
let greeting = "hi there"
spawn "sh -c 'pwd; echo \\"$G\\" >&2; echo \\"$H\\"'" as p cwd ${dir.path} env G=\${greeting} H=two
expect p line "${await Deno.realPath(dir.path)}"
expect p stderr line "hi there"
expect p line "two"
expect p exit 0
`);
});

Deno.test("spawn: a missing program is one clear failure", async () => {
  const f = await fails(`spawn "no-such-program-wp" as p\n`);
  assertEquals(f.reason, 'cannot start "no-such-program-wp": no such program');
});

Deno.test("spawn: without --allow-run one sentence says what to pass", async () => {
  await using dir = await tempDir();
  const file = await dir.write("s.wire", 'spawn "cat" as p\n');
  const out = await output(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      CLI,
      "run",
      file,
    ],
    env: { NO_COLOR: "1" },
  });
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 1, stderr);
  assertStringIncludes(stderr, 'starting "cat" needs permission to run programs');
  assertStringIncludes(stderr, "--allow-run=cat");
  assert(!stderr.includes("    at "), stderr); // no stack trace
});

Deno.test("spawn: --trace draws the process's exchanges", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "s.wire",
    `spawn "sh -c 'cat; echo bye >&2'" as p\nsend p "ping-42\\n"\nexpect p line "ping-42"\nshutdown p\nexpect p stderr line "bye"\nexpect p exit 0\n`,
  );
  const trace = dir.join("t.html");
  const r = await runCli(["run", file, "--trace", trace]);
  assertEquals(r.code, 0, r.stderr);
  const html = await Deno.readTextFile(trace);
  assertStringIncludes(html, "ping-42");
  assertStringIncludes(html, "p.stderr");
  assertStringIncludes(html, "bye");
});

Deno.test("spawn: the REPL shows the program's output live, tagged, and :save replays", async () => {
  await using dir = await tempDir();
  const saved = dir.join("s.wire");
  const r = await runCli(["repl"], {
    stdin:
      `spawn "sh -c 'echo hi; echo bad >&2; exec cat'" as p\nsend p "x\\n"\nexpect p line "hi"\n:save ${saved}\nclose p\n`,
  });
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, "p < hi\\n");
  assertStringIncludes(r.stdout, "p.stderr < bad\\n");
  assertStringIncludes(r.stdout, "p < x\\n");
  const text = await Deno.readTextFile(saved);
  assertStringIncludes(text, 'expect p stderr "bad\\n"');
  const again = await runCli(["run", saved]);
  assertEquals(again.code, 0, again.stderr + again.stdout);
});

async function alive(pid: number): Promise<boolean> {
  // kill -0 through a shell: Deno.kill(pid, 0) is not allowed
  const out = await output("sh", { args: ["-c", `kill -0 ${pid} 2>/dev/null`] });
  return out.code === 0;
}

Deno.test("spawn in retry: a failed attempt's process (and its stderr) is closed before the next", async () => {
  const f = await fails(`retry 2 {\n  spawn "sh -c 'exit 1'" as p\n  expect p exit 0\n}\n`);
  assertMatch(f.reason, /^exit status differs \(attempt 2 of 2; every attempt failed\)/);
  // attempt 1 exits 1; attempt 2 reuses the name p, free again
  await passes(`
let n = 1
retry 3 {
  spawn "sh -c 'exit \${n}'" as p
  let n = 0
  expect p exit 0
}
close p
`);
});
