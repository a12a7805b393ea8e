/**
 * The HTTP client's ByteReader gives the same head, lines and body whatever the chunking,
 * and reads a large body in linear time.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  ByteReader,
  type ByteSource,
  parseResponseHead,
  readBody,
} from "../../lib/http/client/http1.ts";
import { cutAt } from "../helpers/chunks.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
}

const enc = new TextEncoder();

Deno.test("property: ByteReader reads head, body by length and to the end alike under any chunking", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 100 }),
      fc.array(fc.nat({ max: 500 }), { maxLength: 20 }),
      async (body, tail, points) => {
        const head = enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${body.byteLength}\r\n\r\n`);
        const all = new Uint8Array([...head, ...body, ...tail]);
        const r = new ByteReader(streamOf(cutAt(all, points)));
        assertEquals(await r.readHead(4096), head);
        assertEquals(await r.readExactly(body.byteLength), body);
        assertEquals(await r.readToEnd(1 << 20), tail);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("ByteReader: a 64 MiB body in 64 KiB pieces is read in linear time", async () => {
  const size = 64 * 1024 * 1024;
  const piece = new Uint8Array(64 * 1024).fill(7);
  const pieces = Array.from({ length: size / piece.byteLength }, () => piece);
  const started = performance.now();
  const r = new ByteReader(streamOf(pieces));
  const got = await r.readExactly(size);
  const byLength = performance.now() - started;
  assertEquals(got.byteLength, size);
  const r2 = new ByteReader(streamOf(pieces));
  const started2 = performance.now();
  const all = await r2.readToEnd(size);
  const toEnd = performance.now() - started2;
  assertEquals(all.byteLength, size);
  // quadratic copying took tens of seconds here; linear takes well under one
  assert(byLength < 5000 && toEnd < 5000, `${byLength.toFixed(0)} ms, ${toEnd.toFixed(0)} ms`);
});

/** A source that hands out at most the next limit's bytes per read (limits cycle). */
function sourceOf(all: Uint8Array, limits: number[]): ByteSource {
  let at = 0;
  let i = 0;
  return {
    read(into) {
      if (at >= all.byteLength) return Promise.resolve(null);
      const n = Math.min(into.byteLength, all.byteLength - at, limits[i++ % limits.length]!);
      into.set(all.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  };
}

Deno.test("property: over a source, chunked and sized bodies are read or piped to a sink alike", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }),
      fc.boolean(),
      async (pieces, limits, chunked) => {
        const body = new Uint8Array(pieces.flatMap((p) => [...p]));
        const framed = chunked
          ? [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            ...pieces.flatMap((p) => [`${p.byteLength.toString(16)}\r\n`, p, "\r\n"]),
            "0\r\n\r\n",
          ]
          : [`HTTP/1.1 200 OK\r\nContent-Length: ${body.byteLength}\r\n\r\n`, body];
        const all = new Uint8Array(
          framed.flatMap((x) => [...(typeof x === "string" ? enc.encode(x) : x)]),
        );
        for (const toSink of [false, true]) {
          const r = new ByteReader(sourceOf(all, limits));
          const head = parseResponseHead((await r.readHead(4096))!);
          const got: number[] = [];
          const sink = {
            write(bytes: Uint8Array) {
              got.push(...bytes);
              return Promise.resolve();
            },
          };
          const read = await readBody(r, head, "GET", 1 << 20, toSink ? sink : undefined);
          assertEquals(read.size, body.byteLength);
          assertEquals(toSink ? new Uint8Array(got) : read.bytes, body);
          if (toSink) assertEquals(read.bytes.byteLength, 0);
        }
      },
    ),
    { numRuns: 300 },
  );
});
