/**
 * Whether a regex match found on the bytes received so far is final: whether no bytes
 * that may still arrive could change it (an earlier match, a longer one, other captures).
 *
 * The regex runs on a latin1 view of the bytes, so every received byte is a code unit
 * below U+0100. The probe is the pattern rewritten so that a sentinel code unit
 * (U+FFFF, which no byte can be) stands for "any byte that may come": every atom also
 * accepts the sentinel, and assertions at or past the end of the received bytes pass —
 * each time setting an empty *marker* group. The probe runs on the received bytes
 * followed by enough sentinels for any path of the pattern. Its first match is then the
 * first path, in the engine's own priority order, that could succeed for *some*
 * continuation of the stream. When that match sets no marker, it used no byte that has
 * not arrived and nothing that could come before it can ever succeed: the match is the
 * one the complete stream will give, whatever follows. Otherwise the match must wait.
 *
 * Negative lookaround and backreferences cannot be modelled this way (more bytes can
 * make them fail); patterns using them get no probe, and their matches wait for the
 * stream to settle.
 *
 * @module
 */

const S = "\\uFFFF";
/** The sentinel code unit, appended to the received text by the probe. */
export const SENTINEL = "\uFFFF";
/** Longest run of sentinels a probe may need; patterns that need more get no probe. */
const MAX_SENTINELS = 1 << 16;

/** A rewritten pattern that tells a final match from one more bytes could change. */
export interface RegexProbe {
  /** The rewritten pattern (same flags as the byte regex). */
  readonly probe: RegExp;
  /** For user group `n` (1-based), the probe's group index. */
  readonly groupMap: readonly number[];
  /** The probe's marker groups. */
  readonly markers: readonly number[];
  /** How many sentinels to append to the received text. */
  readonly sentinels: number;
  /** True when V8's linear-time engine can run the probe (no lookahead). */
  readonly linear: boolean;
}

/** What is known about a pattern before any byte arrives. */
export interface PatternInfo {
  /** The probe, or `undefined` when the pattern cannot be modelled (see the module doc). */
  readonly probe?: RegexProbe;
  /**
   * True when V8's linear-time engine can run the pattern itself (no lookahead,
   * negative lookbehind or backreference), so that with the engine enabled an
   * excessive backtrack falls back to linear time instead of hanging.
   */
  readonly linear: boolean;
  /** Why there is no probe, for messages and docs. */
  readonly unprobed?: string;
}

class Unsupported extends Error {}

interface Piece {
  src: string;
  /** An upper bound of the characters a path through this piece reads past its start. */
  len: number;
  /** Holds a lookahead (markers inside it would be reset by an enclosing quantifier). */
  look: boolean;
}

