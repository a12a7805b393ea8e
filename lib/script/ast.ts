/**
 * The `.wire` syntax tree. Pure data: no I/O anywhere in `lib/script/`.
 *
 * @module
 */

/**
 * A place in a script: 1-based line and columns (`endCol` exclusive).
 *
 * @example Where a statement is
 * ```ts
 * import { parseStatement, type Span } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const span: Span = parseStatement("  let a = 1", 3)!.span;
 * assertEquals([span.line, span.col], [3, 3]);
 * ```
 */
export interface Span {
  /** The line, from 1. */
  line: number;
  /** The first column, from 1. */
  col: number;
  /** The column after the last one. */
  endCol: number;
}

/** A piece of a string template: literal bytes or a `${path}` reference. */
export type StringPart = { bytes: Uint8Array } | { ref: string; span: Span };

/** A value as written in a script. */
export type ValueNode =
  /** `"text"` with escapes and `${var}` interpolation. */
  | { type: "string"; parts: StringPart[]; span: Span }
  /** `'text'`, nothing interpreted. */
  | { type: "raw"; text: string; span: Span }
  /** `hex "de ad be ef"`. */
  | { type: "hex"; bytes: Uint8Array; span: Span }
  /** `file "path"`: the file's bytes. */
  | { type: "file"; path: ValueNode; span: Span }
  /** `/source/flags`. */
  | { type: "regex"; source: string; flags: string; span: Span }
  /** `42`, `-1.5`. */
  | { type: "number"; value: number; span: Span }
  /** `250ms`, `2s`. */
  | { type: "duration"; ms: number; span: Span }
  /** `64KiB`, `10MB`. */
  | { type: "size"; bytes: number; span: Span }
  /** A bare word, possibly with `${var}` inside: `tcp://127.0.0.1:${srv.port}`. */
  | { type: "word"; parts: StringPart[]; text: string; span: Span }
  /** A JSON literal (`{"a": 1}`), `${var}` allowed inside. */
  | { type: "json"; parts: StringPart[]; text: string; span: Span };

/**
 * What every statement node has. Each grammar module defines its own node types.
 *
 * @example What every parsed statement has
 * ```ts
 * import { parseStatement, type StatementBase } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const node: StatementBase = parseStatement('send c "hi"')!;
 * assertEquals([node.kind, node.source], ["send", 'send c "hi"']);
 * ```
 */
export interface StatementBase {
  /** Which executor runs it, e.g. `"connect"`. */
  kind: string;
  /** The statement's position (its first column to the end of the line). */
  span: Span;
  /** The statement's source text (one line, trimmed; a block's header line). */
  source: string;
  /** A top-level block statement's whole text, header to closing `}`, as written. */
  text?: string;
}

/**
 * A parsed script.
 *
 * @example Count the statements of each kind
 * ```ts
 * import { parseScript, type Script } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const script: Script = parseScript('let a = 1\nprint "${a}"\n', "inline.wire");
 * assertEquals(script.statements.map((s) => s.kind), ["let", "print"]);
 * ```
 */
export interface Script {
  /** The file name shown in messages. */
  file: string;
  /** The statements, in order. */
  statements: StatementBase[];
  /** Lines skipped with a warning (a recording's torn last line), one message each. */
  warnings?: string[];
}
