/**
 * `expect NAME one of {` … `}`: waits for whichever of several patterns arrives first
 * and runs that arm's block (pexpect's `expect([...])`). Each line of the block is an
 * arm, `MATCHER [as VAR] => {` … `}`, where MATCHER is `"text"`, `/regex/`, `eof`, or
 * `timeout` (runs when nothing matched in time, instead of failing).
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";

/** What one arm waits for. */
export type ArmMatch = { type: "value"; value: ValueNode } | { type: "eof" } | {
  type: "timeout";
};

/** One arm of `expect NAME one of`. */
export interface ExpectArmNode extends StatementBase {
  kind: "expect-arm";
  match: ArmMatch;
  as?: string;
  body: StatementBase[];
}

/** `expect NAME one of [within D] {` */
export interface ExpectOneOfNode extends StatementBase {
  kind: "expect-one-of";
  channel: string;
  withinMs?: number;
  /** The arms, in order (the parser fills them). */
  arms: ExpectArmNode[];
}

/** True when the reader (after `expect`) stands at `NAME one of`. */
export function isOneOf(r: LineReader): boolean {
  return /^\s*\S+\s+one\s+of(\s|$)/.test(r.text.slice(r.pos));
}

/** Parses `NAME one of [within D] {`. */
export function parseExpectOneOf(
  r: LineReader,
  base: Omit<StatementBase, "kind">,
): ExpectOneOfNode {
  const channel = r.name("connection name").text;
  r.expectKeyword("one");
  r.expectKeyword("of");
  const withinMs = r.keyword("within") ? r.duration('a duration after "within"').ms : undefined;
  const arms = r.block({ lines: parseArm }) as ExpectArmNode[];
  return { ...base, kind: "expect-one-of", channel, withinMs, arms };
}

function parseArm(r: LineReader, base: Omit<StatementBase, "kind">): ExpectArmNode {
  let match: ArmMatch;
  const w = r.peekWord();
  if (w === "eof" || w === "timeout") {
    r.word(w);
    match = { type: w };
  } else {
    const value = r.value('an arm: "text", /regex/, eof or timeout, then => {', {
      allowRegex: true,
    });
    if (value.type === "number" || value.type === "duration" || value.type === "size") {
      r.fail("an arm matches text: quote it", value.span);
    }
    if (value.type === "word" && !value.text.startsWith("${")) {
      r.fail(
        `"${value.text}" is not an arm: "text", /regex/, eof or timeout, then => {`,
        value.span,
      );
    }
    match = { type: "value", value };
  }
  let as: string | undefined;
  if (r.keyword("as")) {
    if (match.type !== "value") r.fail(`${match.type} captures nothing; drop "as"`);
    as = r.name("variable name").text;
  }
  r.expectKeyword("=>", "after the arm's pattern");
  return { ...base, kind: "expect-arm", match, as, body: r.block() };
}
