import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import type {
  FailNode,
  ForNode,
  IfNode,
  IncludeNode,
  RepeatNode,
  RepeatUntilNode,
  RetryNode,
} from "../../lib/script/grammar/blocks.ts";
import type { ExpectOneOfNode } from "../../lib/script/grammar/expect_one_of.ts";
import type { PrintNode, SendNode } from "../../lib/script/grammar/core.ts";
import { parseScript, parseStatement, ScriptSyntaxError } from "../../lib/script/parser.ts";
import { LineJoiner } from "../../lib/script/line_joiner.ts";

const dec = new TextDecoder();
function bytesOf(v: { type: string; parts?: ({ bytes: Uint8Array } | { ref: string })[] }): string {
  return (v.parts ?? []).map((p) => ("bytes" in p ? dec.decode(p.bytes) : `\${${p.ref}}`)).join("");
}

Deno.test("blocks parse: repeat, repeat until, for, if/else if/else, retry, break, continue, fail", () => {
  const script = parseScript(
    [
      "repeat 3 {", //                                  1
      '  print "a"', //                                 2
      "  repeat until exists r.json.id max 5 {", //     3
      "    break", //                                   4
      "  }", //                                         5
      "}", //                                           6
      "for x in a ${list} [1, 2] {", //                 7
      "  continue # skip", //                           8
      "}", //                                           9
      'if "${m}" == "x" {', //                         10
      "  print one", //                                11
      "} else if ${n} >= 3 {", //                      12
      "  print two", //                                13
      "} else {", //                                   14
      '  fail "no" ${n}', //                           15
      "}", //                                          16
      "retry 4 every 100ms backoff 1.5 {", //          17
      "  include 'lib/login.wire'", //                 18
      "}", //                                          19
    ].join("\n"),
    "b.wire",
  );
  const [rep, loop, cond, retry] = script.statements as [
    RepeatNode,
    ForNode,
    IfNode,
    RetryNode,
  ];
  assertEquals(script.statements.length, 4);
  assertEquals(rep.kind, "repeat");
  assertEquals(rep.count, 3);
  assertEquals(rep.source, "repeat 3 {");
  assertEquals(rep.text, script.statements[0]!.text);
  assertEquals(rep.text?.split("\n").length, 6);
  assertEquals(rep.body.map((n) => n.kind), ["print", "repeat-until"]);
  const until = rep.body[1] as RepeatUntilNode;
  assertEquals(until.until, {
    type: "exists",
    ref: "r.json.id",
    span: { line: 3, col: 16, endCol: 32 },
    text: "exists r.json.id",
  });
  assertEquals(until.max, 5);
  assertEquals(until.span.line, 3);
  assertEquals(until.body[0]!.kind, "break");
  assertEquals(until.body[0]!.span, { line: 4, col: 5, endCol: 10 });

  assertEquals(loop.name, "x");
  assertEquals(loop.values.map((v) => v.type), ["word", "word", "json"]);
  assertEquals(loop.body.map((n) => [n.kind, n.source]), [["continue", "continue"]]);

  assertEquals(cond.branches.length, 2);
  assertEquals(cond.branches[0]!.condition.type, "compare");
  assertEquals(cond.branches[1]!.condition.text, "${n} >= 3");
  assertEquals((cond.branches[1]!.body[0] as PrintNode).span.line, 13);
  const failNode = cond.otherwise![0] as FailNode;
  assertEquals(failNode.kind, "fail");
  assertEquals(failNode.message.length, 2);
  assertEquals(cond.text?.split("\n").length, 7);

  assertEquals([retry.attempts, retry.everyMs, retry.backoff], [4, 100, 1.5]);
  assertEquals((retry.body[0] as IncludeNode).path, {
    type: "raw",
    text: "lib/login.wire",
    span: { line: 18, col: 11, endCol: 27 },
  });
});

Deno.test("blocks parse: repeat until defaults its max; retry defaults to no wait", () => {
  const s = parseScript('repeat until "${a}" ~ /x/ {\n}\nretry 2 {\n}\n');
  assertEquals((s.statements[0] as RepeatUntilNode).max, 1000);
  assertEquals((s.statements[0] as RepeatUntilNode).body, []);
  const r = s.statements[1] as RetryNode;
  assertEquals([r.everyMs, r.backoff], [0, 1]);
});

