import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { parseChatLine, validNick } from "../../lib/servers/chat/commands.ts";
import { LineSplitter, type SplitItem } from "../../lib/servers/chat/line_splitter.ts";
import { Outbox } from "../../lib/servers/chat/outbox.ts";
import { TokenBucket } from "../../lib/servers/chat/token_bucket.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const show = (items: SplitItem[]) =>
  items.map((i) => (i.kind === "line" ? dec.decode(i.bytes) : "<too long>"));

Deno.test("line splitter: lines across chunks, CRLF, and the length limit", () => {
  const s = new LineSplitter(5);
  assertEquals(show([...s.push(enc.encode("ab"))]), []);
  assertEquals(show([...s.push(enc.encode("c\r\nde\nfghijkl"))]), ["abc", "de", "<too long>"]);
  assertEquals(s.pending, 0, "nothing of the long line is kept");
  assertEquals(show([...s.push(enc.encode("mno\nok\n"))]), ["ok"]);
  assertEquals(show([...s.push(enc.encode("12345\r\n123456\n"))]), ["12345", "<too long>"]);
});

Deno.test("line splitter: any chunking gives the same lines (property)", () => {
  fc.assert(fc.property(
    fc.array(fc.stringMatching(/^[a-z]{0,8}$/), { maxLength: 20 }),
    fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
    (lines, cuts) => {
      const bytes = enc.encode(lines.map((l) => l + "\n").join(""));
      const s = new LineSplitter(8);
      const out: SplitItem[] = [];
      let at = 0, k = 0;
      while (at < bytes.length) {
        const n = cuts[k++ % cuts.length]!;
        out.push(...s.push(bytes.subarray(at, at + n)));
        at += n;
      }
      assertEquals(show(out), lines);
    },
  ));
});

Deno.test("token bucket: burst, then the rate", () => {
  let now = 0;
  const b = new TokenBucket(10, 3, () => now);
  assert(b.tryTake() && b.tryTake() && b.tryTake());
  assert(!b.tryTake());
  assertEquals(b.waitMs(), 100);
  now = 50;
  assert(!b.tryTake());
  now = 100;
  assert(b.tryTake());
  now = 10_000;
  assert(b.tryTake() && b.tryTake() && b.tryTake());
  assert(!b.tryTake(), "never more than the burst");
  assertThrows(() => new TokenBucket(0, 1), RangeError);
});

Deno.test("commands: parsing", () => {
  assertEquals(parseChatLine("hello"), { kind: "say", text: "hello" });
  assertEquals(parseChatLine("   "), { kind: "empty" });
  assertEquals(parseChatLine("//x"), { kind: "say", text: "/x" });
  assertEquals(parseChatLine("/NICK bob"), { kind: "nick", nick: "bob" });
  assertEquals(parseChatLine("/join side"), { kind: "join", room: "#side" });
  assertEquals(parseChatLine("/msg bob a b"), { kind: "msg", nick: "bob", text: "a b" });
  assertEquals(parseChatLine("/me x"), { kind: "me", text: "x" });
  assertEquals(parseChatLine("/quit"), { kind: "quit", reason: "" });
  assertEquals(parseChatLine("/who"), { kind: "who" });
  assertEquals(parseChatLine("/msg bob").kind, "error");
  assertEquals(parseChatLine("/nick a b").kind, "error");
  assertEquals(parseChatLine("/nick " + "x".repeat(33)).kind, "error");
  assertEquals(parseChatLine("/zzz").kind, "error");
  assert(validNick("Zoë_[1]"));
  assert(!validNick("a\u{1b}b"));
});

Deno.test("outbox: refuses past its limit, writes in order, batches while the writer is busy", async () => {
  const written: string[] = [];
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const out = {
    async write(d: Uint8Array) {
      await gate;
      written.push(dec.decode(d));
      return d.length;
    },
  };
  const box = new Outbox(out, 10);
  assert(box.push(enc.encode("aaaa")));
  await Promise.resolve(); // the writer takes "aaaa" and waits at the gate
  assert(box.push(enc.encode("bbbb")));
  assert(box.push(enc.encode("ccccc")));
  assert(!box.push(enc.encode("dd")), "9 bytes waiting + 2 would pass the limit of 10");
  release();
  gate = Promise.resolve();
  box.end();
  await box.finished;
  assertEquals(written, ["aaaa", "bbbbccccc"]);
  assert(!box.push(enc.encode("x")), "closed");
});
