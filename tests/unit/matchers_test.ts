import { assert, assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { concatBytes, fromUtf8, utf8 } from "../../lib/bytes/text.ts";
import {
  bytesMatcher,
  eofMatcher,
  exactMatcher,
  lineMatcher,
  type RegexMatch,
  regexMatcher,
} from "../../lib/transport/matchers.ts";
import { type Matcher, MatchError, StreamBuffer } from "../../lib/transport/stream_buffer.ts";
import { chunkings } from "../helpers/chunks.ts";

type Outcome<T> = { ok: T; rest: Uint8Array } | { error: MatchError; rest: Uint8Array };

/**
 * Starts waiting with `matcher`, then pushes `chunks` one by one (ending the stream
 * after them when `end`), and returns what the wait gave and the bytes left unread.
 */
async function feed<T>(
  matcher: Matcher<T>,
  chunks: Uint8Array[],
  options: { end?: boolean; limit?: number; timeoutMs?: number } = {},
): Promise<Outcome<T>> {
  const buffer = new StreamBuffer(options.limit);
  const wait = buffer.until(matcher, { timeoutMs: options.timeoutMs ?? 2000 });
  for (const c of chunks) {
    buffer.push(c);
    await Promise.resolve();
  }
  if (options.end) buffer.end();
  try {
    const ok = await wait;
    return { ok, rest: buffer.unread.slice() };
  } catch (e) {
    assertInstanceOf(e, MatchError);
    return { error: e, rest: buffer.unread.slice() };
  }
}

/** Runs `matcher()` over every chunking of `message` and checks each gives `check`. */
async function everyChunking<T>(
  message: Uint8Array,
  matcher: () => Matcher<T>,
  check: (o: Outcome<T>, where: string) => void,
  options: { end?: boolean } = {},
) {
  const all = chunkings(message);
  for (const chunks of all) {
    const o = await feed(matcher(), chunks, options);
    check(o, `chunks ${chunks.map((c) => c.byteLength).join("+")}`);
  }
  return all.length;
}

const text = (o: Outcome<Uint8Array>) => ("ok" in o ? fromUtf8(o.ok) : `error: ${o.error.message}`);

Deno.test("exact: same result for every split point and 1-byte chunks", async () => {
  const msg = utf8("+OK ready\r\nMORE");
  const n = await everyChunking(msg, () => exactMatcher(utf8("+OK ready\r\n")), (o, where) => {
    assertEquals(text(o), "+OK ready\r\n", where);
    assertEquals(fromUtf8(o.rest), "MORE", where);
  });
  assert(n > 100);
});

Deno.test("exact with shareExpected: the same result and rest for every chunking, the pattern itself returned", async () => {
  const msg = utf8("+OK ready\r\nMORE");
  const want = utf8("+OK ready\r\n");
  const n = await everyChunking(msg, () => exactMatcher(want, { shareExpected: true }), (o, w) => {
    assert("ok" in o, w);
    assert(o.ok === want, w); // no copy
    assertEquals(fromUtf8(o.rest), "MORE", w);
  });
  assert(n > 100);
  // without the option the caller gets its own copy
  const own = await feed(exactMatcher(want), [msg], {});
  assert("ok" in own && own.ok !== want && fromUtf8(own.ok) === "+OK ready\r\n");
});

Deno.test("exact: a differing byte fails at once, whatever the chunking", async () => {
  await everyChunking(utf8("+OK reaDy\r\n"), () => exactMatcher(utf8("+OK ready\r\n")), (o, w) => {
    assert("error" in o, w);
    assertEquals(o.error.reason, "mismatch", w);
    assertEquals(o.error.message, "bytes differ at offset 7", w);
  });
});

Deno.test("exact: the peer closing before the whole text arrived", async () => {
  const o = await feed(exactMatcher(utf8("hello")), [utf8("hel")], { end: true });
  assert("error" in o);
  assertEquals(o.error.reason, "closed");
  assertEquals(fromUtf8(o.error.received), "hel");
});

Deno.test("regex: captures and a pattern straddling chunks", async () => {
  const msg = utf8("noise noise\r\nVALUE=12345 name=bob;tail");
  const re = /VALUE=(\d+) name=(?<name>\w+);/;
  await everyChunking(msg, () => regexMatcher(re), (o, w) => {
    assert("ok" in o, w);
    const m: RegexMatch = o.ok;
    assertEquals(fromUtf8(m.whole), "VALUE=12345 name=bob;", w);
    assertEquals(m.groups.map((g) => g && fromUtf8(g)), ["12345", "bob"], w);
    assertEquals(fromUtf8(m.named.name!), "bob", w);
    assertEquals(m.skipped, 13, w);
    assertEquals(fromUtf8(o.rest), "tail", w);
  });
});

Deno.test("regex: binary, non-UTF-8 data", async () => {
  // a length-prefixed frame: 0xff 0x00 marker, then one length byte, then payload
  const msg = new Uint8Array([0x01, 0xfe, 0xff, 0x00, 0x03, 0x80, 0x81, 0xc3, 0x28, 0xaa]);
  // deno-lint-ignore no-control-regex -- binary data is the point
  const re = /\xff\x00([\x00-\xff])([\x80-\xff]{2})\xc3\x28/;
  await everyChunking(msg, () => regexMatcher(re), (o, w) => {
    assert("ok" in o, w);
    assertEquals(o.ok.whole, msg.subarray(2, 9), w);
    assertEquals(o.ok.groups, [new Uint8Array([3]), new Uint8Array([0x80, 0x81])], w);
    assertEquals(o.rest, new Uint8Array([0xaa]), w);
  });
});

Deno.test("regex: a UTF-8 pattern matches UTF-8 bytes split inside a character", async () => {
  const msg = utf8("température: 21°C☺!");
  await everyChunking(msg, () => regexMatcher(/: (\d+)°C☺/), (o, w) => {
    assert("ok" in o, w);
    assertEquals(fromUtf8(o.ok.groups[0]!), "21", w);
    assertEquals(fromUtf8(o.rest), "!", w);
  });
});

Deno.test("regex: flags are kept (i, s, m), g and y are ignored", async () => {
  for (
    const [re, input, whole] of [
      [/hello/i, "xx HeLLo", "HeLLo"],
      [/a.b/s, "a\nb", "a\nb"],
      [/^two$/m, "one\ntwo\n", "two"],
      [/b/g, "ab", "b"],
      [/b/y, "ab", "b"],
    ] as const
  ) {
    const o = await feed(regexMatcher(re), [utf8(input)]);
    assert("ok" in o, String(re));
    assertEquals(fromUtf8(o.ok.whole), whole, String(re));
  }
});

Deno.test("regex: large stream in 4 KiB chunks with the match at the end (amortised path)", async () => {
  const body = new Uint8Array(1024 * 1024).fill(0x61);
  const msg = concatBytes([body, utf8("END 42\r\n")]);
  for (const size of [4096, 4093, 65536]) {
    const chunks = [];
    for (let i = 0; i < msg.byteLength; i += size) chunks.push(msg.subarray(i, i + size));
    const o = await feed(regexMatcher(/END (\d+)\r\n/), chunks);
    assert("ok" in o, `chunk size ${size}`);
    assertEquals(fromUtf8(o.ok.groups[0]!), "42");
    assertEquals(o.ok.skipped, body.byteLength);
    assertEquals(o.rest.byteLength, 0);
  }
});

Deno.test("regex: no match before the peer closes is reported as closed", async () => {
  const o = await feed(regexMatcher(/PONG/), [utf8("PING\r\n")], { end: true });
  assert("error" in o);
  assertEquals(o.error.reason, "closed");
  assertEquals(o.error.message, "the peer closed the connection first");
});

Deno.test("line: \\n and \\r\\n, split anywhere, including between \\r and \\n", async () => {
  for (
    const [msg, lines] of [
      ["first line\r\nsecond\nthird\r\n", ["first line", "second", "third"]],
      ["\r\n\n", ["", ""]],
      ["a\rb\n", ["a\rb"]],
    ] as const
  ) {
    const bytes = utf8(msg);
    await everyChunking(bytes, () => lineMatcher(), (o, w) => {
      assertEquals(text(o), lines[0], w);
    });
    // read every line in turn from one buffer fed in 1-byte chunks
    const buffer = new StreamBuffer();
    const got: string[] = [];
    const reader = (async () => {
      for (const _ of lines) {
        got.push(fromUtf8(await buffer.until(lineMatcher(), { timeoutMs: 2000 })));
      }
    })();
    for (let i = 0; i < bytes.byteLength; i++) {
      buffer.push(bytes.subarray(i, i + 1));
      await Promise.resolve();
    }
    await reader;
    assertEquals(got, [...lines]);
  }
});

Deno.test("line: a line longer than the limit, and the peer closing mid-line", async () => {
  const long = await feed(lineMatcher(8), [utf8("0123456789")]);
  assert("error" in long);
  assertEquals(long.error.message, "line longer than 8 bytes");
  const mid = await feed(lineMatcher(), [utf8("half a li")], { end: true });
  assert("error" in mid);
  assertEquals(mid.error.message, "the peer closed the connection in the middle of a line");
});

Deno.test("bytes N: exactly N bytes, whatever the chunking", async () => {
  const msg = new Uint8Array([0, 1, 2, 0xff, 0xfe, 5, 6, 7, 8]);
  await everyChunking(msg, () => bytesMatcher(5), (o, w) => {
    assert("ok" in o, w);
    assertEquals(o.ok, msg.subarray(0, 5), w);
    assertEquals(o.rest, msg.subarray(5), w);
  });
  const short = await feed(bytesMatcher(10), [msg], { end: true });
  assert("error" in short);
  assertEquals(short.error.reason, "closed");
});

Deno.test("eof: after all data was read; unread data or an error fails it", async () => {
  const ok = await feed(eofMatcher(), [], { end: true });
  assert("ok" in ok);
  const left = await feed(eofMatcher(), [utf8("abc")], { end: true });
  assert("error" in left);
  assertEquals(left.error.message, "3 unread bytes before the end of the stream");
  const buffer = new StreamBuffer();
  const wait = buffer.until(eofMatcher(), { timeoutMs: 1000 });
  buffer.end(new Error("connection reset"));
  const e = await assertRejects(() => wait, MatchError);
  assertEquals(e.message, "connection ended with an error: connection reset");
});

Deno.test("timeout: reports how long it waited and what had arrived", async () => {
  const o = await feed(exactMatcher(utf8("hello")), [utf8("hel")], { timeoutMs: 50 });
  assert("error" in o);
  assertEquals(o.error.reason, "timeout");
  assert(o.error.waitedMs >= 45, `waited ${o.error.waitedMs}`);
  assertEquals(fromUtf8(o.error.received), "hel");
});

Deno.test("abort: a signal cancels the wait", async () => {
  const buffer = new StreamBuffer();
  const ac = new AbortController();
  const wait = buffer.until(lineMatcher(), { timeoutMs: 5000, signal: ac.signal });
  ac.abort();
  const e = await assertRejects(() => wait, MatchError);
  assertEquals(e.reason, "aborted");
});

Deno.test("buffer limit: overflow gives a clear error", async () => {
  const o = await feed(bytesMatcher(1000), [new Uint8Array(60), new Uint8Array(60)], {
    limit: 100,
  });
  assert("error" in o);
  assertEquals(o.error.reason, "overflow");
  assertEquals(o.error.message, "receive buffer limit of 100 bytes exceeded (120 unread bytes)");
  const re = await feed(regexMatcher(/never/), [new Uint8Array(101)], { limit: 100 });
  assert("error" in re);
  assertEquals(re.error.reason, "overflow");
});

Deno.test("buffer: consumed bytes make room again; successive expects see one stream", async () => {
  const buffer = new StreamBuffer(64);
  for (let round = 0; round < 50; round++) {
    const wait = buffer.until(exactMatcher(utf8(`msg ${round};`)), { timeoutMs: 1000 });
    for (const b of utf8(`msg ${round};`)) buffer.push(new Uint8Array([b]));
    await wait;
  }
  assertEquals(buffer.length, 0);
  assertEquals(buffer.received, 50 * 6 + 40 * 1);
});

Deno.test("silence: passes when nothing arrives, fails when data arrives", async () => {
  const quiet = new StreamBuffer();
  await quiet.silence(20);
  const noisy = new StreamBuffer();
  const wait = noisy.silence(2000);
  noisy.push(utf8("x"));
  const e = await assertRejects(() => wait, MatchError);
  assertEquals(e.message, "data arrived during the silence");
  assertEquals(fromUtf8(e.received), "x");
});

Deno.test("regex: a match at the end of a large burst is found soon after the burst", async () => {
  const buffer = new StreamBuffer();
  const started = performance.now();
  const wait = buffer.until(regexMatcher(/DONE (\d+)/), { timeoutMs: 5000 });
  const filler = new Uint8Array(4096).fill(0x2e);
  for (let i = 0; i < 300; i++) buffer.push(filler); // 1.2 MiB: the deferred search path
  buffer.push(utf8("DONE 7"));
  const m = await wait; // no end(): found by the quiet-stream search, not by the close
  assertEquals(fromUtf8(m.groups[0]!), "7");
  const took = performance.now() - started;
  assert(took < 1000, `took ${took}ms`);
});

Deno.test("regex: the stream is searched from the first unread byte after earlier expects", async () => {
  const buffer = new StreamBuffer();
  buffer.push(utf8("A1 A2 A3"));
  const first = await buffer.until(regexMatcher(/A(\d)/), { timeoutMs: 100 });
  const second = await buffer.until(regexMatcher(/A(\d)/), { timeoutMs: 100 });
  assertEquals([fromUtf8(first.groups[0]!), fromUtf8(second.groups[0]!)], ["1", "2"]);
  assertEquals(second.skipped, 1);
  assertEquals(fromUtf8(buffer.unread), " A3");
  // a view of latin1 kept across a consume stays in step with the bytes
  assertEquals(buffer.latin1(), " A3");
  buffer.push(new Uint8Array([0xff]));
  assertEquals(buffer.latin1(), " A3\xff");
  buffer.discard(2);
  assertEquals(buffer.latin1(), "3\xff");
});
