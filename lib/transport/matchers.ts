/**
 * The stream matchers of SPEC §3: exact bytes, regex, line, bytes N and eof. Each keeps
 * enough state that the cost of matching grows linearly with the bytes received.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { fromLatin1, toLatin1 } from "../bytes/text.ts";
import type { Matcher, MatchStep } from "./stream_buffer.ts";

/** Below this many unread bytes a regex is searched on every chunk. */
const EAGER_SEARCH_BYTES = 64 * 1024;

/**
 * Requires the next bytes of the stream to be exactly `expected`; fails as soon as
 * a received byte differs.
 */
export function exactMatcher(expected: Uint8Array): Matcher<Uint8Array> {
  let checked = 0;
  return {
    describe: () => `"${escapeForDisplay(expected, 200)}"`,
    check(buffer) {
      const unread = buffer.unread;
      const upto = Math.min(unread.byteLength, expected.byteLength);
      for (let i = checked; i < upto; i++) {
        if (unread[i] !== expected[i]) {
          return { fail: `bytes differ at offset ${i}` };
        }
      }
      checked = upto;
      if (upto === expected.byteLength) return { done: buffer.consume(expected.byteLength) };
      return undefined;
    },
  };
}

/** The result of a regex match: the whole match and its groups, as bytes. */
export interface RegexMatch {
  whole: Uint8Array;
  groups: (Uint8Array | undefined)[];
  named: Record<string, Uint8Array | undefined>;
  /** Bytes skipped before the match (consumed too). */
  skipped: number;
}

/**
 * Rewrites a regex so that it runs over the latin1 view of bytes: non-ASCII characters
 * in the pattern become the `\xNN` escapes of their UTF-8 bytes. The `g` and `y` flags
 * are dropped (a search always starts at the first unread byte).
 */
export function toByteRegExp(re: RegExp): RegExp {
  let source = "";
  for (const ch of re.source) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) source += ch;
    else {
      for (const b of new TextEncoder().encode(ch)) {
        source += "\\x" + b.toString(16).padStart(2, "0");
      }
    }
  }
  return new RegExp(source, re.flags.replace(/[gy]/g, ""));
}

/**
 * Searches the unread stream for `re` and consumes through the end of the first match.
 * Searches are amortised: past 64 KiB unread, the stream is searched again only once
 * the unread bytes have doubled since the last search, or once the stream has been quiet
 * for a moment (half what the last search took, 2–50 ms), or at the latest after four
 * times what the last search took. So a large stream costs O(n) searching in total, and a
 * match at the end of a burst is found right after the burst.
 */
export function regexMatcher(re: RegExp): Matcher<RegexMatch> {
  const byteRe = toByteRegExp(re);
  const prefix = literalPrefix(byteRe);
  let searchedLength = -1;
  let lastSearchMs = 0;
  let deferredSince: number | undefined;
  // With a literal prefix: unread offset up to which the prefix was looked for, and the
  // first offset where it occurs (no match can start before it).
  let prefixScanned = 0;
  let candidate = prefix ? -1 : 0;
  return {
    describe: () => `/${re.source}/${re.flags}`,
    check(buffer, final): MatchStep<RegexMatch> {
      const length = buffer.length;
      if (length === searchedLength) return undefined;
      if (candidate < 0) {
        // Only new bytes (and the prefix's length minus one before them) can hold it.
        const from = Math.max(0, prefixScanned - prefix!.length + 1);
        const k = toLatin1(buffer.unread.subarray(from)).indexOf(prefix!);
        prefixScanned = length;
        if (k < 0) return undefined;
        candidate = from + k;
        searchedLength = -1;
      }
      if (!final && length - candidate > EAGER_SEARCH_BYTES && length < searchedLength * 2) {
        const now = performance.now();
        deferredSince ??= now;
        if (now - deferredSince < Math.max(50, lastSearchMs * 4)) {
          // called again on the next bytes, or with `final` once the stream is quiet
          return { defer: Math.min(50, Math.max(2, lastSearchMs / 2)) };
        }
      }
      deferredSince = undefined;
      searchedLength = length;
      const started = performance.now();
      const text = candidate === 0 ? buffer.latin1() : toLatin1(buffer.unread.subarray(candidate));
      const m = byteRe.exec(text);
      lastSearchMs = performance.now() - started;
      if (!m) return undefined;
      const index = candidate + m.index;
      buffer.discard(index + m[0].length);
      const groups = m.slice(1).map((g) => (g === undefined ? undefined : fromLatin1(g)));
      const named: Record<string, Uint8Array | undefined> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) {
        named[k] = v === undefined ? undefined : fromLatin1(v);
      }
      return { done: { whole: fromLatin1(m[0]), groups, named, skipped: index } };
    },
  };
}

