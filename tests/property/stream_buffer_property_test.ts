import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { BufferOverflowError, StreamBuffer } from "../../lib/transport/stream_buffer.ts";

/** Byte `i` of the test stream (a pattern that shows misplaced bytes). */
function streamBytes(from: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((from + i) * 131 + ((from + i) >> 8)) & 0xff;
  return out;
}

const op = fc.oneof(
  // a read: storage handed out, bytes consumed or discarded while the read is pending,
  // the reader filling the region before or after those, then the commit
  fc.record({
    read: fc.integer({ min: 1, max: 300_000 }),
    ask: fc.constantFrom(1, 100, 4096, 65536, 1 << 20),
    meanwhile: fc.nat({ max: 300_000 }),
    discardMeanwhile: fc.boolean(),
    fillLate: fc.boolean(),
  }),
  fc.record({ consume: fc.nat({ max: 300_000 }) }),
  fc.record({ discard: fc.nat({ max: 300_000 }) }),
  fc.record({ reserve: fc.integer({ min: 1, max: 400_000 }) }),
  fc.record({ push: fc.integer({ min: 1, max: 100_000 }) }),
);

Deno.test("property: reads into the buffer's own storage keep the stream whole and in order, whatever happens while a read is pending", () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 40 }),
      fc.constantFrom(1000, 70_000, 200_000, 1 << 28),
      (ops, limit) => {
        const buffer = new StreamBuffer(limit);
        let taken = 0; // stream offset of the first unread byte
        let appended = 0; // stream offset after the last byte appended
        const results: { at: number; bytes: Uint8Array }[] = [];
        const take = (n: number, copy: boolean) => {
          const k = Math.min(n, buffer.length);
          if (copy) results.push({ at: taken, bytes: buffer.consume(k) });
          else buffer.discard(k);
          taken += k;
        };
        for (const o of ops) {
          if (buffer.ended) break;
          if ("read" in o) {
            const region = buffer.writable(o.ask);
            assert(region.byteLength >= 1);
            assert(region.byteLength <= Math.max(1, Math.min(o.ask, limit - buffer.length)));
            const n = Math.min(o.read, region.byteLength);
            const bytes = streamBytes(appended, n);
            if (!o.fillLate) region.set(bytes);
            take(o.meanwhile, !o.discardMeanwhile);
            if (o.fillLate) region.set(bytes);
            const overflow = buffer.length + n > limit;
            buffer.commit(region, n);
            if (overflow) {
              assert(buffer.ended && buffer.error instanceof BufferOverflowError);
              break;
            }
            appended += n;
          } else if ("consume" in o) take(o.consume, true);
          else if ("discard" in o) take(o.discard, false);
          else if ("reserve" in o) buffer.reserve(o.reserve);
          else {
            const n = Math.min(o.push, limit - buffer.length);
            if (n <= 0) continue;
            buffer.push(streamBytes(appended, n));
            appended += n;
          }
          assertEquals(buffer.length, appended - taken);
          assertEquals(buffer.unread, streamBytes(taken, appended - taken));
        }
        assertEquals(buffer.received, appended);
        // what was consumed is still what it was: no later read wrote into it
        for (const r of results) assertEquals(r.bytes, streamBytes(r.at, r.bytes.byteLength));
        // the latin1 view agrees with the bytes after all of it
        assertEquals(buffer.latin1().length, buffer.length);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a reserved size is filled exactly and handed over whole, then reading goes on", () => {
  const buffer = new StreamBuffer();
  const n = 1 << 20;
  buffer.reserve(n);
  let appended = 0;
  let regions = 0;
  while (appended < n) {
    const region = buffer.writable(256 * 1024);
    const k = Math.min(region.byteLength, 100_000);
    region.set(streamBytes(appended, k));
    buffer.commit(region, k);
    appended += k;
    regions++;
  }
  assertEquals(buffer.length, n); // filled to the byte: no read past the reserved size
  const got = buffer.consume(n);
  assertEquals(got.buffer.byteLength, n); // the storage itself, not a larger one
  assertEquals(got, streamBytes(0, n));
  const region = buffer.writable(1 << 20);
  region.set(streamBytes(n, 10));
  buffer.commit(region, 10);
  assertEquals(buffer.unread, streamBytes(n, 10));
  assertEquals(got, streamBytes(0, n)); // the handed-over bytes did not change
  assert(regions <= 12, `${regions} reads`);
});
