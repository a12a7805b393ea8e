import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { safeFileName } from "../../lib/transfer/file_name.ts";
import {
  encodeAccept,
  encodeDone,
  encodeOffer,
  encodeRefuse,
  encodeStart,
  encodeVerdict,
  type ExactReader,
  ProtocolError,
  readAnswer,
  readDone,
  readOffer,
  readStart,
  readVerdict,
  VersionError,
} from "../../lib/transfer/protocol.ts";
import { toHex } from "../../lib/bytes/escape.ts";

/** An ExactReader over fixed bytes. */
function bytesReader(...parts: Uint8Array[]): ExactReader {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  let pos = 0;
  return {
    readExact(n: number) {
      if (pos + n > all.length) return Promise.reject(new Error("end of stream"));
      pos += n;
      return Promise.resolve(all.slice(pos - n, pos));
    },
  };
}

const hex = (b: Uint8Array) => toHex(b).replace(/\s/g, "");
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("protocol: messages encode as the documented bytes", () => {
  assertEquals(
    hex(encodeOffer({ size: 2, name: "a.txt" })),
    "575046540101" + "0000000000000002" + "0005" + "612e747874",
  );
  assertEquals(
    hex(encodeAccept(0, new Uint8Array(32))),
    "575046540102" + "0".repeat(16) + "0".repeat(64),
  );
  assertEquals(hex(encodeStart(258)), "03" + "0000000000000102");
  assertEquals(hex(encodeDone(new Uint8Array(32).fill(0xab))), "04" + "ab".repeat(32));
  assertEquals(hex(encodeVerdict(0, "ok")), "0600" + "0002" + "6f6b");
  assertEquals(hex(encodeRefuse(1, "x")), "575046540105" + "01" + "0001" + "78");
});

Deno.test("protocol: every message decodes to what was encoded", async () => {
  const digest = crypto.getRandomValues(new Uint8Array(32));
  const r = bytesReader(
    encodeOffer({ size: 2 ** 40 + 5, name: "naïve.bin" }),
    encodeAccept(12345, digest),
    encodeStart(12345),
    encodeDone(digest),
    encodeVerdict(1, "mismatch"),
  );
  assertEquals(await readOffer(r), { size: 2 ** 40 + 5, name: "naïve.bin" });
  assertEquals(await readAnswer(r), {
    kind: "accept",
    offset: 12345,
    hash: "sha256",
    prefixDigest: digest,
  });
  assertEquals(await readStart(r), 12345);
  assertEquals(await readDone(r), digest);
  assertEquals(await readVerdict(r), { status: 1, message: "mismatch" });
  assertEquals(await readAnswer(bytesReader(encodeRefuse(5, "busy now"))), {
    kind: "refuse",
    code: 5,
    message: "busy now",
  });
});

Deno.test("protocol: a peer that speaks something else is a protocol error", async () => {
  const enc = new TextEncoder();
  await assertRejects(
    () => readOffer(bytesReader(enc.encode("GET / HTTP/1.1\r\n"))),
    ProtocolError,
    "bad magic",
  );
  const v3 = encodeOffer({ size: 1, name: "x" });
  v3[4] = 3;
  await assertRejects(() => readOffer(bytesReader(v3)), VersionError, "version 3");
  const wrongType = encodeAccept(0, new Uint8Array(32));
  await assertRejects(
    () => readOffer(bytesReader(wrongType)),
    ProtocolError,
    "unexpected message type 2",
  );
  const huge = encodeStart(0);
  new DataView(huge.buffer).setBigUint64(1, 2n ** 60n);
  await assertRejects(() => readStart(bytesReader(huge)), ProtocolError, "too large");
  const longText = new Uint8Array([6, 0, 0xff, 0xff]);
  await assertRejects(() => readVerdict(bytesReader(longText)), ProtocolError, "over the limit");
  const badUtf8 = encodeOffer({ size: 1, name: "ab" });
  badUtf8.set([0xff, 0xfe], badUtf8.length - 2);
  await assertRejects(() => readOffer(bytesReader(badUtf8)), ProtocolError, "UTF-8");
  assertThrows(() => encodeOffer({ size: 1, name: "" }), RangeError);
  assertThrows(() => encodeOffer({ size: -1, name: "x" }), RangeError);
});

