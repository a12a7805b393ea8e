/**
 * Multi-line entry, the same in script files, typed or piped: a line ending in `\`
 * continues on the next line, and `<<TAG` (or `<<crlf TAG`) takes the following lines,
 * up to a line holding only `TAG`, as one literal text value. With `blocks` (the REPL),
 * a line ending in `{` also collects every line up to its closing `}`, returned as the
 * physical lines joined by `\n` for the parser to place. Pure.
 *
 * @module
 */
import { formatString } from "../script/format.ts";

/** The longest statement the joiner builds (the parser's line limit). */
export const MAX_JOINED_LENGTH = 1024 * 1024;

/** What feeding one physical line gave. */
export type JoinStep =
  /** A whole statement line, ready to parse. */
  | { line: string }
  /** More lines are needed (`continuation` for `\`, `heredoc` inside `<<TAG`, `block`). */
  | { more: "continuation" | "heredoc" | "block" }
  /** The entry was abandoned (too long). */
  | { error: string };

interface Heredoc {
  tag: string;
  eol: string;
  before: string;
  after: string;
  body: string[];
  size: number;
}

/** Where a `<<TAG` marker sits in a line, outside quotes and comments. */
export interface HeredocMarker {
  start: number;
  end: number;
  tag: string;
  crlf: boolean;
}

/**
 * Finds a heredoc marker (`<<TAG` or `<<crlf TAG`) outside strings and comments.
 *
 * @example
 * ```ts
 * import { findHeredoc } from "./line_joiner.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(findHeredoc('send c <<EOF'), { start: 7, end: 12, tag: "EOF", crlf: false });
 * assertEquals(findHeredoc('send c "<<EOF"'), undefined);
 * ```
 */
export function findHeredoc(line: string): HeredocMarker | undefined {
  return heredocIn(line, scanLine(line));
}

