/**
 * Statements of rule-based mocks (issue 12): `on NAME line|bytes MATCH …`,
 * `on NAME connect …`, `on NAME default …` add rules to a `serve rules` server, and
 * `expect NAME received MATCH [count N] [within D]` checks what its clients sent.
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { ExpectForm, StatementSyntax } from "./syntax.ts";

/** `on NAME TRIGGER [MATCH] [when state S] [reply PAYLOAD…] [delay D] [state S] [close]` */
export interface OnNode extends StatementBase {
  kind: "on";
  server: string;
  trigger: "connect" | "line" | "bytes" | "default";
  /** A regex, or a payload matched exactly (a whole line for `line`). */
  match?: ValueNode;
  whenState?: string;
  reply: ValueNode[];
  delayMs?: number;
  setState?: string;
  close: boolean;
}

/** `expect NAME received MATCH [count N] [within D]` */
export interface ExpectReceivedNode extends StatementBase {
  kind: "expect-received";
  server: string;
  match: ValueNode;
  count?: number;
  withinMs?: number;
}

const TRIGGERS = ["connect", "line", "bytes", "default"] as const;
const OPTIONS = ["when", "reply", "delay", "state", "close"];

/** The `on` statement. */
export const RULES_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "on",
    usage: "on SERVER line|bytes MATCH | connect | default [when state S] [reply PAYLOAD…] " +
      "[delay D] [state S] [close]",
    summary: "adds a rule to a serve rules mock: what triggers it, what it replies",
    example: 'on m line /^PING/ reply "+PONG\\r\\n"',
    completions: [...TRIGGERS, ...OPTIONS],
    details: "Rules are tried in the order written; the first that matches fires. `line` " +
      "tests each line (without its line ending), `bytes` searches what arrived, `connect` " +
      "fires when a client connects (the server speaks first), `default` takes a line no " +
      "other rule took. In the reply, ${1} (or {{1}}) is the first regex capture (${0} the whole " +
      "match). Each connection starts in state `start`; `state S` moves it to S, " +
      "`when state S` limits a rule to S. `close` closes after the reply.",
    parse(r, base): OnNode {
      const server = r.name("server name").text;
      const t = r.word(TRIGGERS.join(", "));
      const trigger = TRIGGERS.find((x) => x === t.text);
      if (!trigger) return r.fail(`"${t.text}" is not ${TRIGGERS.join(", ")}`, t.span);
      const node: OnNode = { ...base, kind: "on", server, trigger, reply: [], close: false };
      if (trigger === "line" || trigger === "bytes") {
        node.match = r.value("a /regex/ or a payload", { allowRegex: true });
      }
      while (!r.atEnd()) {
        if (r.keyword("when")) {
          r.expectKeyword("state", "after when");
          node.whenState = r.name("state name").text;
        } else if (r.keyword("reply")) {
          do node.reply.push(r.value("a payload")); while (
            !r.atEnd() && !OPTIONS.includes(r.peekWord()!.toLowerCase())
          );
        } else if (r.keyword("delay")) node.delayMs = r.duration().ms;
        else if (r.keyword("state")) node.setState = r.name("state name").text;
        else if (r.keyword("close")) node.close = true;
        else r.fail(`unexpected "${r.peekWord()}" (options: ${OPTIONS.join(", ")})`);
      }
      return node;
    },
  },
];

/** `expect NAME received …`, selected by the word after the name. */
export const RULES_NAMED_EXPECT_FORMS: ExpectForm[] = [
  {
    word: "received",
    usage: "expect SERVER received MATCH [count N] [within D]",
    summary: "a serve rules mock received a line (or bytes) matching MATCH (N times)",
    example: "expect m received /^PING/ count 50",
    parse(r, base): ExpectReceivedNode {
      const server = r.name("server name").text;
      r.expectKeyword("received");
      const node: ExpectReceivedNode = {
        ...base,
        kind: "expect-received",
        server,
        match: r.value("a /regex/ or text", { allowRegex: true }),
      };
      while (!r.atEnd()) {
        if (r.keyword("count")) {
          const v = r.value("a count");
          if (v.type !== "number" || !Number.isInteger(v.value) || v.value < 0) {
            return r.fail("count is a whole number", v.span);
          }
          node.count = v.value;
        } else if (r.keyword("within")) node.withinMs = r.duration().ms;
        else r.fail(`unexpected "${r.peekWord()}" (options: count N, within D)`);
      }
      return node;
    },
  },
];