Deno.test("file names: base name only; empty, dot-dot, control characters and overlong refused", () => {
  assertEquals(safeFileName("report.pdf"), "report.pdf");
  assertEquals(safeFileName("../../etc/passwd"), "passwd");
  assertEquals(safeFileName("/abs/path/x"), "x");
  assertEquals(safeFileName("C:\\Users\\me\\x.txt"), "x.txt");
  assertEquals(safeFileName(".hidden"), ".hidden");
  for (const bad of ["", "..", ".", "dir/", "a/..", "tab\there", "nul\0", "x".repeat(250)]) {
    assertThrows(() => safeFileName(bad), RangeError, undefined, JSON.stringify(bad));
  }
  assertEquals(safeFileName("é".repeat(124)), "é".repeat(124)); // 248 bytes
});

Deno.test("protocol v2: the offer lists hashes, the accept names the pick, DONE has its length", async () => {
  assertEquals(
    hex(encodeOffer({ size: 2, name: "a", hashes: ["xxh128", "sha256"] })),
    "575046540201" + "0000000000000002" + "0001" + "61" + "02" + "06" + hex(enc("xxh128")) +
      "06" + hex(enc("sha256")),
  );
  const prefix = new Uint8Array(16).fill(7);
  assertEquals(
    hex(encodeAccept(5, prefix, "xxh128")),
    "575046540202" + "0000000000000005" + "06" + hex(enc("xxh128")) + "10" + "07".repeat(16),
  );
  const r = bytesReader(
    encodeOffer({ size: 9, name: "b.bin", hashes: ["xxh128", "sha256"] }),
    encodeAccept(5, prefix, "xxh128"),
    encodeDone(prefix),
  );
  assertEquals(await readOffer(r), { size: 9, name: "b.bin", hashes: ["xxh128", "sha256"] });
  assertEquals(await readAnswer(r, 2), {
    kind: "accept",
    offset: 5,
    hash: "xxh128",
    prefixDigest: prefix,
  });
  assertEquals(await readDone(r, 16), prefix);
  // an older receiver refuses a version-2 offer in version 1: the sender reads that refusal
  assertEquals(await readAnswer(bytesReader(encodeRefuse(4, "v1 only")), 2), {
    kind: "refuse",
    code: 4,
    message: "v1 only",
  });
  // but a version-1 ACCEPT does not answer a version-2 OFFER
  await assertRejects(
    () => readAnswer(bytesReader(encodeAccept(0, new Uint8Array(32))), 2),
    ProtocolError,
    "version 1",
  );
});

Deno.test("protocol v2: hostile hash lists are protocol errors", async () => {
  const base = (list: Uint8Array) => {
    const head = encodeOffer({ size: 1, name: "x", hashes: ["sha256"] });
    const cut = head.subarray(0, head.length - 8); // drop the list: count, length, "sha256"
    const out = new Uint8Array(cut.length + list.length);
    out.set(cut);
    out.set(list, cut.length);
    return out;
  };
  await assertRejects(
    () => readOffer(bytesReader(base(new Uint8Array([0])))),
    ProtocolError,
    "1 to 8",
  );
  await assertRejects(
    () => readOffer(bytesReader(base(new Uint8Array([9])))),
    ProtocolError,
    "not 9",
  );
  for (const name of ["SHA256", "sha 256", "../x", "\u001b[2J", "", "x".repeat(33), "é"]) {
    const bytes = enc(name);
    await assertRejects(
      () => readOffer(bytesReader(base(new Uint8Array([1, bytes.length, ...bytes])))),
      ProtocolError,
      "bad hash name",
      JSON.stringify(name),
    );
  }
  // a list cut short is the end of the stream, not a hang
  await assertRejects(() => readOffer(bytesReader(base(new Uint8Array([2, 6, ...enc("sha256")])))));
  assertThrows(() => encodeOffer({ size: 1, name: "x", hashes: [] }), RangeError);
  assertThrows(() => encodeOffer({ size: 1, name: "x", hashes: ["Bad Name"] }), RangeError);
  assertThrows(() => encodeAccept(0, new Uint8Array(16), "no/slash"), RangeError);
});
