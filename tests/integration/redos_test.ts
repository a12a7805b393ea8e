/**
 * A hostile reply against a pattern that backtracks catastrophically must not hang a
 * script: the statement fails at its deadline (issue 18, item 10).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";

/** The flag every wireplay task starts Deno with (see deno.json). */
const V8 = { DENO_V8_FLAGS: "--enable-experimental-regexp-engine-on-excessive-backtracks" };

function script(pattern: string, within: string): string {
  return [
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    `send c "${"a".repeat(40)}b"`,
    `expect c /${pattern}/ within ${within}`,
    "",
  ].join("\n");
}

Deno.test("ReDoS: /(a+)+$/ against 'a'*40+'b' fails at its `within`, it does not hang", async () => {
  await using dir = await tempDir();
  const file = await dir.write("redos.wire", script("(a+)+$", "1s"));
  const started = performance.now();
  const r = await runCli(["run", file], { env: V8, deadlineMs: 20_000 });
  const took = performance.now() - started;
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout + r.stderr, /timed out/);
  assert(took < 8000, `took ${Math.round(took)}ms`);
});

Deno.test("ReDoS: a backtracking pattern with lookahead (searched in a worker) fails at its `within`", async () => {
  await using dir = await tempDir();
  const file = await dir.write("redos.wire", script("(a+)+(?=c)c", "1s"));
  const started = performance.now();
  const r = await runCli(["run", file], { env: V8, deadlineMs: 20_000 });
  const took = performance.now() - started;
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stdout + r.stderr, /still searching at the deadline|timed out/);
  assert(took < 8000, `took ${Math.round(took)}ms`);
});
