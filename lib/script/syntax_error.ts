/**
 * The one error the parser throws: a script that does not parse, with its position.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Span } from "./ast.ts";

/**
 * A `.wire` syntax error: `file:line:col: message`, shown with the line and a caret.
 *
 * @example Where a script goes wrong
 * ```ts
 * import { parseScript, ScriptSyntaxError } from "@wireplay/wireplay";
 * import { assertEquals, assertThrows } from "@std/assert";
 * const e = assertThrows(() => parseScript("connect\n", "bad.wire"), ScriptSyntaxError);
 * assertEquals(e.where?.startsWith("bad.wire:1:"), true);
 * ```
 */
export class ScriptSyntaxError extends UsageError {
  /** Always `"ScriptSyntaxError"`. */
  override name = "ScriptSyntaxError";
  /** Makes the error; `where` is `file:line:col`. */
  constructor(
    message: string,
    /** The script's path as shown in messages. */
    readonly file: string,
    /** Where in the line the mistake is. */
    readonly span: Span,
    /** The whole source line, for the caret rendering. */
    readonly lineText: string,
  ) {
    super(message, { where: `${file}:${span.line}:${span.col}` });
  }

  /** The compiler-style rendering: the one line, then the source line and a caret. */
  render(): string {
    const gutter = String(this.span.line);
    const pad = " ".repeat(gutter.length);
    const width = Math.max(1, this.span.endCol - this.span.col);
    return [
      `${this.where}: ${this.message}`,
      `${pad} |`,
      `${gutter} | ${this.lineText}`,
      `${pad} | ${" ".repeat(this.span.col - 1)}${"^".repeat(width)}`,
    ].join("\n");
  }

  /** The same as {@linkcode ScriptSyntaxError.render}. */
  override toString(): string {
    return this.render();
  }
}
