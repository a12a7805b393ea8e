import { assert, assertEquals, assertInstanceOf, assertMatch, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import { parseDuration } from "../../lib/bytes/units.ts";
import type {
  ConnectNode,
  ExpectNode,
  SendNode,
  ServeNode,
} from "../../lib/script/grammar/core.ts";
import {
  parseScript,
  parseStatement,
  ScriptSyntaxError,
  suggest,
} from "../../lib/script/parser.ts";

/**
 * Every error path of the parser: [line, message (exact text or regex), marker]. The
 * error must point at column `line.indexOf(marker) + 1`.
 */
const ERRORS: [string, string | RegExp, string][] = [
  // statements
  ["conect tcp://x:1 as c", 'unknown statement "conect" (did you mean "connect"?)', "conect"],
  ["exepct c eof", 'unknown statement "exepct" (did you mean "expect"?)', "exepct"],
  ["frobnicate", 'unknown statement "frobnicate"', "frobnicate"],
  // durations past what a timer can wait (issue 18.13: they used to fire at once)
  ["sleep 2147484s", /"2147484s" is longer than the longest wait, 2147483647ms/, "2147484s"],
  ['expect c "x" within 600h', /"600h" is longer than the longest wait/, "600h"],
  ["timeout 597h", /longer than the longest wait/, "597h"],
  ["assert 1 < 9999999h", /longer than the longest wait/, "9999999h"],
  // strings and escapes
  ['send c "abc', 'unterminated string (missing closing ")', '"abc'],
  ["send c 'abc", "unterminated string (missing closing ')", "'abc"],
  ['send c "\\', "unterminated string", "\\"],
  ['send c "\\q"', 'unknown escape "\\q"', "\\q"],
  ['send c "\\x4"', '"\\x" needs two hex digits', "\\x"],
  ['send c "\\xzz"', '"\\x" needs two hex digits', "\\x"],
  ['send c "\\u{110000}"', '"\\u" needs a code point like \\u{263A}', "\\u"],
  ['send c "ok \\u{zz}"', '"\\u" needs a code point like \\u{263A}', "\\u"],
  ['send c "\\u263A"', '"\\u" needs a code point like \\u{263A}', "\\u"],
  ['send c "${x"', "unterminated ${", "${"],
  ['send c "${a b}"', '"${a b}" is not a variable reference (like ${name} or ${c.port})', "${"],
  ["print ${x", "unterminated ${", "${"],
  ["print a${.b}", '"${.b}" is not a variable reference (like ${name} or ${c.port})', "${"],
  // hex
  ['send c hex "zz"', "hex literal holds a non-hex character", '"zz"'],
  ['send c hex "abc"', "hex literal has an odd number of digits (3)", '"abc"'],
  ['send c hex "a${x}"', "hex literals cannot interpolate", '"a'],
  // regexes
  ["expect c /abc", "unterminated regex (missing closing /)", "/abc"],
  ["expect c /a[/]", "unterminated regex (missing closing /)", "/a["],
  ["expect c /a/q", 'unknown regex flag in "q" (allowed: d g i m s u v y)', "/a/"],
  ["expect c /(/", /^invalid regex: .*Unterminated group/, "/(/"],
  ["expect c //", "empty regex", "//"],
  // "as", names
  ["connect tcp://x:1", 'expected "as" after the address', "\0end"],
  ["connect tcp://x:1 c", 'expected "as" after the address, found "c"', " c"],
  ["listen tcp://x:0 named l", 'expected "as" after the address, found "named"', "named"],
  ["bind udp://x:0", 'expected "as" after the address', "\0end"],
  ["accept l", 'expected "as" after the listener name', "\0end"],
  ["serve echo tcp://x:0 s", 'expected "as" after the address, found "s"', " s"],
  ["let 1x = 2", '"1x" is not a valid variable name (letters, digits, _ and -)', "1x"],
  ["let x 2", 'expected "=" after the variable name, found "2"', "2"],
  [
    "connect tcp://x:1 as c.d",
    '"c.d" is not a valid connection name (letters, digits, _ and -)',
    "c.d",
  ],
  ["close", "expected name", "\0end"],
  ["shutdown", "expected connection name", "\0end"],
  ["expect", "expected connection name", "\0end"],
  ['expect c line "a" as', "expected variable name", "\0end"],
  // durations and sizes
  ["timeout 5x", '"5x" is not a duration (like 250ms, 2s, 1m)', "5x"],
  ["sleep 10", '"10" is not a duration (like 250ms, 2s, 1m)', "10"],
  ["accept l as p within 5", '"5" is not a duration (like 250ms, 2s, 1m)', "5"],
  ["expect c eof within soon", '"soon" is not a duration (like 250ms, 2s, 1m)', "soon"],
  ["expect c silence", 'expected a duration after "silence"', "\0end"],
  ["expect c bytes many", '"many" is not a size (like 512, 64KiB, 10MB)', "many"],
  ["connect tcp://x:1 as c buffer lots", '"lots" is not a size (like 512, 64KiB, 10MB)', "lots"],
  // trailing junk and unknown options
  ["let x = 1 junk", 'unexpected "junk"', "junk"],
  [
    "bind udp://x:0 as u extra",
    'unexpected "extra" (options: broadcast, join GROUP [iface ADDR], ttl N, loopback on|off, reuseaddr, reuseport)',
    "extra",
  ],
  ["bind udp://x:0 as u loopback maybe", 'loopback takes on or off, not "maybe"', "maybe"],
  ["bind udp://x:0 as u ttl 300", '"300" is not a TTL (a whole number from 0 to 255)', "300"],
  [
    "connect tcp://x:1 as c keepalive soon",
    '"soon" is not a duration (like 250ms, 2s, 1m)',
    "soon",
  ],
  ["close a b", 'unexpected "b"', "b"],
  ["sleep 1s 2s", 'unexpected "2s"', "2s"],
  ["timeout 1s x", 'unexpected "x"', "x"],
  ["accept l as p now", 'unexpected "now"', "now"],
  [
    "connect tcp://x:1 as c wat",
    'unexpected "wat" (options: ca FILE, insecure, servername HOST, cert FILE, key FILE, timeout D, buffer SIZE, nodelay [on|off], keepalive D|on|off, bind-source ADDR[:PORT], ttl N, sndbuf SIZE, rcvbuf SIZE)',
    "wat",
  ],
  [
    "listen tcp://x:0 as l wat",
    'unexpected "wat" (options: cert FILE, key FILE, require-client-cert ca FILE, buffer SIZE, exec COMMAND, reuseaddr, reuseport, v6only)',
    "wat",
  ],
  ['expect c "x" wat', 'unexpected "wat" (options: as VAR, within D, settle D, now)', "wat"],
  ["connect tls://x:1 as c ca a.pem insecure", "use either ca FILE or insecure, not both", "a.pem"],
  ["listen tls://x:0 as l cert a.pem", "cert and key go together", "\0end"],
  ["expect c silence 1s within 2s", 'silence takes its own duration; drop "within"', "\0end"],
  ['send c "a" to', "expected a destination HOST:PORT", "\0end"],
  // matchers
  ["expect c 42", 'expected a string, hex, file or /regex/ matcher; quote text: "42"', "42"],
  ["expect c 2s", 'expected a string, hex, file or /regex/ matcher; quote text: "2s"', "2s"],
  [
    "expect c hello",
    '"hello" is not a matcher: quote text ("…"), or use /regex/, line, bytes N, eof, silence D',
    "hello",
  ],
  // assert
  ["assert 1 = 2", '"=" is not an operator (==, !=, ~, !~, <, >, <=, >=)', "="],
  ["assert 1", "expected an operator (==, !=, ~, !~, <, >, <=, >=)", "\0end"],
  ["assert 1 ==", "expected a value", "\0end"],
  // serve
  [
    "serve ftp tcp://x:0 as s",
    /^unknown server kind "ftp" \(known: echo, discard, chargen\b/,
    "ftp",
  ],
  ["serve", "expected a server kind", "\0end"],
  [
    "serve echo tcp://x:0 as s root /tmp",
    'serve echo has no option "root" (options: cert, key, handshake-timeout, workers)',
    "root",
  ],
  ["serve echo tcp://x:0 as s cert", "expected a value for cert", "\0end"],
  // JSON
  ['let x = {"a":', "unterminated JSON value", "{"],
  ['let x = {"a": x}', /^invalid JSON: /, "{"],
];

function colOf(line: string, marker: string): number {
  if (marker === "\0end") return line.trimEnd().length + 1;
  const i = line.indexOf(marker);
  if (i < 0) throw new Error(`marker ${marker} not in ${line}`);
  return i + 1 + (marker.startsWith(" ") ? 1 : 0);
}

Deno.test("parser: every error path names file:line:col and the problem", async (t) => {
  for (const [line, message, marker] of ERRORS) {
    await t.step(line, () => {
      // put the line third in a script to check line numbers too
      const text = `# a comment\nlet ok = "fine"\n${line}\nsleep 1s\n`;
      const e = assertThrows(() => parseScript(text, "dir/x.wire"), ScriptSyntaxError);
      assertInstanceOf(e, UsageError);
      if (typeof message === "string") assertEquals(e.message, message);
      else assertMatch(e.message, message);
      assertEquals(e.where, `dir/x.wire:3:${colOf(line, marker)}`, e.message);
      assertEquals(e.span.line, 3);
      assertEquals(e.file, "dir/x.wire");
      assertEquals(e.lineText, line);
    });
  }
});

Deno.test("parser: the rendered error shows the line and a caret under the span", () => {
  const e = assertThrows(
    () => parseScript("\n\nconnect tcp://x:1 as c bogus\n", "s.wire"),
    ScriptSyntaxError,
  );
  assertEquals(
    e.render(),
    [
      's.wire:3:24: unexpected "bogus" (options: ca FILE, insecure, servername HOST, cert FILE, key FILE, timeout D, buffer SIZE, nodelay [on|off], keepalive D|on|off, bind-source ADDR[:PORT], ttl N, sndbuf SIZE, rcvbuf SIZE)',
      "  |",
      "3 | connect tcp://x:1 as c bogus",
      "  |                        ^^^^^",
    ].join("\n"),
  );
  assertEquals(e.toString(), e.render());
});

Deno.test("parser: CRLF line endings, a BOM, comments and blank lines", () => {
  const s = parseScript(
    '\uFEFF# header\r\n\r\nconnect tcp://127.0.0.1:1 as c   # trailing comment\r\n  send c "a#b" # c\r\n',
    "x.wire",
  );
  assertEquals(s.statements.map((n) => n.kind), ["connect", "send"]);
  assertEquals(s.statements[0]!.span.line, 3);
  assertEquals(s.statements[0]!.source, "connect tcp://127.0.0.1:1 as c");
  const send = s.statements[1] as SendNode;
  assertEquals(send.span.col, 3);
  assertEquals(send.payload[0]!.type, "string");
  // errors on a later CRLF line still count lines right
  const e = assertThrows(() => parseScript("sleep 1s\r\nsleep 1s\r\nslep 1s\r\n", "c.wire"));
  assertEquals((e as ScriptSyntaxError).where, "c.wire:3:1");
});

Deno.test("parser: the AST of every core statement", () => {
  const s = parseScript(
    [
      "let key = 'user:42'",
      "set n = 5",
      "timeout 2s",
      "connect tls://localhost:${srv.port} as c ca ${srv.cert} servername localhost timeout 1s buffer 1MiB",
      "connect tls://h:1 as d insecure",
      "listen tcp://127.0.0.1:0 as srv",
      "accept srv as peer within 500ms",
      "bind udp://127.0.0.1:0 as u",
      'send u "ping" hex "00" to 127.0.0.1:${v.port}',
      "expect c /(?<code>\\d+) (\\w+)/i as m within 3s",
      'expect c line "+OK"',
      "expect c line as l",
      "expect c bytes 16 as b",
      "expect c eof",
      "expect c silence 200ms",
      "close c",
      "shutdown d",
      "sleep 10ms",
      'print "port ${srv.port}" 42',
      'assert "${m.code}" == "200"',
      'assert "${m.1}" ~ /^o/',
      "serve echo udp://127.0.0.1:0 as e",
      "echo hi",
    ].join("\n"),
    "all.wire",
  );
  assertEquals(s.statements.map((n) => n.kind), [
    "let",
    "let",
    "timeout",
    "connect",
    "connect",
    "listen",
    "accept",
    "bind",
    "send",
    "expect",
    "expect",
    "expect",
    "expect",
    "expect",
    "expect",
    "close",
    "shutdown",
    "sleep",
    "print",
    "assert",
    "assert",
    "serve",
    "print",
  ]);
  const c = s.statements[3] as ConnectNode;
  assertEquals([c.name, c.insecure, c.timeoutMs, c.bufferLimit], ["c", false, 1000, 1024 * 1024]);
  assertEquals(c.address.type, "word");
  assertEquals((s.statements[4] as ConnectNode).insecure, true);
  const send = s.statements[8] as SendNode;
  assertEquals(send.payload.map((p) => p.type), ["string", "hex"]);
  assertEquals(send.to?.type, "word");
  const ex = s.statements[9] as ExpectNode;
  assertEquals(ex.matcher.type, "value");
  assert(ex.matcher.type === "value" && ex.matcher.value.type === "regex");
  assertEquals([ex.matcher.value.source, ex.matcher.value.flags], ["(?<code>\\d+) (\\w+)", "i"]);
  assertEquals([ex.as, ex.withinMs], ["m", 3000]);
  assertEquals((s.statements[11] as ExpectNode).matcher, { type: "line" });
  assertEquals((s.statements[12] as ExpectNode).matcher, { type: "bytes", count: 16 });
  assertEquals((s.statements[14] as ExpectNode).matcher, { type: "silence", ms: 200 });
  const serve = s.statements[21] as ServeNode;
  assertEquals([serve.server, serve.name], ["echo", "e"]);
});

Deno.test("parser: parseStatement skips blank and comment lines", () => {
  assertEquals(parseStatement(""), undefined);
  assertEquals(parseStatement("   # only a comment"), undefined);
  assertEquals(parseStatement("sleep 1s")?.kind, "sleep");
  // an IPv6 HOST:PORT after `to` is a word, not a JSON array
  const send = parseStatement(`send u "x" to [::1]:53`) as SendNode;
  assertEquals(send.to?.type, "word");
  assertEquals(parseStatement("let j = [1, 2]")?.kind, "let");
});

Deno.test("parser: a too long line is an error, not a hang", () => {
  const e = assertThrows(
    () => parseScript(`send c "${"a".repeat(1024 * 1024 + 1)}"`, "big.wire"),
    ScriptSyntaxError,
  );
  assertMatch(e.message, /^line longer than \d+ characters$/);
  assertEquals(e.where, "big.wire:1:1");
});

Deno.test("suggest: within edit distance 2 only", () => {
  const kws = ["connect", "listen", "expect", "send"];
  assertEquals(suggest("conect", kws), "connect");
  assertEquals(suggest("EXPCT", kws), "expect");
  assertEquals(suggest("zzzzzz", kws), undefined);
});

Deno.test("parser: durations up to the timer limit parse to their milliseconds", () => {
  const node = parseStatement("sleep 2147483s") as unknown as { ms: number };
  assertEquals(JSON.stringify(node).includes("2147483000"), true, JSON.stringify(node));
  const e = assertThrows(() => parseDuration("2147484s", "--interval"), UsageError);
  assertMatch(e.message, /longer than the longest wait/);
});
