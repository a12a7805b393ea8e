import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import fc from "fast-check";
import { escapeBytes, escapeForDisplay, toHex } from "../../lib/bytes/escape.ts";
import { hexdump } from "../../lib/bytes/hexdump.ts";
import { fromLatin1, isBinary, toLatin1, tryUtf8, utf8 } from "../../lib/bytes/text.ts";
import {
  formatBytes,
  formatDuration,
  parseDuration,
  parseRate,
  parseSize,
} from "../../lib/bytes/units.ts";
import { UsageError } from "../../lib/errors.ts";
import type { ValueNode } from "../../lib/script/ast.ts";
import { formatPayload, formatRegex, formatString } from "../../lib/script/format.ts";
import { LineReader } from "../../lib/script/reader.ts";

/** Parses one `.wire` value literal and returns its bytes (literals without `${}` only). */
function literalBytes(text: string): Uint8Array {
  const r = new LineReader(text, 1, "t.wire");
  const v: ValueNode = r.value("a value");
  r.end();
  if (v.type === "hex") return v.bytes;
  if (v.type === "raw") return utf8(v.text);
  if (v.type !== "string") throw new Error(`not a string literal: ${v.type}`);
  const out: number[] = [];
  for (const p of v.parts) {
    if (!("bytes" in p)) throw new Error("interpolation in a literal");
    out.push(...p.bytes);
  }
  return new Uint8Array(out);
}

const b = (...xs: number[]) => new Uint8Array(xs);

Deno.test("escapeBytes: the escapes a .wire string knows", () => {
  assertEquals(escapeBytes(utf8('a\n\r\t\0\\"$b')), 'a\\n\\r\\t\\0\\\\\\"\\$b');
  assertEquals(escapeBytes(b(0x01, 0x7f, 0x1b)), "\\x01\\x7f\\x1b");
  assertEquals(escapeBytes(utf8("héllo ☺ 𝄞")), "héllo ☺ 𝄞");
  // invalid UTF-8: lone continuation byte, truncated sequence, overlong, C1 control
  assertEquals(escapeBytes(b(0x80)), "\\x80");
  assertEquals(escapeBytes(b(0xe2, 0x98)), "\\xe2\\x98");
  assertEquals(escapeBytes(b(0xc0, 0xaf)), "\\xc0\\xaf");
  assertEquals(escapeBytes(utf8("\u0085")), "\\xc2\\x85");
  assertEquals(escapeBytes(utf8("\u2028")), "\\xe2\\x80\\xa8");
});

Deno.test("escape then parse gives the same bytes (fixed cases)", () => {
  const cases = [
    utf8("PING\r\n"),
    utf8('quote " backslash \\ dollar ${x} hash # end'),
    b(0, 1, 2, 0xff, 0xfe, 0x80, 0x7f),
    utf8("ünïcödé ☺ 𝄞"),
    b(),
  ];
  for (const c of cases) {
    assertEquals(literalBytes(`"${escapeBytes(c)}"`), c);
    assertEquals(literalBytes(formatPayload(c)), c);
    assertEquals(literalBytes(`hex "${toHex(c)}"`), c);
  }
});

Deno.test("formatPayload: text as a string, binary as hex", () => {
  assertEquals(formatPayload(utf8("+OK\r\n")), '"+OK\\r\\n"');
  assertEquals(formatPayload(b(0, 1, 255)), 'hex "00 01 ff"');
  assertEquals(formatPayload(b()), '""');
  // mostly text with one control byte stays a string
  assertEquals(formatPayload(utf8("hello world\x01")), '"hello world\\x01"');
  assertEquals(formatString("a$b"), '"a\\$b"');
  assertEquals(formatRegex("a/b"), "/a\\/b/");
});

Deno.test("property: formatPayload / escapeBytes / toHex then parse: same bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assertEquals(literalBytes(formatPayload(bytes)), bytes);
      assertEquals(literalBytes(`"${escapeBytes(bytes)}"`), bytes);
      assertEquals(literalBytes(`hex "${toHex(bytes)}"`), bytes);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (text) => {
      const bytes = utf8(text);
      assertEquals(literalBytes(formatPayload(bytes)), bytes);
      assertEquals(literalBytes(formatString(text)), bytes);
    }),
    { numRuns: 500 },
  );
});

