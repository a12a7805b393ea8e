/**
 * Parses `.wire` text into a {@linkcode Script}. Pure: no I/O. Throws only
 * {@linkcode ScriptSyntaxError}.
 *
 * @module
 */
import type { Script, Span, StatementBase } from "./ast.ts";
import { allKeywords, findStatement } from "./grammar/mod.ts";
import { LineJoiner } from "./line_joiner.ts";
import { LineReader, type OpenedBlock } from "./reader.ts";
import { ScriptSyntaxError } from "./syntax_error.ts";

/** The longest line a script may have. */
export const MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Parses a whole script.
 *
 * @param text The script's text (UTF-8 decoded).
 * @param file The name shown in error messages.
 * @throws {ScriptSyntaxError} at the first line that does not parse.
 *
 * @example
 * ```ts
 * import { parseScript } from "./parser.ts";
 * import { assertEquals } from "@std/assert";
 * const script = parseScript('connect tcp://127.0.0.1:7 as c\nsend c "hi"\n', "x.wire");
 * assertEquals(script.statements.map((s) => s.kind), ["connect", "send"]);
 * ```
 */
export function parseScript(text: string, file = "<script>", firstLine = 1): Script {
  const parser = new ScriptParser(file, firstLine);
  const lines = new LineSplitter();
  for (const line of lines.push(text)) parser.line(line);
  parser.end(lines.end());
  const statements = parser.take();
  const { warnings } = parser;
  return warnings.length ? { file, statements, warnings } : { file, statements };
}

/**
 * Cuts text arriving in chunks into physical lines (`\n` or `\r\n` ends a line; a
 * leading byte-order mark is dropped), the way `text.split(/\r?\n/)` would cut the whole.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./parser.ts";
 * import { assertEquals } from "@std/assert";
 * const s = new LineSplitter();
 * assertEquals([...s.push("a\r\nb"), ...s.push("c\nd")], ["a", "bc"]);
 * assertEquals(s.end(), "d");
 * ```
 */
export class LineSplitter {
  /** The start of a line cut by the chunks so far (joined flat once whole: a line made by
   * `+` is a rope, and reading a rope char by char is several times slower). */
  #carry: string[] = [];
  #started = false;

  /** The whole lines completed by `chunk`. */
  *push(chunk: string): Generator<string> {
    if (!this.#started && chunk.length) {
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let from = 0;
    while (true) {
      const nl = chunk.indexOf("\n", from);
      if (nl < 0) break;
      let line = chunk.slice(from, nl);
      if (from === 0 && this.#carry.length) {
        this.#carry.push(line);
        line = this.#carry.join("");
        this.#carry = [];
      }
      if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
      yield line;
      from = nl + 1;
    }
    if (from < chunk.length) this.#carry.push(from === 0 ? chunk : chunk.slice(from));
  }

  /** The text after the last line end ("" when the text ended with one). */
  end(): string {
    const rest = this.#carry.join("");
    this.#carry = [];
    return rest;
  }
}

/**
 * Parses a script fed one physical line at a time, handing out each top-level statement
 * as soon as it is whole (a block statement once its closing `}` is read). The one parser
 * of scripts: {@linkcode parseScript} feeds it a whole text, `parseStream` text as it is
 * read.
 *
 * @example
 * ```ts
 * import { ScriptParser } from "./parser.ts";
 * import { assertEquals } from "@std/assert";
 * const p = new ScriptParser("x.wire");
 * p.line('send c "a"');
 * p.line("repeat 2 {");
 * assertEquals(p.take().map((s) => s.kind), ["send"]);
 * p.line("}");
 * p.end("");
 * assertEquals(p.take().map((s) => s.kind), ["repeat"]);
 * ```
 */
export class ScriptParser {
  /** Lines skipped with a warning (a recording's torn last line). */
  readonly warnings: string[] = [];
  /** Characters fed so far (each line's, plus one for its end). */
  consumed = 0;
  #builder: BlockBuilder;
  #joiner = new LineJoiner({ blocks: false });
  #lineNo: number;
  #entryStart: number;
  #entryFirst = "";
  /** The physical lines since the last whole top-level statement (a block's text). */
  #physical: string[] = [];
  #recording: boolean | undefined;

