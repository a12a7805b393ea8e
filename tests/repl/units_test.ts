/**
 * The REPL's pure parts: multi-line joining, display, completion, the :conns table,
 * help, port symbolisation, history file.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { complete } from "../../lib/repl/completer.ts";
import { connsTable, formatAge } from "../../lib/repl/conns_table.ts";
import { announce, formatIncoming } from "../../lib/repl/display.ts";
import { helpText } from "../../lib/repl/help.ts";
import { HISTORY_LIMIT, HistoryFile } from "../../lib/repl/history.ts";
import { findHeredoc, LineJoiner } from "../../lib/repl/line_joiner.ts";
import { matcher, splitForExpect, symbolize } from "../../lib/repl/save_script.ts";
import type { Resource } from "../../lib/run/session.ts";
import { parseStatement } from "../../lib/script/parser.ts";
import { STATEMENTS } from "../../lib/script/grammar/mod.ts";
import { tempDir } from "../helpers/mod.ts";

const enc = new TextEncoder();

Deno.test("LineJoiner: heredocs (LF and CRLF) become one literal that parses to the same bytes", () => {
  const j = new LineJoiner();
  assertEquals(j.feed('send c <<EOF to "x"'), { more: "heredoc" });
  assertEquals(j.feed('line with "quotes", ${not_a_var} and \\ backslash'), { more: "heredoc" });
  assertEquals(j.feed("  EOF  "), {
    line: 'send c "line with \\"quotes\\", \\${not_a_var} and \\\\ backslash\\n" to "x"',
  });
  assert(!j.pending);
  j.feed("send c <<crlf END");
  j.feed("a");
  const step = j.feed("END");
  assert("line" in step);
  const node = parseStatement(step.line) as unknown as {
    payload: { parts: { bytes: Uint8Array }[] }[];
  };
  assertEquals(new TextDecoder().decode(node.payload[0]!.parts[0]!.bytes), "a\r\n");
});

Deno.test("LineJoiner: continuation, quotes and comments, reset", () => {
  const j = new LineJoiner();
  assertEquals(
    j.feed('send c "a \\'),
    { line: 'send c "a \\' },
    "a backslash inside an open quote is no continuation",
  );
  assertEquals(j.feed("print 1 # note \\"), { line: "print 1 # note \\" }, "nor inside a comment");
  assertEquals(j.feed('send c "a" \\'), { more: "continuation" });
  assertEquals(j.waitingFor, "continuation");
  j.reset();
  assertEquals(j.pending, false);
  assertEquals(findHeredoc('print "<<EOF" # <<EOF'), undefined);
  assertEquals(findHeredoc("send c <<crlf\tBODY"), { start: 7, end: 18, tag: "BODY", crlf: true });
});

Deno.test("formatIncoming: one line per received line, escaped; hex dump for binary or :hex on", () => {
  assertEquals(
    formatIncoming("c", enc.encode("a\tb\r\nc\x1b[0m"), "auto"),
    "c < a\\tb\\r\\n\nc < c\\x1b[0m",
  );
  assertMatch(
    formatIncoming("c", new Uint8Array([1, 2, 3]), "auto"),
    /^c < 3 bytes\n {2}00000000 {2}01 02 03/,
  );
  assertMatch(
    formatIncoming("c", enc.encode("text"), "on"),
    /^c < 4 bytes\n {2}00000000 {2}74 65 78 74/,
  );
  assertEquals(formatIncoming("c", new Uint8Array([1]), "off"), "c < \\x01");
  assertEquals(
    formatIncoming("u", enc.encode("hi"), "auto", "127.0.0.1:53"),
    "u < [127.0.0.1:53] hi",
  );
});

Deno.test("announce: accepted, peer close, reset, TLS handshake failure", () => {
  assertStringIncludes(
    announce({ type: "accepted", listener: "srv", remote: "tcp://127.0.0.1:5" })!,
    "srv: connection from tcp://127.0.0.1:5",
  );
  assertEquals(
    announce({ type: "closed", channel: "c", reason: "eof" }),
    "c: peer closed the connection",
  );
  assertEquals(
    announce({ type: "closed", channel: "c", reason: "reset", message: "x" }),
    "c: connection reset by peer",
  );
  assertEquals(
    announce({
      type: "closed",
      channel: "t",
      reason: "error",
      message: "invalid peer certificate: UnknownIssuer",
    }, () => ({ kind: "tls", bytesIn: 10 })),
    "t: TLS handshake failed: invalid peer certificate: UnknownIssuer",
  );
  assertEquals(
    announce(
      { type: "closed", channel: "c", reason: "error", message: "broken pipe" },
      () => ({ kind: "tcp", bytesIn: 0 }),
    ),
    "c: connection error: broken pipe",
  );
  assertEquals(announce({ type: "closed", channel: "c", reason: "local" }), undefined);
});

Deno.test("complete: keywords, aliases, meta commands, option words, names, files", async () => {
  await using dir = await tempDir();
  await dir.write("sess.wire", "");
  await dir.write("sub/x.wire", "");
  const ctx = {
    names: () => ["redis", "srv"],
    listDir: (d: string) =>
      [...Deno.readDirSync(d === "." ? dir.path : d)].map((e) =>
        e.isDirectory ? e.name + "/" : e.name
      ),
  };
  assertEquals(complete("ex", ctx), [["expect"], "ex"]);
  assertEquals(complete("ech", ctx), [["echo"], "ech"]);
  assertEquals(complete(":q", ctx), [[":quit"], ":q"]);
  assertEquals(complete("connect tcp://h:1 as r ", ctx)[0].includes("insecure"), true);
  assertEquals(complete("expect redis li", ctx), [["line"], "li"]);
  assertEquals(complete("close s", ctx), [["srv"], "s"]);
  assertEquals(complete(":hex a", ctx), [["auto"], "a"]);
  assertEquals(complete(":help con", ctx), [["connect", "continue"], "con"]);
  assertEquals(complete(":save s", ctx), [["sess.wire", "sub/"], "s"]);
  assertEquals(complete(`:load ${dir.path}/sub/`, ctx), [
    [`${dir.path}/sub/x.wire`],
    `${dir.path}/sub/`,
  ]);
  assertEquals(complete(`send redis file "${dir.path}/se`, ctx), [
    [`${dir.path}/sess.wire`],
    `${dir.path}/se`,
  ]);
  assertEquals(complete("frobnicate x", ctx), [[], "x"]);
});

Deno.test("connsTable and formatAge", () => {
  const r: Resource = {
    name: "c",
    kind: "tcp",
    openedAt: 0,
    local: () => "tcp://127.0.0.1:1",
    remote: () => "tcp://127.0.0.1:2",
    bytesIn: () => 2048,
    bytesOut: () => 3,
    vars: () => ({}),
    close: () => Promise.resolve(),
  };
  assertEquals(connsTable([r], 65_000).split("\n"), [
    "NAME  KIND  STATE  LOCAL              REMOTE                   IN  OUT  UNREAD    AGE",
    "c     tcp   open   tcp://127.0.0.1:1  tcp://127.0.0.1:2  2.00 KiB  3 B       -  1m05s",
  ]);
  assertEquals(formatAge(7_300_000), "2h01m");
  const u: Resource = {
    ...r,
    name: "m",
    kind: "udp",
    vars: () => ({ options: { broadcast: true, ttl: 3, groups: ["239.1.2.3", "239.1.2.4"] } }),
  };
  assertEquals(connsTable([r, u], 65_000).split("\n").map((l) => l.slice(85)), [
    "  OPTIONS",
    "",
    "  broadcast=true ttl=3 groups=239.1.2.3,239.1.2.4",
  ]);
});

Deno.test("helpText: every registered statement, the meta commands, one topic", () => {
  const all = helpText();
  for (const s of STATEMENTS) assertStringIncludes(all, s.example);
  for (const m of [":help", ":conns", ":save", ":load", ":record", ":hex", ":quit"]) {
    assertStringIncludes(all, m);
  }
  assertStringIncludes(helpText("expect"), "expect NAME MATCHER");
  // :help sockets: every example line is one statement that parses
  const examples = helpText("sockets").split("\n").slice(1).filter((l) => !l.startsWith("  ("));
  assertEquals(examples.length, 11);
  for (const line of examples) parseStatement(line.slice(19));
  assertStringIncludes(helpText("echo"), "aliases: echo");
  assertStringIncludes(helpText(":q"), ":quit");
  assertStringIncludes(helpText("nope"), 'no statement "nope"');
});

Deno.test("symbolize: ports asked for as 0 written as ${NAME.port} after they were opened", () => {
  const ports = [{ name: "srv", port: 41234 }];
  assertEquals(
    symbolize("connect tcp://127.0.0.1:41234 as c", ports, "statement"),
    "connect tcp://127.0.0.1:${srv.port} as c",
  );
  assertEquals(
    symbolize("connect tcp://127.0.0.1:412345 as c", ports, "statement"),
    "connect tcp://127.0.0.1:412345 as c",
  );
  assertEquals(
    symbolize('expect c "Host: h:41234\\r\\n"', ports, "expect"),
    'expect c "Host: h:${srv.port}\\r\\n"',
  );
  assertEquals(
    symbolize("expect c /^at h:41234 \\d{10}/", ports, "expect"),
    "expect c /^at h:\\d{1,5} \\d{10}/",
  );
});

Deno.test("matcher and splitForExpect: literals, regexes for dynamic values, hex for binary", () => {
  assertEquals(matcher(enc.encode("+OK\r\n"), false), '"+OK\\r\\n"');
  assertEquals(matcher(enc.encode("t=1795000000\n"), false), "/^t=\\d{10}\\n/");
  assertEquals(matcher(enc.encode("t=1795000000\n"), true), '"t=1795000000\\n"');
  // a variable-width timestamp at the very end of the data stays literal
  assertEquals(
    matcher(enc.encode("at 2026-01-02T03:04:05.123"), false),
    '"at 2026-01-02T03:04:05.123"',
  );
  assertEquals(splitForExpect(enc.encode("a\nb\r\nc")).map((b) => new TextDecoder().decode(b)), [
    "a\n",
    "b\r\n",
    "c",
  ]);
  assertEquals(splitForExpect(new Uint8Array(600)).map((b) => b.byteLength), [256, 256, 88]);
});

Deno.test("HistoryFile: bounded, no repeats, survives a reopen", async () => {
  await using dir = await tempDir();
  const path = dir.join("deep", "history");
  const h = await HistoryFile.open(path, 3);
  for (const l of ["a", "b", "b", "c", "d", "  "]) h.add(l);
  await h.flush();
  // appended as typed; the file is trimmed once it has grown past twice the limit
  assertEquals(await Deno.readTextFile(path), "a\nb\nc\nd\n");
  const again = await HistoryFile.open(path, 3);
  assertEquals(again.newestFirst(), ["d", "c", "b"]);
  assert(HISTORY_LIMIT >= 1000);
});

Deno.test("announce: a tls channel failing before any byte arrived is a handshake failure", () => {
  assertEquals(
    announce(
      { type: "closed", channel: "t", reason: "error", message: "received corrupt message" },
      () => ({ kind: "tls", bytesIn: 0 }),
    ),
    "t: TLS handshake failed: received corrupt message",
  );
});
