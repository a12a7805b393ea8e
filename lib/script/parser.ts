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
  const body = text.replace(/^\uFEFF/, "");
  const lines = body.split(/\r?\n/);
  // a recording is written one whole line at a time, each ending in "\n": a last line
  // without its "\n" that does not parse was cut by a hard stop (SIGKILL, power loss).
  // Only that line of a file the recorder wrote is forgiven; any other error stands.
  const torn = body.startsWith(RECORDING_HEADER) && !body.endsWith("\n");
  const warnings: string[] = [];
  const builder = new BlockBuilder(file, lines, firstLine);
  const joiner = new LineJoiner({ blocks: false });
  let entryStart = firstLine;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = firstLine + i;
    if (!joiner.pending) entryStart = lineNo;
    const step = joiner.feed(lines[i]!);
    if ("more" in step) continue;
    try {
      if ("error" in step) {
        throw new ScriptSyntaxError(
          step.error,
          file,
          at(entryStart),
          lines[entryStart - firstLine]!,
        );
      }
      builder.line(step.line, entryStart);
    } catch (e) {
      if (!(torn && i === lines.length - 1 && e instanceof ScriptSyntaxError)) throw e;
      warnings.push(
        `${file}:${lineNo}: the recording's last line is cut off (the recorder was stopped ` +
          `mid-write); skipped`,
      );
    }
  }
  if (joiner.pending) {
    const what = joiner.waitingFor === "continuation"
      ? 'the last line ends in "\\" with no line after it'
      : `the ${joiner.waitingFor} is not closed (no line holding only ${
        joiner.waitingFor?.slice("heredoc ".length)
      })`;
    throw new ScriptSyntaxError(what, file, at(entryStart), lines[entryStart - firstLine]!);
  }
  builder.finish();
  const statements = builder.statements;
  return warnings.length ? { file, statements, warnings } : { file, statements };
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
  readonly statements: StatementBase[] = [];
  #stack: Frame[] = [];

  constructor(
    readonly file: string,
    readonly physical: string[],
    readonly firstLine: number,
  ) {}

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
        top.node.text = this.physical.slice(
          top.firstLine - this.firstLine,
          lineNo - this.firstLine + 1,
        )
          .join("\n");
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
    (top ? top.open.body : this.statements).push(node);
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
