/**
 * Determinism of regex matching on a stream: whatever the chunking, a regex expect gives
 * the match, captures and unread bytes that the whole input gives (followed by the end
 * of the stream, or a quiet period).
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { fromLatin1, toLatin1 } from "../../lib/bytes/text.ts";
import { regexMatcher, toByteRegExp } from "../../lib/transport/matchers.ts";
import { prepareRegexWorker, stopRegexWorker } from "../../lib/transport/regex_exec.ts";
import { analysePattern } from "../../lib/transport/regex_probe.ts";
import { StreamBuffer } from "../../lib/transport/stream_buffer.ts";
import { cutAt } from "../helpers/chunks.ts";

const ALPHABET = ["a", "b", "c", "x", "1", "2", "9", ":", "=", " ", "-", "\r", "\n", ";"];

/** A realistic family of patterns, built from pieces. */
const atom: fc.Arbitrary<string> = fc.constantFrom(
  "a",
  "b",
  "x",
  ":",
  "=",
  " ",
  "\\d",
  "\\w",
  "\\s",
  "[^\\r\\n]",
  "[^;]",
  ".",
  "[a-c]",
  "[\\w-]",
  "\\r\\n",
  "\\W",
);
const quantifier = fc.constantFrom("", "", "", "+", "*", "?", "{1,3}", "{2}", "+?", "*?", "??");
const { pattern } = fc.letrec((tie) => {
  const seq = () => tie("seq") as fc.Arbitrary<string>;
  return {
    piece: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { arbitrary: fc.tuple(atom, quantifier).map(([a, q]) => a + q), weight: 8 },
      { arbitrary: fc.tuple(seq(), quantifier).map(([s, q]) => `(${s})${q}`), weight: 2 },
      { arbitrary: fc.tuple(seq(), quantifier).map(([s, q]) => `(?:${s})${q}`), weight: 1 },
      { arbitrary: fc.tuple(seq(), seq()).map(([a, b]) => `(?:${a}|${b})`), weight: 2 },
      { arbitrary: fc.tuple(seq(), seq()).map(([a, b]) => `(?<g>${a}|${b})`), weight: 1 },
      { arbitrary: seq().map((s) => `(?=${s})`), weight: 1 },
      { arbitrary: seq().map((s) => `(?!${s})`), weight: 1 },
      { arbitrary: fc.constantFrom("\\b", "$", "^", "\\B"), weight: 1 },
    ),
    seq: fc.array(tie("piece") as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 }).map((
      a,
    ) => a.join("")),
    pattern: seq(),
  };
});

const flags = fc.constantFrom("", "", "m", "i", "s");
const input = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }).map((a) => a.join(""));
const cuts = fc.array(fc.nat({ max: 60 }), { maxLength: 12 });

/** The outcome of one run: what was taken, or null. */
interface Outcome {
  index: number;
  whole: string;
  groups: (string | undefined)[];
  named: Record<string, string | undefined>;
  unread: string;
}

/** Feeds the chunks to a matcher (no quiet period between them), then ends as told. */
function runChunked(
  re: RegExp,
  bytes: Uint8Array,
  points: number[],
  ending: "end" | "quiet",
): Outcome | null {
  const buffer = new StreamBuffer();
  // settleMs 0: a "quiet" look decides at once; between chunks only "data" looks happen,
  // which models pauses shorter than the settle time
  const matcher = regexMatcher(re, { settleMs: 0 });
  const done = (step: ReturnType<typeof matcher.check>): Outcome | undefined => {
    if (step && "done" in step) {
      const d = step.done;
      return {
        index: d.skipped,
        whole: toLatin1(d.whole),
        groups: d.groups.map((g) => (g === undefined ? undefined : toLatin1(g))),
        named: Object.fromEntries(
          Object.entries(d.named).map(([k, v]) => [k, v === undefined ? undefined : toLatin1(v)]),
        ),
        unread: toLatin1(buffer.unread),
      };
    }
    return undefined;
  };
  const chunks = cutAt(bytes, points);
  let taken = done(matcher.check(buffer, "data", Infinity));
  for (const chunk of chunks) {
    buffer.push(chunk);
    taken ??= done(matcher.check(buffer, "data", Infinity));
  }
  if (ending === "end") buffer.end();
  taken ??= done(matcher.check(buffer, ending, Infinity));
  // what is left unread once every byte arrived
  return taken ? { ...taken, unread: toLatin1(buffer.unread) } : null;
}

