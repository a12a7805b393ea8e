/**
 * The stream matchers of SPEC §3: exact bytes, regex, line, bytes N and eof. Each keeps
 * enough state that the cost of matching grows linearly with the bytes received.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { fromLatin1, toLatin1 } from "../bytes/text.ts";
import { execBounded, prepareRegexWorker } from "./regex_exec.ts";
import { analysePattern, type PatternInfo, SENTINEL } from "./regex_probe.ts";
import type { Look, Matcher, MatchStep } from "./stream_buffer.ts";

/** Below this many unread bytes a regex is searched on every chunk. */
const EAGER_SEARCH_BYTES = 64 * 1024;

/**
 * How long a regex match that more bytes could still change waits for the stream to go
 * quiet (see `regexMatcher`). 50 ms covers the usual reasons a reply arrives in pieces:
 * separate writes, segmentation, and Linux's 40 ms delayed-ACK stall under Nagle's
 * algorithm; it is paid only by a match that reaches the end of the bytes received.
 */
export const DEFAULT_SETTLE_MS = 50;

/** Above this many unread bytes a match is not probed: it waits for the stream to settle. */
const PROBE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Requires the next bytes of the stream to be exactly `expected`; fails as soon as
 * a received byte differs. Resolves with a copy of the bytes taken, or, with
 * `{ shareExpected: true }` (the interpreter's `expect`, which never changes either),
 * with `expected` itself: the bytes taken are equal to it, and a copy per round trip is
 * measurable in a request-reply loop.
 */
export function exactMatcher(
  expected: Uint8Array,
  options: { shareExpected?: boolean } = {},
): Matcher<Uint8Array> {
  const share = options.shareExpected === true;
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
      if (upto === expected.byteLength) {
        if (!share) return { done: buffer.consume(expected.byteLength) };
        buffer.discard(expected.byteLength);
        return { done: expected };
      }
      return undefined;
    },
  };
}

/**
 * The result of a regex match: the whole match and its groups, as bytes.
 *
 * @example Named groups as text
 * ```ts
 * import type { RegexMatch } from "@wireplay/wireplay";
 * function group(m: RegexMatch, name: string): string | undefined {
 *   const g = m.named[name];
 *   return g && new TextDecoder().decode(g);
 * }
 * ```
 */
export interface RegexMatch {
  /** The whole match. */
  whole: Uint8Array;
  /** The numbered groups (`groups[0]` is group 1); undefined when a group did not take part. */
  groups: (Uint8Array | undefined)[];
  /** The named groups. */
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

/** How `regexMatcher` decides when a match is taken. */
export interface RegexMatchOptions {
  /** Quiet time after which a match that more bytes could change is taken (ms). */
  settleMs?: number;
  /** Take the first match at once, as expect and pexpect do (chunking-dependent). */
  now?: boolean;
}

/** What `regexMatcher` derives from a pattern before any byte arrives. */
interface CompiledPattern {
  byteRe: RegExp;
  info: PatternInfo;
  /** The sentinels the probe appends (see `regex_probe.ts`). */
  sentinels: string;
  prefix: string | undefined;
}

const compiledCache = new Map<string, CompiledPattern>();

/** The byte regex of `re`, its analysis and literal prefix, cached by source and flags. */
function compiled(re: RegExp): CompiledPattern {
  const key = `${re.flags}/${re.source}`;
  let c = compiledCache.get(key);
  if (!c) {
    if (compiledCache.size >= 256) compiledCache.clear();
    const byteRe = toByteRegExp(re);
    const info = analysePattern(byteRe);
    const sentinels = info.probe ? SENTINEL.repeat(info.probe.sentinels) : "";
    c = { byteRe, info, sentinels, prefix: literalPrefix(byteRe) };
    compiledCache.set(key, c);
  }
  return c;
}

/**
 * Searches the unread stream for `re` and consumes through the end of the first match.
 *
 * The result does not depend on how the network cut the bytes: a match is taken at once
 * only when no byte that may still arrive could change it (an earlier match, a longer
 * one, other captures — decided by the pattern's probe, see `regex_probe.ts`). Otherwise
 * the match is held: it is searched again on more bytes, and taken once the stream has
 * been quiet for `settleMs`, ends, or the statement's deadline comes. With `now` the
 * first match is taken at once.
 *
 * Searches are amortised: past 64 KiB unread, the stream is searched again only once
 * the unread bytes have doubled since the last search, or once the stream has been quiet
 * for a moment (half what the last search took, 2–50 ms), or at the latest after four
 * times what the last search took. So a large stream costs O(n) searching in total.
 */
export function regexMatcher(re: RegExp, options: RegexMatchOptions = {}): Matcher<RegexMatch> {
  const { byteRe, info, sentinels, prefix } = compiled(re);
  const probe = info.probe;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const needsWorker = !info.linear || (!options.now && probe !== undefined && !probe.linear);
  let searchedLength = -1;
  let lastSearchMs = 0;
  let deferredSince: number | undefined;
  let held = false;
  let lastLength = -1;
  let lastGrowth = 0;
  // With a literal prefix: unread offset up to which the prefix was looked for, and the
  // first offset where it occurs (no match can start before it).
  let prefixScanned = 0;
  let candidate = prefix ? -1 : 0;

  /** True when no continuation of the stream can change `m` (found on `text`). */
  const isFinal = (m: RegExpExecArray, text: string, deadline: number): boolean => {
    if (!probe || text.length > PROBE_MAX_BYTES) return false;
    const r = execBounded(probe.probe, probe.linear, text + sentinels, deadline);
    if (!r || r.index !== m.index || r[0] !== m[0]) return false;
    for (const i of probe.markers) if (r[i] !== undefined) return false;
    if (m.length - 1 !== probe.groupMap.length) return false;
    for (let g = 1; g < m.length; g++) if (r[probe.groupMap[g - 1]!] !== m[g]) return false;
    return true;
  };

  const take = (buffer: Parameters<Matcher<RegexMatch>["check"]>[0], m: RegExpExecArray) => {
    const index = candidate + m.index;
    const whole = buffer.unread.slice(index, index + m[0].length); // latin1: a byte a char
    buffer.discard(index + m[0].length);
    const groups = m.slice(1).map((g) => (g === undefined ? undefined : fromLatin1(g)));
    const named: Record<string, Uint8Array | undefined> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) {
      named[k] = v === undefined ? undefined : fromLatin1(v);
    }
    return { done: { whole, groups, named, skipped: index } };
  };