Deno.test("hex literals: spaces and colons optional, either case", () => {
  assertEquals(literalBytes('hex "DEADbeef"'), b(0xde, 0xad, 0xbe, 0xef));
  assertEquals(literalBytes('hex "de:ad be\tef"'), b(0xde, 0xad, 0xbe, 0xef));
  assertEquals(literalBytes("hex 'de ad'"), b(0xde, 0xad));
  assertEquals(toHex(b(0, 15, 16, 255)), "00 0f 10 ff");
});

Deno.test("latin1 view: every byte value maps to the same code unit and back", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const s = toLatin1(all);
  assertEquals(s.length, 256);
  for (let i = 0; i < 256; i++) assertEquals(s.charCodeAt(i), i);
  assertEquals(fromLatin1(s), all);
  assertEquals(toLatin1(all.subarray(250, 253)), "\xfa\xfb\xfc");
});

Deno.test("isBinary / tryUtf8", () => {
  assertEquals(isBinary(utf8("text\r\n\tok")), false);
  assertEquals(isBinary(b(0)), true);
  assertEquals(isBinary(b(0xff)), true);
  assertEquals(tryUtf8(b(0xff)), undefined);
  assertEquals(tryUtf8(utf8("☺")), "☺");
});

Deno.test("escapeForDisplay cuts long data and says how much more", () => {
  assertEquals(escapeForDisplay(utf8("a$b\n")), "a$b\\n");
  assertEquals(escapeForDisplay(utf8("abcdef"), 3), "abc… (3 more bytes)");
});

Deno.test("hexdump: offsets, two 8-byte groups, ascii column", () => {
  const d = hexdump(Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i));
  const lines = d.split("\n");
  assertEquals(lines.length, 2);
  assertEquals(
    lines[0],
    "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
  );
  assertMatch(lines[1]!, /^00000010 {2}51 52 53 54 +\|QRST\|$/);
  assertEquals(lines[1]!.indexOf("|"), lines[0]!.indexOf("|"), "ascii columns line up");
  assertEquals(hexdump(new Uint8Array(40), 16).split("\n").at(-1), "… 24 more bytes");
});

Deno.test("units: durations", () => {
  assertEquals(parseDuration("250ms"), 250);
  assertEquals(parseDuration("2s"), 2000);
  assertEquals(parseDuration("1m"), 60_000);
  assertEquals(parseDuration("1.5s"), 1500);
  assertEquals(parseDuration("1h"), 3_600_000);
  assertEquals(parseDuration("500us"), 0.5);
  assertEquals(parseDuration("100", "--x", true), 100);
  const e = assertThrows(() => parseDuration("2x", "--timeout"), UsageError);
  assertEquals(e.toString(), '--timeout: "2x" is not a duration (like 250ms, 2s, 1m)');
  assertThrows(() => parseDuration("100"), UsageError);
  assertThrows(() => parseDuration("-1s"), UsageError);
});

Deno.test("units: sizes and rates", () => {
  assertEquals(parseSize("512"), 512);
  assertEquals(parseSize("64KiB"), 65536);
  assertEquals(parseSize("64k"), 64000);
  assertEquals(parseSize("10MB"), 10_000_000);
  assertEquals(parseSize("1GiB"), 1024 ** 3);
  assertEquals(parseSize("1.5KiB"), 1536);
  assertEquals(parseRate("1MB/s"), 1e6);
  assertEquals(parseRate("100KiB/s"), 102400);
  const e = assertThrows(() => parseSize("ten", "--size"), UsageError);
  assertEquals(e.toString(), '--size: "ten" is not a size (like 512, 64KiB, 10MB)');
  assertThrows(() => parseSize("5TB"), UsageError);
});

Deno.test("units: formatting for people", () => {
  assertEquals(formatDuration(0.421), "0.42ms");
  assertEquals(formatDuration(12.34), "12.3ms");
  assertEquals(formatDuration(250), "250ms");
  assertEquals(formatDuration(1500), "1.50s");
  assertEquals(formatBytes(512), "512 B");
  assertEquals(formatBytes(1536), "1.50 KiB");
  assertEquals(formatBytes(3 * 1024 * 1024), "3.00 MiB");
  assertEquals(formatBytes(100 * 1024), "100.0 KiB");
});
