/**
 * The one error the parser throws: a script that does not parse, with its position.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Span } from "./ast.ts";

/** A `.wire` syntax error: `file:line:col: message`, shown with the line and a caret. */
export class ScriptSyntaxError extends UsageError {
  override name = "ScriptSyntaxError";
  constructor(
    message: string,
    readonly file: string,
    readonly span: Span,
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

  override toString(): string {
    return this.render();
  }
}
