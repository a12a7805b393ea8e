/**
 * Evaluates comparisons and conditions: what `assert` checks and what `if` and
 * `repeat until` test (one rule for both).
 *
 * @module
 */
import type { ValueNode } from "../script/ast.ts";
import type { AssertOp } from "../script/grammar/core.ts";
import type { ConditionNode } from "../script/grammar/blocks.ts";
import type { Session } from "./session.ts";
import { evalText } from "./values.ts";
import { lookup } from "./vars.ts";

/** The outcome of a comparison, with how a report shows it. */
export interface Comparison {
  ok: boolean;
  expected: string;
  actual: string;
}

/**
 * Compares two values: `==`/`!=` as text, `~`/`!~` against a regex, `<` `>` `<=` `>=` as
 * numbers (a value that is not a number fails the statement).
 */
export async function compare(
  session: Session,
  leftNode: ValueNode,
  op: AssertOp,
  rightNode: ValueNode,
): Promise<Comparison> {
  const left = await evalText(session, leftNode);
  const actual = `"${left}"`;
  if (op === "~" || op === "!~") {
    const re = rightNode.type === "regex"
      ? new RegExp(rightNode.source, rightNode.flags)
      : new RegExp(await evalText(session, rightNode));
    return {
      ok: re.test(left) === (op === "~"),
      expected: `${op} /${re.source}/${re.flags}`,
      actual,
    };
  }
  const right = await evalText(session, rightNode);
  let ok: boolean;
  if (op === "==" || op === "!=") ok = (left === right) === (op === "==");
  else {
    const a = Number(left);
    const b = Number(right);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      return session.fail(`"${op}" compares numbers: "${left}" ${op} "${right}"`);
    }
    ok = op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
  }
  return { ok, expected: `${op} "${right}"`, actual };
}

/** True when a condition holds. */
export async function holds(session: Session, c: ConditionNode): Promise<boolean> {
  if (c.type === "exists") return lookup(session.vars, c.ref).found;
  return (await compare(session, c.left, c.op, c.right)).ok;
}
