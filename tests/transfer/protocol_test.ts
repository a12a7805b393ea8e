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
  assertEquals(await readAnswer(r), { kind: "accept", offset: 12345, prefixSha256: digest });
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
  const v2 = encodeOffer({ size: 1, name: "x" });
  v2[4] = 2;
  await assertRejects(() => readOffer(bytesReader(v2)), VersionError, "version 2");
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