Deno.test("expect NAME one of: arms with text, regex + as, eof, timeout", () => {
  const s = parseScript(
    [
      "expect c one of within 2s {",
      '  "+OK" => {',
      "    print ok",
      "  }",
      "  /^-ERR (.*)/ as e => {",
      '    fail "${e.1}"',
      "  }",
      "  eof => {",
      "  }",
      "  timeout => {",
      '    send c "\\r\\n"',
      "  }",
      "}",
    ].join("\n"),
  );
  const node = s.statements[0] as ExpectOneOfNode;
  assertEquals(node.kind, "expect-one-of");
  assertEquals(node.channel, "c");
  assertEquals(node.withinMs, 2000);
  assertEquals(node.arms.map((a) => a.match.type), ["value", "value", "eof", "timeout"]);
  assertEquals(node.arms[1]!.as, "e");
  assertEquals(node.arms[0]!.body[0]!.kind, "print");
  assertEquals(node.arms[3]!.body[0]!.span.line, 11);
  // a plain expect is unchanged
  assertEquals(parseStatement('expect c "one of"')!.kind, "expect");
});

Deno.test("heredocs and \\ continuations work in script files, inside blocks too", () => {
  const s = parseScript(
    [
      "repeat 1 {",
      "  send c <<crlf END",
      "GET / HTTP/1.1",
      "Host: x",
      "",
      "END",
      '  send c "a" \\',
      '    "b"',
      "  print after",
      "}",
      "print last",
    ].join("\n"),
    "h.wire",
  );
  const rep = s.statements[0] as RepeatNode;
  assertEquals(bytesOf((rep.body[0] as SendNode).payload[0]!), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assertEquals((rep.body[1] as SendNode).payload.length, 2);
  // line numbers stay those of the file: a joined entry is placed at its first line
  assertEquals(rep.body.map((n) => n.span.line), [2, 7, 9]);
  assertEquals(s.statements[1]!.span.line, 11);
});

Deno.test("${env.NAME} and ${env.NAME:-default} parse; the place of a bad one is named", () => {
  const p = parseStatement('print "${env.HOME}" "${env.X_Y:-a default}" ${env.Z:-}')! as PrintNode;
  assertEquals(p.values.map(bytesOf), ["${env.HOME}", "${env.X_Y:-a default}", "${env.Z:-}"]);
  const e = assertThrows(() => parseStatement('print "${env.}"', 1, "e.wire"), ScriptSyntaxError);
  assertEquals(e.where, "e.wire:1:8");
});

/**
 * Every error path of the block grammar: [script, message, line, col]. Positions are
 * those of the file, also inside blocks.
 */
const ERRORS: [string, string | RegExp, number, number][] = [
  ["print a\n}\n", '"}" closes no block', 2, 1],
  [
    "repeat 2 {\n  print a\n",
    /this block is not closed \(missing "}" for the "{" at the end of line 1\)/,
    1,
    1,
  ],
  ["if 1 == 1 {\n  repeat 2 {\n  }\n", /not closed/, 1, 1],
  ["repeat x {\n}", /"x" is not a repeat count/, 1, 8],
  ["repeat 3\n", 'expected "{" to open the block', 1, 9],
  [
    "repeat 3 { print a\n}",
    'unexpected "print" after "{" (the block starts on the next line)',
    1,
    12,
  ],
  ["repeat 3 [\n}", 'expected "{", found "["', 1, 10],
  ["repeat until {\n}", "expected a condition (VALUE OP VALUE, or exists NAME)", 1, 14],
  ["repeat until 1 == 2 max 0 {\n}", /"0" is not a round count after max/, 1, 25],
  ["if 1 == {\n}", 'expected a value after "=="', 1, 9],
  ["if 1 === 2 {\n}", '"===" is not an operator (==, !=, ~, !~, <, >, <=, >=)', 1, 6],
  ["if exists 9x {\n}", /"9x" is not a variable name/, 1, 11],
  ["if 1 == 1 {\n} elsif {\n}", 'expected "else" after "}" (or end the line), found "elsif"', 2, 3],
  ["if 1 == 1 {\n} else print\n", 'expected "{", found "print"', 2, 8],
  ["if 1 == 1 {\n} else if {\n}", "expected a condition (VALUE OP VALUE, or exists NAME)", 2, 11],
  ["repeat 1 {\n} else {\n}", 'unexpected "else" after "}"', 2, 3],
  ["break\n", '"break" stands only inside a loop (repeat, for)', 1, 1],
  ["if 1 == 1 {\n  continue\n}", '"continue" stands only inside a loop (repeat, for)', 2, 3],
  ["retry 2 {\n  break\n}", '"break" stands only inside a loop (repeat, for)', 2, 3],
  ["repeat 2 {\n  break now\n}", 'unexpected "now"', 2, 9],
  ["for x {\n}", 'expected "in" after the loop variable, found "{"', 1, 7],
  ["for x in {\n}", "expected values to loop over", 1, 10],
  ["for 1x in a {\n}", /"1x" is not a valid loop variable name/, 1, 5],
  ["retry 0 {\n}", /"0" is not an attempt count/, 1, 7],
  ["retry 3 backoff 0.5 {\n}", '"0.5" is not a backoff factor (a number from 1 to 100)', 1, 17],
  ["retry 3 every soon {\n}", '"soon" is not a duration (like 250ms, 2s, 1m)', 1, 15],
  ["retry 3 sometimes {\n}", 'unexpected "sometimes" (options: every D, backoff F)', 1, 9],
  ["fail\n", 'expected a message (fail "why")', 1, 5],
  ["include\n", "expected a script path", 1, 8],
  ['include "a" "b"\n', 'unexpected ""b""', 1, 13],
  ["expect c one of {\n  banana => {\n  }\n}", /"banana" is not an arm/, 2, 3],
  ["expect c one of {\n  /x/ {\n  }\n}", 'expected "=>" after the arm\'s pattern, found "{"', 2, 7],
  ["expect c one of {\n  eof as v => {\n  }\n}", 'eof captures nothing; drop "as"', 2, 10],
  ["expect c one of {\n  42 => {\n  }\n}", "an arm matches text: quote it", 2, 3],
  ["expect c one of\n", 'expected "{" to open the block', 1, 16],
  [
    'expect c one of {\n  "x" => {\n    sned c "y"\n  }\n}',
    'unknown statement "sned" (did you mean "send"?)',
    3,
    5,
  ],
  // stricter values: text glued to a closing quote is a mistake, not more text
  ['send c "abc"yped"', /^unexpected "yped"" right after the closing quote/, 1, 13],
  ["send c 'abc'x", /^unexpected "x" right after the closing quote/, 1, 13],
  ['let a = "x""y"', /^unexpected ""y"" right after the closing quote/, 1, 12],
  [
    "expect c one of {\n  /x/=> {\n  }\n}",
    'unexpected "=>" right after the regex that starts at column 3 (separate values with a space)',
    2,
    6,
  ],
  ['let j = {"a": 1}x', /^unexpected "x" right after the JSON value/, 1, 17],
  // heredocs and continuations in files
  ["send c <<EOF\nabc\n", "the heredoc EOF is not closed (no line holding only EOF)", 1, 1],
  ['print "a" \\', 'the last line ends in "\\" with no line after it', 1, 1],
];

Deno.test("blocks parse: every error path names file:line:col", async (t) => {
  for (const [text, message, line, col] of ERRORS) {
    await t.step(text.replaceAll("\n", "⏎"), () => {
      const e = assertThrows(() => parseScript(text, "dir/b.wire"), ScriptSyntaxError);
      if (typeof message === "string") assertEquals(e.message, message);
      else assertMatch(e.message, message);
      assertEquals(e.where, `dir/b.wire:${line}:${col}`, e.message);
      assertEquals(e.lineText, text.split("\n")[line - 1]);
      assert(e.render().includes("^"));
    });
  }
});

Deno.test('send c "abc"yped" renders with a caret under the stray text', () => {
  const e = assertThrows(() => parseScript('send c "abc"yped"', "s.wire"), ScriptSyntaxError);
  assertEquals(e.render().split("\n").at(-1), "  |             ^^^^^");
  // an escaped quote is still fine
  const ok = parseStatement('send c "abc\\"yped"') as SendNode;
  assertEquals(bytesOf(ok.payload[0]!), 'abc"yped');
});

Deno.test("parseStatement takes a block as its joined lines, placed from lineNumber", () => {
  const node = parseStatement("repeat 2 {\n  print a\n}", 10, "<repl>") as RepeatNode;
  assertEquals(node.span.line, 10);
  assertEquals(node.body[0]!.span.line, 11);
  const e = assertThrows(
    () => parseStatement("repeat 2 {\n  prnt a\n}", 10, "<repl>"),
    ScriptSyntaxError,
  );
  assertEquals(e.where, "<repl>:11:3");
});

Deno.test("LineJoiner (REPL) collects a block up to its closing }, nested, with else", () => {
  const j = new LineJoiner();
  const feed = (l: string) => j.feed(l);
  assertEquals(feed("if 1 == 1 {"), { more: "block" });
  assertEquals(j.waitingFor, "block");
  assertEquals(feed("  repeat 2 { # comment {"), { more: "block" });
  assertEquals(feed("    send c <<EOF"), { more: "heredoc" });
  assertEquals(feed("}"), { more: "heredoc" }); // heredoc text is not structure
  assertEquals(feed("EOF"), { more: "block" });
  assertEquals(feed("  }"), { more: "block" });
  assertEquals(feed("} else {"), { more: "block" });
  assertEquals(feed('  print "}"'), { more: "block" });
  const done = feed("}");
  assertEquals(j.pending, false);
  assertEquals(j.lastLines, 9);
  assert("line" in done);
  const node = parseStatement(done.line, 1) as IfNode;
  assertEquals(node.branches[0]!.body.length, 1);
  assertEquals(node.otherwise!.length, 1);
  // a plain line is unchanged; reset drops an open block
  assertEquals(feed("print a"), { line: "print a" });
  feed("repeat 2 {");
  j.reset();
  assertEquals(j.pending, false);
});
