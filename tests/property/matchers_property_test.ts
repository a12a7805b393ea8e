import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { concatBytes, fromLatin1, toLatin1, utf8 } from "../../lib/bytes/text.ts";
import { lineMatcher, regexMatcher } from "../../lib/transport/matchers.ts";
import { StreamBuffer } from "../../lib/transport/stream_buffer.ts";
import { cutAt } from "../helpers/chunks.ts";

const stream = fc.tuple(
  fc.uint8Array({ maxLength: 300 }),
  fc.nat({ max: 1_000_000 }),
  fc.uint8Array({ maxLength: 50 }),
  fc.array(fc.nat(), { maxLength: 40 }),
);

Deno.test("property: a regex on a chunked stream finds what exec finds on the whole", async () => {
  await fc.assert(
    fc.asyncProperty(stream, async ([before, n, after, points]) => {
      const bytes = concatBytes([before, utf8(`KEY=${n};`), after]);
      const re = /KEY=(\d+);/;
      const expected = re.exec(toLatin1(bytes))!;
      const buffer = new StreamBuffer();
      const wait = buffer.until(regexMatcher(re), { timeoutMs: 1000 });
      for (const c of cutAt(bytes, points)) buffer.push(c);
      buffer.end();
      const got = await wait;
      assertEquals(got.skipped, expected.index);
      assertEquals(got.whole, fromLatin1(expected[0]));
      assertEquals(got.groups[0], fromLatin1(expected[1]!));
      assertEquals(buffer.unread, bytes.subarray(expected.index + expected[0].length));
    }),
    { numRuns: 400 },
  );
});

Deno.test("property: lines read from a chunked stream are the lines of the whole", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.stringMatching(/^[^\r\n]{0,20}$/), { minLength: 1, maxLength: 10 }),
      fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      async (lines, crlf, points) => {
        const bytes = utf8(lines.map((l, i) => l + (crlf[i] ? "\r\n" : "\n")).join(""));
        const buffer = new StreamBuffer();
        const got: string[] = [];
        const reader = (async () => {
          for (const _ of lines) {
            got.push(
              new TextDecoder().decode(await buffer.until(lineMatcher(), { timeoutMs: 1000 })),
            );
          }
        })();
        for (const c of cutAt(bytes, points)) {
          buffer.push(c);
          await Promise.resolve();
        }
        buffer.end();
        await reader;
        assertEquals(got, lines);
      },
    ),
    { numRuns: 300 },
  );
});
