/**
 * Parses `.wire` text into a {@linkcode Script}. Pure: no I/O. Throws only
 * {@linkcode ScriptSyntaxError}.
 *
 * @module
 */
import type { Script, StatementBase } from "./ast.ts";
import { allKeywords, findStatement } from "./grammar/mod.ts";
import { LineReader } from "./reader.ts";
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
export function parseScript(text: string, file = "<script>"): Script {
  const statements: StatementBase[] = [];
  const body = text.replace(/^\uFEFF/, "");
  const lines = body.split(/\r?\n/);
  // a recording is written one whole line at a time, each ending in "\n": a last line
  // without its "\n" that does not parse was cut by a hard stop (SIGKILL, power loss).
  // Only that line of a file the recorder wrote is forgiven; any other error stands.
  const torn = body.startsWith(RECORDING_HEADER) && !body.endsWith("\n");
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let node;
    try {
      node = parseStatement(lines[i]!, i + 1, file);
    } catch (e) {
      if (!(torn && i === lines.length - 1 && e instanceof ScriptSyntaxError)) throw e;
      warnings.push(
        `${file}:${i + 1}: the recording's last line is cut off (the recorder was stopped ` +
          `mid-write); skipped`,
      );
      continue;
    }
    if (node) statements.push(node);
  }
  return warnings.length ? { file, statements, warnings } : { file, statements };
}

/** How `wireplay record` begins a recording (what marks a file as one). */
export const RECORDING_HEADER = "# recorded by wireplay record";

/**
 * Parses one line; returns undefined for a blank or comment-only line.
 *
 * @throws {ScriptSyntaxError}
 */
export function parseStatement(
  line: string,
  lineNumber = 1,
  file = "<input>",
): StatementBase | undefined {
  if (line.length > MAX_LINE_LENGTH) {
    throw new ScriptSyntaxError(`line longer than ${MAX_LINE_LENGTH} characters`, file, {
      line: lineNumber,
      col: 1,
      endCol: 2,
    }, line.slice(0, 80));
  }
  const r = new LineReader(line, lineNumber, file);
  if (r.atEnd()) return undefined;
  const start = r.pos;
  const kw = r.word("a statement");
  const syntax = findStatement(kw.text);
  if (!syntax) {
    const hint = suggest(kw.text, allKeywords());
    return r.fail(
      `unknown statement "${kw.text}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
      kw.span,
    );
  }
  const base = { span: { line: lineNumber, col: start + 1, endCol: line.length + 1 }, source: "" };
  const node = syntax.parse(r, base);
  r.atEnd(); // reach a trailing comment, if any
  node.source = line.slice(start, r.commentAt ?? line.length).trim();
  return node;
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