function heredocIn(line: string, scan: LineScan): HeredocMarker | undefined {
  for (const at of scan.heredocAt) {
    const m = /^<<(crlf\s+)?([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/.exec(line.slice(at, at + 256));
    if (m) return { start: at, end: at + m[0].length, tag: m[2]!, crlf: m[1] !== undefined };
  }
  return undefined;
}

/** What {@linkcode scanLine} found. */
interface LineScan {
  heredocAt: number[];
  openQuote: boolean;
  codeEnd: number;
}

/**
 * Quote-aware scan: where `<<` appears outside quotes, and whether the line ends open.
 * Inside quotes it jumps from quote to quote (`indexOf`), so a long string or `hex "…"`
 * literal costs a native search, not a step per character.
 */
function scanLine(line: string): LineScan {
  const heredocAt: number[] = [];
  const n = line.length;
  for (let i = 0; i < n; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const close = closingQuote(line, i);
      if (close < 0) return { heredocAt, openQuote: true, codeEnd: n };
      i = close;
    } else if (ch === 0x27 /* ' */) {
      const close = line.indexOf("'", i + 1);
      if (close < 0) return { heredocAt, openQuote: true, codeEnd: n };
      i = close;
    } else if (ch === 0x23 /* # */ && (i === 0 || /\s/.test(line[i - 1]!))) {
      return { heredocAt, openQuote: false, codeEnd: i };
    } else if (ch === 0x3c /* < */ && line.charCodeAt(i + 1) === 0x3c) {
      heredocAt.push(i);
      i++;
    }
  }
  return { heredocAt, openQuote: false, codeEnd: n };
}

/** The `"` closing the string opened at `open` (a `\` escapes the next character), or -1. */
function closingQuote(line: string, open: number): number {
  let from = open + 1;
  while (true) {
    const q = line.indexOf('"', from);
    if (q < 0) return -1;
    // `\` escapes the character after it: count the backslashes right before the quote,
    // back to the first one not escaped (an escaped run always starts after a non-`\`)
    let k = q - 1;
    while (k > open && line.charCodeAt(k) === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

/**
 * Joins physical lines into statement lines.
 *
 * @example
 * ```ts
 * import { LineJoiner } from "./line_joiner.ts";
 * import { assertEquals } from "@std/assert";
 * const j = new LineJoiner();
 * assertEquals(j.feed('send c "a" \\'), { more: "continuation" });
 * assertEquals(j.feed('"b"'), { line: 'send c "a" "b"' });
 * assertEquals(j.feed("send c <<crlf END"), { more: "heredoc" });
 * assertEquals(j.feed("GET / HTTP/1.1"), { more: "heredoc" });
 * assertEquals(j.feed(""), { more: "heredoc" });
 * assertEquals(j.feed("END"), { line: 'send c "GET / HTTP/1.1\\r\\n\\r\\n"' });
 * ```
 */
export class LineJoiner {
  #continued: string[] = [];
  #heredoc: Heredoc | undefined;
  readonly #blocks: boolean;
  /** The physical lines of the unfinished entry. */
  #raw: string[] = [];
  #rawSize = 0;
  /** Open blocks (`{` not yet closed). */
  #depth = 0;
  #inBlock = false;
  /** How many physical lines made the last whole entry (its first line: last fed − this + 1). */
  lastLines = 1;

  /** `blocks: false` (script files) leaves block structure to the parser. */
  constructor(options: { blocks?: boolean } = {}) {
    this.#blocks = options.blocks ?? true;
  }

  /** True while an entry is unfinished. */
  get pending(): boolean {
    return this.#continued.length > 0 || this.#heredoc !== undefined || this.#depth > 0;
  }

  /** What is awaited: `continuation`, `heredoc TAG`, `block`, or undefined. */
  get waitingFor(): string | undefined {
    if (this.#heredoc) return `heredoc ${this.#heredoc.tag}`;
    if (this.#continued.length) return "continuation";
    return this.#depth > 0 ? "block" : undefined;
  }

  /** Drops an unfinished entry (Ctrl-C). */
  reset(): void {
    this.#continued = [];
    this.#heredoc = undefined;
    this.#raw = [];
    this.#rawSize = 0;
    this.#depth = 0;
    this.#inBlock = false;
  }

  /** Feeds one physical line. */
  feed(raw: string): JoinStep {
    this.#raw.push(raw);
    this.#rawSize += raw.length + 1;
    const step = this.#logical(raw);
    if ("error" in step) {
      this.reset();
      return step;
    }
    if ("more" in step) return step;
    if (this.#blocks) {
      const code = codeOf(step.line);
      if (code.startsWith("}")) this.#depth = Math.max(0, this.#depth - 1);
      if (code.endsWith("{")) this.#depth++;
      if (this.#depth > 0) this.#inBlock = true;
      if (this.#depth > 0) {
        if (this.#rawSize > MAX_JOINED_LENGTH) {
          this.reset();
          return { error: `block longer than ${MAX_JOINED_LENGTH} characters, dropped` };
        }
        return { more: "block" };
      }
    }
    const lines = this.#raw.length;
    const text = this.#inBlock ? this.#raw.join("\n") : step.line;
    this.#raw = [];
    this.#rawSize = 0;
    this.#inBlock = false;
    this.lastLines = lines;
    return { line: text };
  }

  /** Joins continuation and heredoc lines into one logical line. */
  #logical(raw: string): JoinStep {
    const h = this.#heredoc;
    if (h) {
      if (raw.trim() === h.tag) {
        this.#heredoc = undefined;
        const body = h.body.map((l) => l + h.eol).join("");
        return this.#finish(h.before + formatString(body) + h.after);
      }
      h.size += raw.length + h.eol.length;
      if (h.size > MAX_JOINED_LENGTH) {
        this.reset();
        return { error: `heredoc longer than ${MAX_JOINED_LENGTH} characters, dropped` };
      }
      h.body.push(raw);
      return { more: "heredoc" };
    }
    const scan = scanLine(raw);
    const marker = heredocIn(raw, scan);
    if (marker) {
      this.#heredoc = {
        tag: marker.tag,
        eol: marker.crlf ? "\r\n" : "\n",
        before: this.#continued.join(" ") + (this.#continued.length ? " " : "") +
          raw.slice(0, marker.start),
        after: raw.slice(marker.end),
        body: [],
        size: 0,
      };
      this.#continued = [];
      return { more: "heredoc" };
    }
    const code = raw.slice(0, scan.codeEnd).trimEnd();
    if (!scan.openQuote && code.endsWith("\\") && !code.endsWith("\\\\")) {
      this.#continued.push(code.slice(0, -1).trimEnd());
      if (this.#continued.reduce((n, s) => n + s.length + 1, 0) > MAX_JOINED_LENGTH) {
        this.reset();
        return { error: `continued line longer than ${MAX_JOINED_LENGTH} characters, dropped` };
      }
      return { more: "continuation" };
    }
    if (this.#continued.length) {
      const joined = [...this.#continued, raw.trim()].join(" ");
      this.#continued = [];
      return this.#finish(joined);
    }
    return { line: raw };
  }

  #finish(line: string): JoinStep {
    if (line.length > MAX_JOINED_LENGTH) {
      return { error: `statement longer than ${MAX_JOINED_LENGTH} characters, dropped` };
    }
    return { line };
  }
}

/** A line's code: without its comment, trimmed. */
function codeOf(line: string): string {
  const scan = scanLine(line);
  return scan.openQuote ? "" : line.slice(0, scan.codeEnd).trim();
}