  constructor(readonly file: string, readonly firstLine = 1) {
    this.#lineNo = firstLine;
    this.#entryStart = firstLine;
    this.#builder = new BlockBuilder(file, () => this.#physical.join("\n"));
  }

  /** Feeds the next physical line (without its line end). */
  line(raw: string): void {
    this.#feed(raw, false);
  }

  /**
   * Ends the input with `rest`, the text after the last line end: a recording's last
   * line without its `\n` that does not parse was cut by a hard stop, and is skipped with
   * a warning. Throws when an entry or a block is left open.
   */
  end(rest: string): void {
    this.#feed(rest, rest !== "");
    if (this.#joiner.pending) {
      const waiting = this.#joiner.waitingFor;
      const what = waiting === "continuation"
        ? 'the last line ends in "\\" with no line after it'
        : `the ${waiting} is not closed (no line holding only ${
          waiting?.slice("heredoc ".length)
        })`;
      throw new ScriptSyntaxError(what, this.file, at(this.#entryStart), this.#entryFirst);
    }
    this.#builder.finish();
  }

  /** Takes the top-level statements made whole since the last call. */
  take(): StatementBase[] {
    return this.#builder.take();
  }

  /** How many whole top-level statements wait to be taken. */
  get ready(): number {
    return this.#builder.ready;
  }

  #feed(raw: string, torn: boolean): void {
    const lineNo = this.#lineNo++;
    this.consumed += raw.length + 1;
    // a recording is written one whole line at a time, each ending in "\n": only its last
    // line, cut by a hard stop (SIGKILL, power loss), is forgiven; any other error stands
    this.#recording ??= raw.startsWith(RECORDING_HEADER);
    if (!this.#joiner.pending) {
      this.#entryStart = lineNo;
      this.#entryFirst = raw;
    }
    this.#physical.push(raw);
    const step = this.#joiner.feed(raw);
    if ("more" in step) return;
    try {
      if ("error" in step) {
        throw new ScriptSyntaxError(
          step.error,
          this.file,
          at(this.#entryStart),
          this.#entryFirst,
        );
      }
      this.#builder.line(step.line, this.#entryStart);
    } catch (e) {
      if (!(torn && this.#recording && e instanceof ScriptSyntaxError)) throw e;
      this.warnings.push(
        `${this.file}:${lineNo}: the recording's last line is cut off (the recorder was ` +
          `stopped mid-write); skipped`,
      );
    }
    if (this.#builder.depth === 0) this.#physical = [];
  }
}

function at(line: number): Span {
  return { line, col: 1, endCol: 2 };
}

/** How `wireplay record` begins a recording (what marks a file as one). */
export const RECORDING_HEADER = "# recorded by wireplay record";

/** A block being filled: the statement that opened it, and where. */
interface Frame {
  node: StatementBase;
  open: OpenedBlock;
  firstLine: number;
  lineText: string;
  span: Span;
}

/**
 * Builds statements from logical lines, nesting the lines of each block (a line ending
 * in `{` up to its `}`) into the body of the statement that opened it.
 */
class BlockBuilder {
  /** Top-level statements (the last one is still open while a block is). */
  #statements: StatementBase[] = [];
  #stack: Frame[] = [];

  constructor(
    readonly file: string,
    /** The physical lines of the top-level statement being built, joined. */
    readonly blockText: () => string,
  ) {}

  /** How deep in blocks the next line is. */
  get depth(): number {
    return this.#stack.length;
  }

  /** How many whole top-level statements wait to be taken. */
  get ready(): number {
    return this.#stack.length ? this.#statements.length - 1 : this.#statements.length;
  }

  /** Takes the whole top-level statements (a block still open stays). */
  take(): StatementBase[] {
    if (!this.#stack.length) {
      const all = this.#statements;
      this.#statements = [];
      return all;
    }
    return this.#statements.splice(0, this.#statements.length - 1);
  }

  /** Takes one logical line (`lineNo`: its first physical line). */
  line(text: string, lineNo: number): void {
    checkLength(text, lineNo, this.file);
    const r = new LineReader(text, lineNo, this.file);
    if (r.atEnd()) return;
    const top = this.#stack.at(-1);
    const start = r.pos;
    if (r.closeBrace()) {
      if (!top) return r.fail('"}" closes no block', r.spanFrom(start));
      this.#stack.pop();
      if (r.atEnd()) {
        // a top-level block keeps its text (the REPL's :load saves it); nested ones need not
        if (this.#stack.length) return;
        top.node.text = this.blockText();
        return;
      }
      const next = top.open.next;
      if (!next) return r.fail(`unexpected "${r.peekWord()}" after "}"`);
      next(r);
      r.end();
      const reopened: OpenedBlock | undefined = r.opened;
      if (!reopened) return r.fail('expected "{"');
      this.#stack.push({ ...top, open: reopened });
      return;
    }
    const base = { span: { line: lineNo, col: start + 1, endCol: text.length + 1 }, source: "" };
    let node: StatementBase;
    if (top?.open.lines) node = top.open.lines(r, base);
    else {
      const kw = r.word("a statement");
      const syntax = findStatement(kw.text);
      if (!syntax) {
        const hint = suggest(kw.text, allKeywords());
        return r.fail(
          `unknown statement "${kw.text}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
          kw.span,
        );
      }
      if (LOOP_ONLY.has(syntax.keyword) && !this.#stack.some((f) => f.open.loop)) {
        r.fail(`"${syntax.keyword}" stands only inside a loop (repeat, for)`, kw.span);
      }
      node = syntax.parse(r, base);
    }
    r.atEnd(); // reach a trailing comment, if any
    node.source = text.slice(start, r.commentAt ?? text.length).trim();
    (top ? top.open.body : this.#statements).push(node);
    if (r.opened) {
      this.#stack.push({
        node,
        open: r.opened,
        firstLine: lineNo,
        lineText: text,
        span: { line: lineNo, col: start + 1, endCol: text.length + 1 },
      });
    }
  }

  /** Ends the input: every block must be closed. */
  finish(): void {
    const open = this.#stack[0];
    if (open) {
      throw new ScriptSyntaxError(
        `this block is not closed (missing "}" for the "{" at the end of line ${open.firstLine})`,
        this.file,
        open.span,
        open.lineText,
      );
    }
  }
}

/** Statements that stand only inside a loop. */
const LOOP_ONLY = new Set(["break", "continue"]);

function checkLength(line: string, lineNumber: number, file: string): void {
  if (line.length > MAX_LINE_LENGTH) {
    throw new ScriptSyntaxError(`line longer than ${MAX_LINE_LENGTH} characters`, file, {
      line: lineNumber,
      col: 1,
      endCol: 2,
    }, line.slice(0, 80));
  }
}

/**
 * Parses one statement; returns undefined for a blank or comment-only line. A block
 * (the REPL collects its lines) comes as its physical lines joined by `\n`.
 *
 * @throws {ScriptSyntaxError}
 *
 * @example One line of the REPL
 * ```ts
 * import { parseStatement } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const node = parseStatement('send c "PING\\r\\n"');
 * assertEquals(node?.kind, "send");
 * assertEquals(parseStatement("# only a comment"), undefined);
 * ```
 */
export function parseStatement(
  line: string,
  lineNumber = 1,
  file = "<input>",
): StatementBase | undefined {
  const { statements } = parseScript(line, file, lineNumber);
  if (statements.length > 1) {
    const extra = statements[1]!;
    throw new ScriptSyntaxError(
      "one statement expected",
      file,
      extra.span,
      line.split("\n")[extra.span.line - lineNumber] ?? "",
    );
  }
  return statements[0];
}

/** The closest word within edit distance 2, for "did you mean". */
export function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export { ScriptSyntaxError };
