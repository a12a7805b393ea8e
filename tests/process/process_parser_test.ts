import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { splitCommandLine } from "../../lib/process/argv.ts";
import type { ExpectNode } from "../../lib/script/grammar/core.ts";
import type { ExpectExitNode, SpawnNode } from "../../lib/script/grammar/process.ts";
import { parseScript, ScriptSyntaxError } from "../../lib/script/parser.ts";

/** [line, message, marker]: the error must point at the marker's column on line 2. */
const ERRORS: [string, string | RegExp, string][] = [
  ["spawn", /^expected the command, in quotes/, "\0end"],
  ['spawn "cat"', 'expected "as" after the command', "\0end"],
  ['spawn "cat" as', /^expected process name/, "\0end"],
  ['spawn "cat" as 9p', /"9p" is not a valid process name/, "9p"],
  ['spawn "sh -c \'echo hi" as p', /^unclosed ' at character 7 of the command/, '"sh'],
  ['spawn "" as p', "the command is empty", '""'],
  ['spawn "cat" as p bogus', /^unexpected "bogus" \(options: cwd DIR, env NAME=VALUE…\)/, "bogus"],
  ['spawn "cat" as p env', "expected NAME=VALUE after env", "\0end"],
  ['spawn "cat" as p env 1=2', "expected NAME=VALUE after env", "1=2"],
  ['spawn "cat" as p cwd', /^expected a folder/, "\0end"],
  ["expect p exit 256", /"256" is not an exit code \(a whole number from 0 to 255\)/, "256"],
  [
    "expect p exit 1 bogus",
    /^unexpected "bogus" \(expect NAME exit \[CODE\] \[within D\]\)/,
    "bogus",
  ],
  ["expect p exit within", /^expected a duration after "within"/, "\0end"],
  ["expect p stderr", /^expected what to expect/, "\0end"],
  ["expect p stderr oops", /"oops" is not a matcher/, "oops"],
  ['expect p stderr "x" bogus', /^unexpected "bogus"/, "bogus"],
];

function colOf(line: string, marker: string): number {
  if (marker === "\0end") return line.trimEnd().length + 1;
  const i = line.indexOf(marker);
  if (i < 0) throw new Error(`marker ${marker} not in ${line}`);
  return i + 1;
}

Deno.test("process parser: every error path names file:line:col", async (t) => {
  for (const [line, message, marker] of ERRORS) {
    await t.step(line, () => {
      const e = assertThrows(() => parseScript(`# c\n${line}\n`, "p.wire"), ScriptSyntaxError);
      if (typeof message === "string") assertEquals(e.message, message);
      else assertMatch(e.message, message);
      assertEquals(e.where, `p.wire:2:${colOf(line, marker)}`, e.message);
    });
  }
});

Deno.test("process parser: spawn with cwd and env", () => {
  const s = parseScript('spawn "client --port ${srv.port}" as c cwd bin env A=1 B=${x}', "p.wire");
  const n = s.statements[0] as SpawnNode;
  assertEquals(n.kind, "spawn");
  assertEquals(n.name, "c");
  assertEquals(n.command.type, "string");
  assertEquals(n.cwd?.type, "word");
  assertEquals(n.env.map((e) => e.type === "word" ? e.text : ""), ["A=1", "B=${x}"]);
});

Deno.test("process parser: expect NAME exit and expect NAME stderr", () => {
  const s = parseScript(
    'expect p exit\nexpect p exit 3 within 2s\nexpect p stderr line /warn/ as w within 1s\nexpect stderr "x"\n',
    "p.wire",
  );
  const [a, b, c, d] = s.statements as [ExpectExitNode, ExpectExitNode, ExpectNode, ExpectNode];
  assertEquals([a.kind, a.name, a.code, a.withinMs], ["expect-exit", "p", undefined, undefined]);
  assertEquals([b.code, b.withinMs], [3, 2000]);
  assertEquals([c.kind, c.channel, c.matcher.type, c.as, c.withinMs], [
    "expect",
    "p.stderr",
    "line",
    "w",
    1000,
  ]);
  // a connection named "stderr" still works as before
  assertEquals([d.kind, d.channel], ["expect", "stderr"]);
});

Deno.test("process parser: command lines split like a shell's plain words, no shell", () => {
  assertEquals(splitCommandLine("cat"), ["cat"]);
  assertEquals(splitCommandLine("  sh -c 'echo a  b; exit 3'  "), [
    "sh",
    "-c",
    "echo a  b; exit 3",
  ]);
  assertEquals(splitCommandLine('printf "%s\\"x" a\\ b'), ["printf", '%s"x', "a b"]);
  assertEquals(splitCommandLine("a ''"), ["a", ""]);
  assertThrows(() => splitCommandLine('echo "x'), Error, 'unclosed " at character 6');
  assertThrows(() => splitCommandLine("   "), Error, "the command is empty");
});
