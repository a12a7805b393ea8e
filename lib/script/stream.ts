/**
 * Parses a script from text arriving in chunks and hands out its top-level statements
 * while the rest is still being read and parsed, so a long script (a big recording) starts
 * running at once. Pure: the chunks come from the caller.
 *
 * **When a syntax error is found.** The parser stays {@linkcode PARSE_AHEAD} characters
 * (4 Mi, about 4 MiB) ahead of the statement handed out: a statement is handed out only
 * once the text up to 4 Mi characters past its end has parsed, or the whole text has. So a
 * syntax error anywhere in a script shorter than that — any hand-written script — is
 * thrown before its first statement is handed out (nothing runs, as in Hurl); in a longer
 * one, an error further on than that is thrown when the parser reaches it, after the
 * statements before it were handed out (they ran, as in a shell).
 *
 * @module
 */
import type { StatementBase } from "./ast.ts";
import { LineSplitter, ScriptParser } from "./parser.ts";

/** How far (characters of script text) the parser stays ahead of what runs. */
export const PARSE_AHEAD = 4 * 1024 * 1024;

/**
 * A script whose statements are parsed as they are taken.
 *
 * @example
 * ```ts
 * import { parseStream } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 * const script = parseStream(['let a = 1\nprint "${a}"', "\n"], "x.wire");
 * const kinds = [];
 * for await (const node of script.statements) kinds.push(node.kind);
 * assertEquals(kinds, ["let", "print"]);
 * ```
 */
export interface ScriptStream {
  /** The file name shown in messages. */
  file: string;
  /** The statements, in order, each once the parser is far enough ahead of it. */
  statements: AsyncIterable<StatementBase>;
  /** Warnings found so far (a recording's torn last line); whole once `statements` ends. */
  warnings: string[];
}

/** Options for {@linkcode parseStream}. */
export interface ParseStreamOptions {
  /** How far the parser stays ahead of the statement handed out (default {@linkcode PARSE_AHEAD}). */
  ahead?: number;
  /** Called with each warning as it is found. */
  onWarning?: (message: string) => void;
}

/**
 * Parses text given in chunks (any cut: inside a line, a string, a `\r\n`).
 *
 * @throws {ScriptSyntaxError} from the iteration of `statements`, where the error stands.
 */
export function parseStream(
  chunks: AsyncIterable<string> | Iterable<string>,
  file: string,
  options: ParseStreamOptions = {},
): ScriptStream {
  const warnings: string[] = [];
  const ahead = options.ahead ?? PARSE_AHEAD;
  async function* statements(): AsyncGenerator<StatementBase> {
    const parser = new ScriptParser(file);
    const lines = new LineSplitter();
    /** Statements parsed, not yet handed out, each with how far the parser was at its end. */
    const queue: { node: StatementBase; at: number }[] = [];
    let head = 0;
    let warned = 0;
    const collect = () => {
      if (parser.ready) {
        for (const node of parser.take()) queue.push({ node, at: parser.consumed });
      }
      while (warned < parser.warnings.length) {
        const w = parser.warnings[warned++]!;
        warnings.push(w);
        options.onWarning?.(w);
      }
    };
    for await (const chunk of chunks) {
      for (const line of lines.push(chunk)) {
        parser.line(line);
        collect();
        while (head < queue.length && parser.consumed - queue[head]!.at >= ahead) {
          const { node } = queue[head]!;
          queue[head++] = undefined!; // let what ran go
          yield node;
        }
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
      }
    }
    parser.end(lines.end());
    collect();
    for (; head < queue.length; head++) yield queue[head]!.node;
  }
  return { file, statements: statements(), warnings };
}