function reference(re: RegExp, text: string): Outcome | null {
  const m = toByteRegExp(re).exec(text);
  if (!m) return null;
  return {
    index: m.index,
    whole: m[0],
    groups: m.slice(1),
    named: { ...(m.groups ?? {}) },
    unread: text.slice(m.index + m[0].length),
  };
}

function compile(source: string, f: string): RegExp | undefined {
  try {
    return new RegExp(source, f);
  } catch {
    return undefined;
  }
}

Deno.test("property: a regex expect's match, captures and unread bytes do not depend on chunking", async () => {
  await prepareRegexWorker(); // patterns with lookahead search there
  using _ = { [Symbol.dispose]: stopRegexWorker };
  let probed = 0;
  let total = 0;
  fc.assert(
    fc.property(pattern, flags, input, cuts, fc.boolean(), (source, f, text, points, quiet) => {
      const re = compile(source, f);
      if (!re) return;
      total++;
      if (analysePattern(toByteRegExp(re)).probe) probed++;
      const bytes = fromLatin1(text);
      const want = reference(re, text);
      const got = runChunked(re, bytes, points, quiet ? "quiet" : "end");
      assertEquals(got, want, `/${source}/${f} on ${JSON.stringify(text)} cut at ${points}`);
    }),
    { numRuns: 5000 },
  );
  // the family must mostly exercise the probe, not the settle-only fallback
  assertEquals(probed / total > 0.5, true, `${probed} of ${total} patterns probed`);
});

Deno.test("property: natural protocol patterns are taken without waiting when a byte follows", async () => {
  await prepareRegexWorker();
  using _ = { [Symbol.dispose]: stopRegexWorker };
  fc.assert(
    fc.property(
      fc.constantFrom(
        { re: /value: (\d+)/, text: "value: 12345\r\n" },
        { re: /next (\d+)/, text: "ok next 77 done\r\n" },
        { re: /id=([\w-]+)/, text: "id=ab-12-cd;\r\n" },
        { re: /^\+(?<status>\w+)\r\n/, text: "+PONG\r\n" },
        { re: /\bOK\b/, text: "xOK OK\r\n" },
      ),
      cuts,
      ({ re, text }, points) => {
        const want = reference(re, text);
        const bytes = fromLatin1(text);
        // all but the last byte arrive first: the match must not be taken before its end
        const buffer = new StreamBuffer();
        const matcher = regexMatcher(re, { settleMs: 10_000 });
        let got: Outcome | null = null;
        for (const chunk of cutAt(bytes, points)) {
          buffer.push(chunk);
          const step = matcher.check(buffer, "data", Infinity);
          if (step && "done" in step) {
            got = {
              index: step.done.skipped,
              // checked below, once every byte arrived
              whole: toLatin1(step.done.whole),
              groups: step.done.groups.map((g) => (g === undefined ? undefined : toLatin1(g))),
              named: Object.fromEntries(
                Object.entries(step.done.named).map((
                  [k, v],
                ) => [k, v === undefined ? undefined : toLatin1(v)]),
              ),
              unread: "",
            };
          }
        }
        if (got) got.unread = toLatin1(buffer.unread);
        // taken on data alone (no quiet period, no end): no added latency
        assertEquals(got, want);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("`now` keeps expect's first-match behaviour (and so depends on chunking)", () => {
  const buffer = new StreamBuffer();
  const matcher = regexMatcher(/value: (\d+)/, { now: true });
  buffer.push(fromLatin1("value: 12"));
  const step = matcher.check(buffer, "data", Infinity);
  assertEquals(step && "done" in step ? toLatin1(step.done.groups[0]!) : null, "12");
});