/**
 * The literal text every match of `re` starts with (at least 2 characters), when it is
 * plain to see: no flags that change what a character matches (`i`, `m` with `^`), no
 * alternation, and a run of ordinary characters at the start not followed by a
 * quantifier. Otherwise `undefined` (then every search starts at the first unread byte).
 */
export function literalPrefix(re: RegExp): string | undefined {
  if (re.flags.includes("i") || re.source.includes("|")) return undefined;
  let out = "";
  const src = re.source;
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    let lit: string | undefined;
    let width = 1;
    if (ch === "\\") {
      const next = src[i + 1];
      if (next === undefined) break;
      if ("^$.|?*+()[]{}/\\-".includes(next)) lit = next;
      else if (next === "r") lit = "\r";
      else if (next === "n") lit = "\n";
      else if (next === "t") lit = "\t";
      else if (next === "x" && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 2, i + 4))) {
        lit = String.fromCharCode(parseInt(src.slice(i + 2, i + 4), 16));
        width = 4;
      } else break;
      if (width === 1) width = 2;
    } else if (!"^$.|?*+()[]{}".includes(ch)) lit = ch;
    else break;
    const after = src[i + width];
    if (after !== undefined && "?*+{".includes(after)) break; // quantified: not required as is
    out += lit;
    i += width;
  }
  return out.length >= 2 ? out : undefined;
}

/** Reads one line (through `\n`), returning it without its `\n` or `\r\n`. */
export function lineMatcher(maxLine = Infinity): Matcher<Uint8Array> {
  let scanned = 0;
  return {
    describe: () => "a line",
    check(buffer, final) {
      const unread = buffer.unread;
      const nl = unread.indexOf(0x0a, scanned);
      if (nl < 0) {
        scanned = unread.byteLength;
        if (unread.byteLength > maxLine) return { fail: `line longer than ${maxLine} bytes` };
        if (final && buffer.ended && unread.byteLength > 0) {
          return { fail: "the peer closed the connection in the middle of a line" };
        }
        return undefined;
      }
      const line = buffer.consume(nl + 1);
      const end = nl > 0 && line[nl - 1] === 0x0d ? nl - 1 : nl;
      return { done: line.subarray(0, end) };
    },
  };
}

/** Reads exactly `n` bytes. */
export function bytesMatcher(n: number): Matcher<Uint8Array> {
  return {
    describe: () => `${n} bytes`,
    check(buffer) {
      return buffer.length >= n ? { done: buffer.consume(n) } : undefined;
    },
  };
}

/** Waits for the peer to close; fails if unread bytes remain when it does. */
export function eofMatcher(): Matcher<void> {
  return {
    describe: () => "eof",
    check(buffer) {
      if (!buffer.ended) return undefined;
      if (buffer.error) return { fail: `connection ended with an error: ${buffer.error.message}` };
      if (buffer.length > 0) {
        return { fail: `${buffer.length} unread bytes before the end of the stream` };
      }
      return { done: undefined };
    },
  };
}

/** The latin1 view of bytes, for matching a regex against a value that is not a stream. */
export function searchBytes(re: RegExp, bytes: Uint8Array): RegExpExecArray | null {
  return toByteRegExp(re).exec(toLatin1(bytes));
}