/** Analyses a byte regex (see `toByteRegExp`). Never throws. */
export function analysePattern(re: RegExp): PatternInfo {
  const source = re.source;
  const linear = !/\(\?[=!]|\(\?<!|\\[1-9]|\\k</.test(stripClasses(source));
  if (/[uv]/.test(re.flags)) return { linear, unprobed: "unicode flags" };
  try {
    const p = new ProbeBuilder(source, re.flags);
    const built = p.build();
    return {
      linear,
      probe: {
        probe: new RegExp(built.src, re.flags.replace(/[gyd]/g, "")),
        groupMap: p.groupMap,
        markers: p.markers,
        sentinels: built.len + 16,
        linear: !p.usesLookahead,
      },
    };
  } catch (e) {
    if (e instanceof Unsupported) return { linear, unprobed: e.message };
    if (e instanceof SyntaxError) return { linear, unprobed: "the rewritten pattern is invalid" };
    throw e;
  }
}

/** The source without the contents of character classes (for simple scans). */
function stripClasses(src: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\") {
      if (!inClass) out += c + (src[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      continue;
    }
    out += c;
  }
  return out;
}

/** Rewrites a pattern into its probe (see the module doc). */
class ProbeBuilder {
  #src: string;
  #i = 0;
  #dotAll: boolean;
  #multiline: boolean;
  #probeGroups = 0;
  groupMap: number[] = [];
  markers: number[] = [];
  usesLookahead = false;

  constructor(src: string, flags: string) {
    this.#src = src;
    this.#dotAll = flags.includes("s");
    this.#multiline = flags.includes("m");
  }

  build(): Piece {
    const piece = this.#disjunction();
    if (this.#i < this.#src.length) throw new Unsupported(`unexpected ")"`);
    if (piece.len > MAX_SENTINELS) throw new Unsupported("quantifiers too large");
    return piece;
  }

  #marker(): string {
    this.markers.push(++this.#probeGroups);
    return "()";
  }

  #atom(src: string): Piece {
    return { src: `(?:${src}|${S}${this.#marker()})`, len: 1, look: false };
  }

  #disjunction(): Piece {
    const alts: Piece[] = [this.#alternative()];
    while (this.#src[this.#i] === "|") {
      this.#i++;
      alts.push(this.#alternative());
    }
    return {
      src: alts.map((a) => a.src).join("|"),
      len: Math.max(...alts.map((a) => a.len)),
      look: alts.some((a) => a.look),
    };
  }

  #alternative(): Piece {
    let src = "";
    let len = 0;
    let look = false;
    while (this.#i < this.#src.length) {
      const c = this.#src[this.#i]!;
      if (c === "|" || c === ")") break;
      const term = this.#quantified(this.#term());
      src += term.src;
      len += term.len;
      look ||= term.look;
    }
    return { src, len, look };
  }

  #quantified(term: Piece & { assertion?: boolean }): Piece {
    const q = this.#quantifier();
    if (!q) return term;
    if (term.assertion) throw new Unsupported("a quantified assertion");
    if (term.look) throw new Unsupported("a lookahead inside a repeated group");
    const times = q.max === Infinity ? Math.max(q.min, 1) : q.max;
    return { src: term.src + q.text, len: term.len * times, look: false };
  }

  #quantifier(): { text: string; min: number; max: number } | undefined {
    const s = this.#src;
    const c = s[this.#i];
    let text: string;
    let min: number;
    let max: number;
    if (c === "*" || c === "+" || c === "?") {
      text = c;
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : Infinity;
      this.#i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.#i));
      if (!m) return undefined; // a literal "{" (Annex B)
      text = m[0];
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.#i += m[0].length;
    } else return undefined;
    if (s[this.#i] === "?") {
      text += "?";
      this.#i++;
    }
    return { text, min, max };
  }

  #term(): Piece & { assertion?: boolean } {
    const s = this.#src;
    const c = s[this.#i]!;
    switch (c) {
      case "^":
        this.#i++;
        // with the m flag, after a line break, which a byte still to come may be
        if (this.#multiline) {
          return { src: `(?:^|(?<=${S})${this.#marker()})`, len: 0, look: false, assertion: true };
        }
        return { src: "^", len: 0, look: false, assertion: true };
      case "$":
        this.#i++;
        if (this.#multiline) {
          // before a line break, which the next byte may be
          this.usesLookahead = true;
          return { src: `(?:$|(?=${S})${this.#marker()})`, len: 0, look: false, assertion: true };
        }
        // false where bytes follow and at the end of what arrived (more bytes will come,
        // or the stream ends there exactly as now); may pass past it
        return { src: `(?:$|(?<=${S})${this.#marker()})`, len: 0, look: false, assertion: true };
      case ".":
        this.#i++;
        return this.#atom(this.#dotAll ? `[^${S}]` : `[^\\n\\r\\u2028\\u2029${S}]`);
      case "[":
        return this.#atom(this.#charClass());
      case "(":
        return this.#group();
      case "\\":
        return this.#escape();
      case "*":
      case "+":
      case "?":
        throw new Unsupported("a quantifier with nothing to repeat");
      default:
        this.#i++;
        return this.#atom(c === "/" ? "\\/" : c);
    }
  }

  #group(): Piece {
    const s = this.#src;
    const rest = s.slice(this.#i);
    let open: string;
    let look = false;
    if (rest.startsWith("(?:")) open = "(?:";
    else if (rest.startsWith("(?=")) {
      open = "(?=";
      look = true;
      this.usesLookahead = true;
    } else if (rest.startsWith("(?<=")) open = "(?<=";
    else if (rest.startsWith("(?!") || rest.startsWith("(?<!")) {
      throw new Unsupported("negative lookaround");
    } else if (rest.startsWith("(?<")) {
      const m = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(rest);
      if (!m) throw new Unsupported("an unknown group");
      open = m[0];
      this.groupMap.push(++this.#probeGroups);
    } else if (rest.startsWith("(?")) throw new Unsupported("group modifiers");
    else {
      open = "(";
      this.groupMap.push(++this.#probeGroups);
    }
    this.#i += open.length;
    const inner = this.#disjunction();
    if (s[this.#i] !== ")") throw new Unsupported("an unclosed group");
    this.#i++;
    const isLook = open === "(?=" || open === "(?<=";
    return {
      src: `${open}${inner.src})`,
      // a lookaround reads without consuming; count what it reads
      len: inner.len,
      look: look || inner.look,
      ...(isLook ? { assertion: open === "(?<=" } : {}),
    };
  }

  #escape(): Piece & { assertion?: boolean } {
    const s = this.#src;
    const next = s[this.#i + 1];
    if (next === undefined) throw new Unsupported("a trailing backslash");
    if (next === "b" || next === "B") {
      this.#i += 2;
      this.usesLookahead = true;
      // at the end of what arrived the next byte is unknown: either answer may hold
      // (the lookahead reads only where the path stands: safe inside a repeated group)
      return {
        src: `(?:(?!${S})\\${next}|(?=${S})${this.#marker()})`,
        len: 0,
        look: false,
        assertion: true,
      };
    }
    if (/[1-9]/.test(next) || next === "k") throw new Unsupported("a backreference");
    const esc = this.#escapeText();
    if (esc === "\\D" || esc === "\\W" || esc === "\\S") {
      return this.#atom(`[^\\${esc[1]!.toLowerCase()}${S}]`);
    }
    return this.#atom(esc);
  }

  /** Reads one escape (outside or inside a class) and returns its text. */
  #escapeText(): string {
    const s = this.#src;
    const next = s[this.#i + 1]!;
    let len = 2;
    if (next === "x" && /^[0-9a-fA-F]{2}$/.test(s.slice(this.#i + 2, this.#i + 4))) len = 4;
    else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(this.#i + 2, this.#i + 6))) len = 6;
    else if (next === "c" && /^[A-Za-z]$/.test(s[this.#i + 2] ?? "")) len = 3;
    else if (next === "0" && /^[0-7]{1,2}/.test(s.slice(this.#i + 2))) {
      throw new Unsupported("an octal escape");
    }
    const text = s.slice(this.#i, this.#i + len);
    this.#i += len;
    return text;
  }

  /** Reads `[...]` and returns a pattern matching what it matches, minus the sentinel. */
  #charClass(): string {
    const s = this.#src;
    this.#i++;
    const negated = s[this.#i] === "^";
    if (negated) this.#i++;
    let body = "";
    const negatedEscapes: string[] = [];
    let first = true;
    while (true) {
      const c = s[this.#i];
      if (c === undefined) throw new Unsupported("an unclosed class");
      if (c === "]" && !(first && false)) break;
      first = false;
      if (c === "\\") {
        const esc = this.#escapeText();
        if (esc === "\\D" || esc === "\\W" || esc === "\\S") negatedEscapes.push(esc);
        else if (esc === "\\b") body += "\\x08";
        else body += esc;
      } else {
        body += c;
        this.#i++;
      }
    }
    this.#i++; // ]
    if (negated) {
      // [^…] matches the sentinel: take it out, with the negated escapes as their opposites
      const inner = body + negatedEscapes.map((e) => `\\${e[1]!.toLowerCase()}`).join("");
      if (negatedEscapes.length > 0) {
        // [^\W] is "word and not …": only plain when nothing else is in the class
        if (body !== "") throw new Unsupported("a negated class with negated escapes");
        const pos = negatedEscapes.map((e) => `\\${e[1]!.toLowerCase()}`);
        return pos.length === 1 ? `[${pos[0]}]` : `(?:${pos.map((p) => `[${p}]`).join("")})`;
      }
      return `[^${inner}${S}]`;
    }
    const parts: string[] = [];
    if (body !== "") parts.push(`[${body}]`);
    for (const e of negatedEscapes) parts.push(`[^\\${e[1]!.toLowerCase()}${S}]`);
    if (parts.length === 0) return "[]";
    return parts.length === 1 ? parts[0]! : `(?:${parts.join("|")})`;
  }
}