  return {
    describe: () => `/${re.source}/${re.flags}`,
    prepare: needsWorker ? prepareRegexWorker : undefined,
    check(buffer, look: Look, deadline): MatchStep<RegexMatch> {
      const now = performance.now();
      const length = buffer.length;
      if (length !== lastLength) {
        lastLength = length;
        lastGrowth = now;
      }
      const quietFor = now - lastGrowth;
      // a held match is taken once the stream settled, ended, or the deadline came
      const decide = look === "end" || look === "deadline" ||
        (look === "quiet" && quietFor >= settleMs - 1);
      if (length === searchedLength && !(held && decide)) {
        return held ? { defer: Math.max(1, settleMs - quietFor) } : undefined;
      }
      if (candidate < 0) {
        // Only new bytes (and the prefix's length minus one before them) can hold it.
        const from = Math.max(0, prefixScanned - prefix!.length + 1);
        const k = toLatin1(buffer.unread.subarray(from)).indexOf(prefix!);
        prefixScanned = length;
        if (k < 0) return undefined;
        candidate = from + k;
        searchedLength = -1;
      }
      const final = look !== "data";
      if (!final && length - candidate > EAGER_SEARCH_BYTES && length < searchedLength * 2) {
        deferredSince ??= now;
        if (now - deferredSince < Math.max(50, lastSearchMs * 4)) {
          // called again on the next bytes, or with `quiet` once the stream is quiet
          return { defer: Math.min(50, Math.max(2, lastSearchMs / 2)) };
        }
      }
      deferredSince = undefined;
      searchedLength = length;
      const text = candidate === 0 ? buffer.latin1() : toLatin1(buffer.unread.subarray(candidate));
      const m = execBounded(byteRe, info.linear, text, deadline);
      // (only amortised searches need to know what a search took)
      if (text.length > EAGER_SEARCH_BYTES) lastSearchMs = performance.now() - now;
      if (!m) {
        held = false;
        return undefined;
      }
      if (options.now || decide || isFinal(m, text, deadline)) {
        held = false;
        return take(buffer, m);
      }
      held = true;
      return { defer: Math.max(1, settleMs - quietFor) };
    },
  };
}

/**
 * The literal text every match of `re` starts with (at least 2 characters), when it is
 * plain to see: no flags that change what a character matches (`i`, `m` with `^`), no
 * alternation, and a run of ordinary characters at the start not followed by a
 * quantifier. Otherwise `undefined` (then every search starts at the first unread byte).
 */
function literalPrefix(re: RegExp): string | undefined {
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

/**
 * Reads one line (through `\n`), returning it without its `\n` or `\r\n`. With `test`,
 * the line is taken only when `test` accepts it (returns `undefined`); otherwise the
 * wait fails with the reason `test` gives and the line stays unread: a failed expect
 * consumes nothing.
 */
export function lineMatcher(
  maxLine = Infinity,
  test?: (line: Uint8Array, deadline: number) => string | undefined,
  prepare?: () => Promise<void>,
): Matcher<Uint8Array> {
  let scanned = 0;
  return {
    describe: () => "a line",
    prepare,
    check(buffer, _look, deadline) {
      const unread = buffer.unread;
      const nl = unread.indexOf(0x0a, scanned);
      if (nl < 0) {
        scanned = unread.byteLength;
        if (unread.byteLength > maxLine) return { fail: `line longer than ${maxLine} bytes` };
        if (buffer.ended && unread.byteLength > 0) {
          return { fail: "the peer closed the connection in the middle of a line" };
        }
        return undefined;
      }
      const end = nl > 0 && unread[nl - 1] === 0x0d ? nl - 1 : nl;
      if (test) {
        const why = test(unread.slice(0, end), deadline);
        if (why !== undefined) return { fail: why };
      }
      const line = buffer.consume(nl + 1);
      return { done: line.subarray(0, end) };
    },
  };
}

/**
 * Runs a user's regex on a whole value (a line, a datagram) with the same guards as the
 * stream matcher: binary-safe, and bounded by `deadline` whatever the pattern.
 */
export function execOnBytes(
  re: RegExp,
  bytes: Uint8Array,
  deadline: number,
): RegExpExecArray | null {
  const { byteRe, info } = compiled(re);
  return execBounded(byteRe, info.linear, toLatin1(bytes), deadline);
}

/** The worker start-up a regex needs before `execOnBytes` (undefined when none). */
export function regexPrepare(re: RegExp): (() => Promise<void>) | undefined {
  return compiled(re).info.linear ? undefined : prepareRegexWorker;
}

/** Reads exactly `n` bytes. */
export function bytesMatcher(n: number): Matcher<Uint8Array> {
  return {
    describe: () => `${n} bytes`,
    check(buffer) {
      if (buffer.length >= n) return { done: buffer.consume(n) };
      buffer.reserve(n); // room for all n at once, handed over without a copy
      return undefined;
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
