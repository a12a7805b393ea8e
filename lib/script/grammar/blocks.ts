/**
 * Blocks and control flow: `repeat`, `for`, `if`/`else`, `retry`, `break`, `continue`,
 * `fail`, and `include`. A block's header ends in `{`; the parser nests the lines up to
 * its `}` into the node's body (see `parser.ts`).
 *
 * @module
 */
import type { Span, StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import { ASSERT_OPS, type AssertOp } from "./core.ts";
import type { StatementSyntax } from "./syntax.ts";

/** A condition: `VALUE OP VALUE` (the operators of `assert`) or `exists NAME`. */
export type ConditionNode =
  | { type: "compare"; left: ValueNode; op: AssertOp; right: ValueNode; span: Span; text: string }
  | { type: "exists"; ref: string; span: Span; text: string };

/** `repeat N {` */
export interface RepeatNode extends StatementBase {
  kind: "repeat";
  count: number;
  body: StatementBase[];
}
/** `repeat until COND [max N] {` */
export interface RepeatUntilNode extends StatementBase {
  kind: "repeat-until";
  until: ConditionNode;
  max: number;
  body: StatementBase[];
}
/** `for NAME in VALUE… {` */
export interface ForNode extends StatementBase {
  kind: "for";
  name: string;
  values: ValueNode[];
  body: StatementBase[];
}
/** `if COND {` … `} else if COND {` … `} else {` … `}` */
export interface IfNode extends StatementBase {
  kind: "if";
  branches: { condition: ConditionNode; body: StatementBase[] }[];
  otherwise?: StatementBase[];
}
/** `retry N [every D] [backoff F] {` */
export interface RetryNode extends StatementBase {
  kind: "retry";
  attempts: number;
  everyMs: number;
  backoff: number;
  body: StatementBase[];
}
/** `break` / `continue` */
export interface LoopJumpNode extends StatementBase {
  kind: "break" | "continue";
}
/** `fail VALUE…` */
export interface FailNode extends StatementBase {
  kind: "fail";
  message: ValueNode[];
}
/** `include PATH` */
export interface IncludeNode extends StatementBase {
  kind: "include";
  path: ValueNode;
}

/** How many times `repeat until` runs its block when no `max` is given. */
export const DEFAULT_REPEAT_MAX = 1000;

const REF_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** Reads a condition: `exists NAME`, or `VALUE OP VALUE`. */
export function parseCondition(r: LineReader): ConditionNode {
  r.skipSpace();
  const start = r.pos;
  if (r.keyword("exists")) {
    const name = r.word("a variable name after exists");
    const ref = name.text.replace(/^\$\{(.*)\}$/, "$1");
    if (!REF_RE.test(ref)) {
      r.fail(`"${name.text}" is not a variable name (like token or r.json.id)`, name.span);
    }
    return { type: "exists", ref, span: r.spanFrom(start), text: r.text.slice(start, r.pos) };
  }
  if (r.peekWord() === "{") r.fail("expected a condition (VALUE OP VALUE, or exists NAME)");
  const left = r.value("a value to compare");
  const opWord = r.word("an operator (==, !=, ~, !~, <, >, <=, >=)");
  const op = ASSERT_OPS.find((o) => o === opWord.text);
  if (!op) {
    return r.fail(`"${opWord.text}" is not an operator (==, !=, ~, !~, <, >, <=, >=)`, opWord.span);
  }
  if (r.peekWord() === "{") r.fail(`expected a value after "${op}"`);
  const right = r.value("a value", { allowRegex: true });
  const text = r.text.slice(start, r.pos);
  return { type: "compare", left, op, right, span: r.spanFrom(start), text };
}

/** Reads the `else …` after a closing `}` of an `if`. */
function elseClause(node: IfNode): (r: LineReader) => void {
  return (r) => {
    r.expectKeyword("else", 'after "}" (or end the line)');
    if (r.keyword("if")) {
      const condition = parseCondition(r);
      node.branches.push({ condition, body: r.block({ next: elseClause(node) }) });
    } else {
      node.otherwise = r.block();
    }
  };
}

/** The block statements. */
export const BLOCK_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "repeat",
    usage: "repeat N { … }  |  repeat until CONDITION [max N] { … }",
    summary: "runs a block N times, or until a condition holds (checked after each round)",
    example: "repeat 3 {",
    details: "The block's lines follow, up to a line holding `}`. `repeat until` checks its " +
      "condition after each round and fails after `max` rounds (default " +
      `${DEFAULT_REPEAT_MAX}) if it still does not hold.\n` +
      "  repeat until ${r.status} == 200 max 10 {\n    http GET ${base}/health as r\n    sleep 200ms\n  }",
    completions: ["until", "max"],
    parse(r, base): RepeatNode | RepeatUntilNode {
      if (r.keyword("until")) {
        const until = parseCondition(r);
        const max = r.keyword("max")
          ? r.integer("a round count after max", 1).value
          : DEFAULT_REPEAT_MAX;
        return { ...base, kind: "repeat-until", until, max, body: r.block({ loop: true }) };
      }
      const count = r.integer("a repeat count", 0).value;
      return { ...base, kind: "repeat", count, body: r.block({ loop: true }) };
    },
  },
  {
    keyword: "for",
    usage: "for NAME in VALUE… { … }",
    summary: "runs a block once per value (a JSON array value gives its items)",
    example: "for key in a b c {",
    details: "Each value sets ${NAME} in turn; `${r.json.items}` (a JSON array) and " +
      "`[1, 2]` give one round per item.\n" +
      "  for id in ${r.json.ids} {\n    http GET ${base}/users/${id}\n    expect status 200\n  }",
    completions: ["in"],
    parse(r, base): ForNode {
      const name = r.name("loop variable name").text;
      r.expectKeyword("in", "after the loop variable");
      const values: ValueNode[] = [];
      while (r.peekWord() !== "{" && !r.atEnd()) values.push(r.value("a value to loop over"));
      if (!values.length) r.fail("expected values to loop over");
      return { ...base, kind: "for", name, values, body: r.block({ loop: true }) };
    },
  },
  {
    keyword: "if",
    usage: "if CONDITION { … } else if CONDITION { … } else { … }",
    summary: "runs a block when a condition holds (VALUE OP VALUE, or exists NAME)",
    example: 'if "${mode}" == "tls" {',
    details: "Operators are those of assert: == != ~ !~ < > <= >=; `exists NAME` tests that " +
      "a variable (or a field, r.json.id) is set. `} else if … {` and `} else {` continue it.\n" +
      '  if ${r.status} >= 500 {\n    fail "server error ${r.status}"\n  } else {\n    print ok\n  }',
    completions: ["exists", "else"],
    parse(r, base): IfNode {
      const condition = parseCondition(r);
      const node: IfNode = { ...base, kind: "if", branches: [] };
      node.branches.push({ condition, body: r.block({ next: elseClause(node) }) });
      return node;
    },
  },
  {
    keyword: "retry",
    usage: "retry N [every DURATION] [backoff FACTOR] { … }",
    summary:
      "runs a block until all of it succeeds, at most N times; reports only the last failure",
    example: "retry 5 every 200ms backoff 2 {",
    details: "Connections, listeners and servers opened by a failed attempt are closed before " +
      "the next. `every D` waits D between attempts; `backoff F` multiplies the wait by F " +
      "after each.\n" +
      "  retry 3 every 100ms {\n    http GET ${base}/flaky\n    expect status 200\n  }",
    completions: ["every", "backoff"],
    parse(r, base): RetryNode {
      const attempts = r.integer("an attempt count", 1, 10_000).value;
      let everyMs = 0;
      let backoff = 1;
      while (r.peekWord() !== "{" && !r.atEnd()) {
        if (r.keyword("every")) everyMs = r.duration('a duration after "every"').ms;
        else if (r.keyword("backoff")) {
          const f = r.word("a backoff factor");
          if (!/^\d+(\.\d+)?$/.test(f.text) || Number(f.text) < 1 || Number(f.text) > 100) {
            r.fail(`"${f.text}" is not a backoff factor (a number from 1 to 100)`, f.span);
          }
          backoff = Number(f.text);
        } else r.fail(`unexpected "${r.peekWord()}" (options: every D, backoff F)`);
      }
      return { ...base, kind: "retry", attempts, everyMs, backoff, body: r.block() };
    },
  },
  {
    keyword: "break",
    usage: "break",
    summary: "leaves the innermost repeat or for",
    example: "break",
    parse(r, base): LoopJumpNode {
      r.end();
      return { ...base, kind: "break" };
    },
  },
  {
    keyword: "continue",
    usage: "continue",
    summary: "goes on with the next round of the innermost repeat or for",
    example: "continue",
    parse(r, base): LoopJumpNode {
      r.end();
      return { ...base, kind: "continue" };
    },
  },
  {
    keyword: "fail",
    usage: "fail VALUE…",
    summary: "fails the script on purpose, with a message",
    example: 'fail "unexpected answer: ${v}"',
    parse(r, base): FailNode {
      const message: ValueNode[] = [];
      while (!r.atEnd()) message.push(r.value("a message"));
      if (!message.length) r.fail('expected a message (fail "why")');
      return { ...base, kind: "fail", message };
    },
  },
  {
    keyword: "include",
    usage: "include PATH",
    summary: "runs another script's statements here (same variables and connections)",
    example: 'include "login.wire"',
    details: "The path is relative to the including file; an include cycle is refused. " +
      "Errors point into the included file.",
    parse(r, base): IncludeNode {
      const path = r.value("a script path");
      r.end();
      return { ...base, kind: "include", path };
    },
  },
];
