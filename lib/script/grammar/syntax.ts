/**
 * How a statement is declared: its keyword, its help text, and the function that
 * parses the rest of its line into a node.
 *
 * @module
 */
import type { StatementBase } from "../ast.ts";
import type { LineReader } from "../reader.ts";

/** The declaration of one statement. */
export interface StatementSyntax {
  /** The canonical keyword, e.g. `connect`. */
  keyword: string;
  /** Other spellings accepted for it. */
  aliases?: string[];
  /** The usage line, e.g. `connect ADDR as NAME [ca FILE | insecure] [servername HOST]`. */
  usage: string;
  /** One line saying what it does. */
  summary: string;
  /** A line that works as typed. */
  example: string;
  /** Longer help for `:help KEYWORD`. */
  details?: string;
  /** Words completed after the keyword (option keywords). */
  completions?: string[];
  /** Parses what follows the keyword. `r` is positioned after it. */
  parse(r: LineReader, base: Omit<StatementBase, "kind">): StatementBase;
}

/**
 * A form of `expect` that is not about a named channel, e.g. `expect status 200`: the
 * word after `expect` selects it.
 */
export interface ExpectForm {
  /** The word after `expect`, e.g. `status`. */
  word: string;
  usage: string;
  summary: string;
  example: string;
  parse(r: LineReader, base: Omit<StatementBase, "kind">): StatementBase;
}
