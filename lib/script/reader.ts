/**
 * Reads the words and values of one statement line. Grammar modules pull what they
 * expect next (`word`, `name`, `value`, `duration`…), so whether `/x/` is a regex or a
 * path depends on where it stands, not on a context-free lexer.
 *
 * @module
 */
import { DURATION_RE, parseDuration, parseSize, SIZE_RE } from "../bytes/units.ts";
import type { Span, StatementBase, StringPart, ValueNode } from "./ast.ts";
import { ScriptSyntaxError } from "./syntax_error.ts";
import { concatBytes } from "../bytes/text.ts";

const encoder = new TextEncoder();
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const REF_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
/** `${env.NAME}` and `${env.NAME:-default}`: an environment variable. */
const ENV_REF_RE = /^env\.[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?$/;
/** `${1}`: a regex capture in a rules-mock reply (elsewhere an unset variable at run time). */
const CAPTURE_REF_RE = /^\d+$/;

function isRef(ref: string): boolean {
  return REF_RE.test(ref) || ENV_REF_RE.test(ref) || CAPTURE_REF_RE.test(ref);
}

/** Parses one line of a block whose lines are not statements (`expect … one of` arms). */
export type BodyLineParser = (r: LineReader, base: Omit<StatementBase, "kind">) => StatementBase;

/** A block a statement opened with a `{` ending its line; the parser fills `body`. */
export interface OpenedBlock {
  body: StatementBase[];
  /** `break` and `continue` may stand inside. */
  loop: boolean;
  /** Parses the body's lines when they are not statements. */
  lines?: BodyLineParser;
  /** Reads what follows the closing `}` on its line (`} else {`); must open a block again. */
  next?: (r: LineReader) => void;
}

/** A cursor over one line of a script. */
export class LineReader {
  #pos = 0;
  /** Where a trailing `# comment` starts, once the reader has reached it. */
  commentAt: number | undefined;
  /** The block this line opened (its last token was `{`). */
  opened: OpenedBlock | undefined;
  constructor(
    readonly text: string,
    readonly line: number,
    readonly file: string,
  ) {}

  /** The current 0-based offset. */
  get pos(): number {
    return this.#pos;
  }

  /** A span from `start` (0-based offset) to the current position. */
  spanFrom(start: number, end = this.#pos): Span {
    return { line: this.line, col: start + 1, endCol: Math.max(end, start + 1) + 1 };
  }

  /** Throws a syntax error at the given span (default: the next token). */
  fail(message: string, span?: Span): never {
    throw new ScriptSyntaxError(message, this.file, span ?? this.#nextSpan(), this.text);
  }

  /** Skips spaces; a `#` after a space (or at the start) ends the line. */
  skipSpace(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos]!)) this.#pos++;
    if (this.text[this.#pos] === "#" && (this.#pos === 0 || /\s/.test(this.text[this.#pos - 1]!))) {
      this.commentAt ??= this.#pos;
      this.#pos = this.text.length;
    }
  }

  /** True when nothing but spaces or a comment remains. */
  atEnd(): boolean {
    this.skipSpace();
    return this.#pos >= this.text.length;
  }

  /** The next bare word without consuming it, or undefined at the end. */
  peekWord(): string | undefined {
    this.skipSpace();
    if (this.#pos >= this.text.length) return undefined;
    const m = /^\S+/.exec(this.text.slice(this.#pos));
    return m?.[0];
  }

  /** Reads a bare word (any run of non-space characters). */
  word(what: string): { text: string; span: Span } {
    this.skipSpace();
    const start = this.#pos;
    if (start >= this.text.length) this.fail(`expected ${what}`);
    while (this.#pos < this.text.length && !/\s/.test(this.text[this.#pos]!)) this.#pos++;
    return { text: this.text.slice(start, this.#pos), span: this.spanFrom(start) };
  }

  /** Consumes the next word if it equals `keyword` (case-insensitive). */
  keyword(keyword: string): boolean {
    const w = this.peekWord();
    if (w === undefined || w.toLowerCase() !== keyword.toLowerCase()) return false;
    this.word(keyword);
    return true;
  }

  /** Requires the next word to be `keyword`. */
  expectKeyword(keyword: string, context?: string): void {
    if (!this.keyword(keyword)) {
      const w = this.peekWord();
      this.fail(
        w === undefined
          ? `expected "${keyword}"${context ? ` ${context}` : ""}`
          : `expected "${keyword}"${context ? ` ${context}` : ""}, found "${w}"`,
      );
    }
  }

  /**
   * Reads the `{` that ends a block's header line and returns the body the parser will
   * fill with the lines up to the matching `}`.
   */
  block(options: Partial<Omit<OpenedBlock, "body">> = {}): StatementBase[] {
    this.skipSpace();
    if (this.text[this.#pos] !== "{") {
      const w = this.peekWord();
      this.fail(w === undefined ? 'expected "{" to open the block' : `expected "{", found "${w}"`);
    }
    this.#pos++;
    if (!this.atEnd()) {
      this.fail(`unexpected "${this.peekWord()}" after "{" (the block starts on the next line)`);
    }
    const body: StatementBase[] = [];
    this.opened = { loop: false, ...options, body };
    return body;
  }

  /** Consumes `}` when it is the next token. */
  closeBrace(): boolean {
    this.skipSpace();
    if (this.text[this.#pos] !== "}") return false;
    const after = this.text[this.#pos + 1];
    if (after !== undefined && !/\s/.test(after)) return false;
    this.#pos++;
    return true;
  }

  /** Reads a name: a letter or `_`, then letters, digits, `_` or `-`. */
  name(what = "a name"): { text: string; span: Span } {
    const w = this.word(what);
    if (!NAME_RE.test(w.text)) {
      this.fail(`"${w.text}" is not a valid ${what} (letters, digits, _ and -)`, w.span);
    }
    return w;
  }

  /** A duration literal's milliseconds; one over the timer limit fails here, with its place. */
  #durationMs(text: string, span: Span): number {
    try {
      return parseDuration(text);
    } catch (e) {
      return this.fail((e as Error).message, span);
    }
  }

  /** Reads a duration literal (`250ms`, `2s`). */
  duration(what = "a duration"): { ms: number; span: Span } {
    const w = this.word(what);
    if (!DURATION_RE.test(w.text)) {
      this.fail(`"${w.text}" is not a duration (like 250ms, 2s, 1m)`, w.span);
    }
    return { ms: this.#durationMs(w.text, w.span), span: w.span };
  }

  /** Reads a size literal (`512`, `64KiB`). */
  size(what = "a size"): { bytes: number; span: Span } {
    const w = this.word(what);
    if (!SIZE_RE.test(w.text)) {
      this.fail(`"${w.text}" is not a size (like 512, 64KiB, 10MB)`, w.span);
    }
    return { bytes: parseSize(w.text), span: w.span };
  }

  /** Reads a whole number. */
  integer(
    what = "a number",
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
  ): { value: number; span: Span } {
    const w = this.word(what);
    if (!/^-?\d+$/.test(w.text) || Number(w.text) < min || Number(w.text) > max) {
      this.fail(`"${w.text}" is not ${what} (a whole number from ${min} to ${max})`, w.span);
    }
    return { value: Number(w.text), span: w.span };
  }

  /**
   * Reads a value: a string, raw string, `hex "…"`, `file "…"`, a regex (when
   * `allowRegex`), a number, duration or size, or a bare word with `${…}` inside.
   */
  value(what = "a value", options: { allowRegex?: boolean } = {}): ValueNode {
    this.skipSpace();
    const start = this.#pos;
    const c = this.text[start];
    if (c === undefined) this.fail(`expected ${what}`);
    if (c === '"') return this.#string();
    if (c === "'") return this.#raw();
    if (c === "/" && options.allowRegex) return this.#regex();
    const w = this.peekWord()!;
    if ((w === "hex" || w === "file") && /^\s+["']/.test(this.text.slice(start + w.length))) {
      this.word(w);
      this.skipSpace();
      if (w === "hex") {
        const bytes = this.#plainHex();
        if (bytes) return { type: "hex", bytes, span: this.spanFrom(start) };
      }
      const arg = this.text[this.#pos] === "'" ? this.#raw() : this.#string();
      if (w === "file") return { type: "file", path: arg, span: this.spanFrom(start) };
      return { type: "hex", bytes: this.#hexBytes(arg), span: this.spanFrom(start) };
    }
    // `[::1]:53` is an IPv6 HOST:PORT (e.g. after `to`), not a JSON array
    if (c === "{" || (c === "[" && !/^\[[0-9A-Za-z:.%]*\]:/.test(w))) return this.json(what);
    const word = this.word(what);
    if (/^-?\d+(\.\d+)?$/.test(word.text)) {
      return { type: "number", value: Number(word.text), span: word.span };
    }
    if (DURATION_RE.test(word.text)) {
      return { type: "duration", ms: this.#durationMs(word.text, word.span), span: word.span };
    }
    if (SIZE_RE.test(word.text)) {
      return { type: "size", bytes: parseSize(word.text), span: word.span };
    }
    return {
      type: "word",
      parts: this.#template(word.text, start, false),
      text: word.text,
      span: word.span,
    };
  }

  /** Reads a JSON literal (object, array or scalar) and checks that it parses. */
  json(what = "a JSON value"): ValueNode {
    this.skipSpace();
    const start = this.#pos;
    const c = this.text[start];
    if (c !== "{" && c !== "[") {
      const v = this.value(what);
      if (
        v.type === "word" && !["true", "false", "null"].includes(v.text) && !v.text.startsWith("${")
      ) {
        this.fail(`"${v.text}" is not JSON (quote strings: "${v.text}")`, v.span);
      }
      return v;
    }
    let depth = 0;
    let inString = false;
    for (; this.#pos < this.text.length; this.#pos++) {
      const ch = this.text[this.#pos]!;
      if (inString) {
        if (ch === "\\") this.#pos++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) {
          this.#pos++;
          break;
        }
      }
    }
    if (depth !== 0) this.fail("unterminated JSON value", this.spanFrom(start));
    this.#separated(start, "JSON value");
    const text = this.text.slice(start, this.#pos);
    const probe = text.replace(/\$\{[^}]*\}/g, "0");
    try {
      JSON.parse(probe);
    } catch (e) {
      this.fail(`invalid JSON: ${(e as Error).message}`, this.spanFrom(start));
    }
    return {
      type: "json",
      parts: this.#template(text, start, false),
      text,
      span: this.spanFrom(start),
    };
  }

  /** Everything left on the line, trimmed (comments included). */
  rest(): { text: string; span: Span } {
    this.skipSpace();
    const start = this.#pos;
    this.#pos = this.text.length;
    return { text: this.text.slice(start).trimEnd(), span: this.spanFrom(start) };
  }

  /** Requires the end of the line. */
  end(): void {
    if (!this.atEnd()) {
      const w = this.peekWord()!;
      this.fail(`unexpected "${w}"`);
    }
  }

  #nextSpan(): Span {
    this.skipSpace();
    const start = Math.min(this.#pos, this.text.length);
    const m = /^\S*/.exec(this.text.slice(start))![0];
    return { line: this.line, col: start + 1, endCol: start + 1 + Math.max(1, m.length) };
  }

  #string(): ValueNode {
    const start = this.#pos;
    const text = this.text;
    const parts: StringPart[] = [];
    const bytes = new ByteBuilder(Math.min(text.length - start, 1024));
    const flush = () => {
      if (bytes.length) parts.push({ bytes: bytes.take() });
    };
    let i = start + 1; // after the opening quote
    while (true) {
      // a run of plain ASCII characters, copied as bytes (the bulk of a long string)
      const buf = bytes.buf;
      let n = bytes.length;
      let c = 0;
      const limit = Math.min(text.length, i + buf.length - n);
      for (; i < limit; i++) {
        c = text.charCodeAt(i);
        if (c >= 0x80 || c === 0x22 || c === 0x5c || c === 0x24) break;
        buf[n++] = c;
      }
      bytes.length = n;
      this.#pos = i;
      if (i === limit && i < text.length) {
        bytes.reserve(Math.min(text.length - i, buf.length)); // full: double it
        continue;
      }
      if (i >= text.length) {
        this.fail('unterminated string (missing closing ")', this.spanFrom(start));
      }
      if (c === 0x22) {
        this.#pos++;
        this.#separated(start);
        break;
      }
      if (c === 0x5c) {
        i = this.#escape(bytes);
        continue;
      }
      if (c === 0x24) {
        if (text.charCodeAt(i + 1) === 0x7b) {
          flush();
          parts.push(this.#ref());
          i = this.#pos;
        } else {
          bytes.push(0x24);
          i++;
        }
        continue;
      }
      const cp = text.codePointAt(i)!;
      bytes.pushCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    flush();
    return { type: "string", parts, span: this.spanFrom(start) };
  }

  /** Reads the escape at the current position into `bytes`; returns the offset after it. */
  #escape(bytes: ByteBuilder): number {
    const escStart = this.#pos;
    const e = this.text[this.#pos + 1];
    this.#pos += 2;
    switch (e) {
      case "n":
        bytes.push(10);
        break;
      case "r":
        bytes.push(13);
        break;
      case "t":
        bytes.push(9);
        break;
      case "0":
        bytes.push(0);
        break;
      case "\\":
        bytes.push(0x5c);
        break;
      case '"':
        bytes.push(0x22);
        break;
      case "'":
        bytes.push(0x27);
        break;
      case "$":
        bytes.push(0x24);
        break;
      case "x": {
        const h = this.text.slice(this.#pos, this.#pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) {
          this.fail(`"\\x" needs two hex digits`, this.spanFrom(escStart, this.#pos + 2));
        }
        bytes.push(parseInt(h, 16));
        this.#pos += 2;
        break;
      }
      case "u": {
        const m = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.text.slice(this.#pos, this.#pos + 8));
        if (!m || parseInt(m[1]!, 16) > 0x10ffff) {
          this.fail(
            `"\\u" needs a code point like \\u{263A}`,
            this.spanFrom(escStart, this.#pos + 1),
          );
        }
        bytes.pushCodePoint(parseInt(m[1]!, 16));
        this.#pos += m[0].length;
        break;
      }
      default:
        this.fail(
          e === undefined ? "unterminated string" : `unknown escape "\\${e}"`,
          this.spanFrom(escStart, this.#pos),
        );
    }
    return this.#pos;
  }

  /** A quoted value must end where its closing quote is: `"abc"yped"` is a mistake. */
  #separated(start: number, what = "string"): void {
    const next = this.text[this.#pos];
    if (next === undefined || /\s/.test(next)) return;
    const m = /^\S*/.exec(this.text.slice(this.#pos))![0];
    if (what !== "string") {
      this.fail(
        `unexpected "${m}" right after the ${what} that starts at column ${start + 1} ` +
          `(separate values with a space)`,
        this.spanFrom(this.#pos, this.#pos + m.length),
      );
    }
    this.fail(
      `unexpected "${m}" right after the closing quote of the string that starts at column ${
        start + 1
      } (a quote inside a string is written \\" ; separate values with a space)`,
      this.spanFrom(this.#pos, this.#pos + m.length),
    );
  }

  #ref(): StringPart {
    const start = this.#pos;
    const close = this.text.indexOf("}", this.#pos);
    if (close < 0) this.fail("unterminated ${", this.spanFrom(start, start + 2));
    const ref = this.text.slice(this.#pos + 2, close).trim();
    this.#pos = close + 1;
    if (!isRef(ref)) {
      this.fail(
        `"\${${ref}}" is not a variable reference (like \${name} or \${c.port})`,
        this.spanFrom(start),
      );
    }
    return { ref, span: this.spanFrom(start) };
  }

  #template(text: string, offset: number, _quoted: boolean): StringPart[] {
    const parts: StringPart[] = [];
    let i = 0;
    let lit = "";
    while (i < text.length) {
      if (text[i] === "$" && text[i + 1] === "{") {
        if (lit) parts.push({ bytes: encoder.encode(lit) });
        lit = "";
        const close = text.indexOf("}", i);
        if (close < 0) this.fail("unterminated ${", this.spanFrom(offset + i, offset + i + 2));
        const ref = text.slice(i + 2, close).trim();
        const span = this.spanFrom(offset + i, offset + close + 1);
        if (!isRef(ref)) {
          this.fail(`"\${${ref}}" is not a variable reference (like \${name} or \${c.port})`, span);
        }
        parts.push({ ref, span });
        i = close + 1;
      } else {
        lit += text[i];
        i++;
      }
    }
    if (lit) parts.push({ bytes: encoder.encode(lit) });
    return parts;
  }

  #raw(): ValueNode {
    const start = this.#pos;
    const close = this.text.indexOf("'", start + 1);
    if (close < 0) {
      this.fail("unterminated string (missing closing ')", this.spanFrom(start, this.text.length));
    }
    this.#pos = close + 1;
    this.#separated(start);
    return { type: "raw", text: this.text.slice(start + 1, close), span: this.spanFrom(start) };
  }

  #regex(): ValueNode {
    const start = this.#pos;
    let i = start + 1;
    let inClass = false;
    for (; i < this.text.length; i++) {
      const ch = this.text[i];
      if (ch === "\\") i++;
      else if (ch === "[") inClass = true;
      else if (ch === "]") inClass = false;
      else if (ch === "/" && !inClass) break;
    }
    if (i >= this.text.length) {
      this.fail("unterminated regex (missing closing /)", this.spanFrom(start, this.text.length));
    }
    const source = this.text.slice(start + 1, i);
    let j = i + 1;
    while (j < this.text.length && /[a-z]/.test(this.text[j]!)) j++;
    const flags = this.text.slice(i + 1, j);
    this.#pos = j;
    this.#separated(start, "regex");
    const span = this.spanFrom(start);
    if (source === "") this.fail("empty regex", span);
    if (/[^dgimsuvy]/.test(flags)) {
      this.fail(`unknown regex flag in "${flags}" (allowed: d g i m s u v y)`, span);
    }
    try {
      new RegExp(source, flags);
    } catch (e) {
      this.fail(
        `invalid regex: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}`,
        span,
      );
    }
    return { type: "regex", source, flags, span };
  }

  /**
   * The fast path of `hex "…"`: a double-quoted run of hex digits (spaces and colons
   * allowed) decoded natively; undefined for anything else (escapes, `${…}`, a mistake),
   * which the general path reads and reports.
   */
  #plainHex(): Uint8Array | undefined {
    const open = this.#pos;
    if (this.text.charCodeAt(open) !== 0x22) return undefined;
    const close = this.text.indexOf('"', open + 1);
    if (close < 0) return undefined;
    const bytes = decodeHex(this.text.slice(open + 1, close));
    if (!bytes) return undefined;
    this.#pos = close + 1;
    this.#separated(open);
    return bytes;
  }

  #hexBytes(arg: ValueNode): Uint8Array {
    if (arg.type === "string" && arg.parts.some((p) => "ref" in p)) {
      this.fail("hex literals cannot interpolate", arg.span);
    }
    const text = arg.type === "raw" ? arg.text : new TextDecoder().decode(
      concatBytes(
        arg.type === "string" ? arg.parts.flatMap((p) => ("bytes" in p ? [p.bytes] : [])) : [],
      ),
    );
    const digits = text.replace(/[\s:]/g, "");
    if (!/^[0-9a-fA-F]*$/.test(digits)) {
      this.fail(`hex literal holds a non-hex character`, arg.span);
    }
    if (digits.length % 2) {
      this.fail(`hex literal has an odd number of digits (${digits.length})`, arg.span);
    }
    return fromHex(digits);
  }
}

/** A growable byte buffer for string literals. */
class ByteBuilder {
  buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `more` bytes. */
  reserve(more: number): void {
    if (this.length + more <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + more));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  push(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  /** Appends a code point as UTF-8 (a lone surrogate as U+FFFD, as `TextEncoder` does). */
  pushCodePoint(cp: number): void {
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    this.reserve(4);
    const b = this.buf;
    if (cp < 0x80) b[this.length++] = cp;
    else if (cp < 0x800) {
      b[this.length++] = 0xc0 | (cp >> 6);
      b[this.length++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      b[this.length++] = 0xe0 | (cp >> 12);
      b[this.length++] = 0x80 | ((cp >> 6) & 0x3f);
      b[this.length++] = 0x80 | (cp & 0x3f);
    } else {
      b[this.length++] = 0xf0 | (cp >> 18);
      b[this.length++] = 0x80 | ((cp >> 12) & 0x3f);
      b[this.length++] = 0x80 | ((cp >> 6) & 0x3f);
      b[this.length++] = 0x80 | (cp & 0x3f);
    }
  }

  /** The bytes so far (a copy of exactly that size); empties the builder. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** `Uint8Array.fromHex` (ES2026; V8 has it): hex digits only, even count; throws otherwise. */
const fromHex = (Uint8Array as unknown as { fromHex(hex: string): Uint8Array }).fromHex;

/** Decodes hex digits, possibly separated by spaces or colons; undefined when not hex. */
function decodeHex(text: string): Uint8Array | undefined {
  try {
    return fromHex(text);
  } catch {
    // spaces or colons between bytes (`de ad be ef`, `de:ad`), or not hex at all
  }
  const digits = text.replace(/[\s:]/g, "");
  if (digits.length === text.length || digits.length % 2 || !/^[0-9a-fA-F]*$/.test(digits)) {
    return undefined;
  }
  return fromHex(digits);
}
