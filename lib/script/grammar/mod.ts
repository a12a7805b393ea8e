/**
 * Every statement the language knows. Grammar modules export arrays of
 * {@linkcode StatementSyntax} (and `expect` forms); add new ones here.
 *
 * @module
 */
import { BLOCK_STATEMENTS } from "./blocks.ts";
import { CORE_STATEMENTS, EXPECT_CHANNEL } from "./core.ts";
import { isOneOf, parseExpectOneOf } from "./expect_one_of.ts";
import { PROXY_STATEMENTS } from "./proxy.ts";
import { HTTP_EXPECT_FORMS, HTTP_STATEMENTS } from "./http.ts";
import { TOOLS_STATEMENTS } from "./tools.ts";
import { TRANSFER_STATEMENTS } from "./transfer.ts";
import { SECRET_STATEMENTS } from "./secrets.ts";
import { MULTICAST_STATEMENTS } from "./socket_options.ts";
import { parseProcessExpect, PROCESS_EXPECT_WORDS, PROCESS_STATEMENTS } from "./process.ts";
import { RULES_NAMED_EXPECT_FORMS, RULES_STATEMENTS } from "./rules.ts";
import { REPLAY_NAMED_EXPECT_FORMS, REPLAY_STATEMENTS } from "./replay.ts";
import type { ExpectForm, StatementSyntax } from "./syntax.ts";
import { WS_NAMED_EXPECT_FORMS, WS_STATEMENTS } from "./websocket.ts";

/** Statement declarations, in help order. */
export const STATEMENTS: StatementSyntax[] = [
  ...CORE_STATEMENTS,
  ...BLOCK_STATEMENTS,
  ...PROXY_STATEMENTS,
  ...HTTP_STATEMENTS,
  ...TOOLS_STATEMENTS,
  ...TRANSFER_STATEMENTS,
  ...PROCESS_STATEMENTS,
  ...RULES_STATEMENTS,
  ...REPLAY_STATEMENTS,
  ...SECRET_STATEMENTS,
  ...MULTICAST_STATEMENTS,
  ...WS_STATEMENTS,
];

/** `expect WORD …` forms that are not `expect CHANNEL …` (e.g. `expect status`). */
export const EXPECT_FORMS: ExpectForm[] = [...HTTP_EXPECT_FORMS];

const ONE_OF_HELP =
  "  expect NAME one of [within D] { … } — runs the arm whose pattern arrives first:\n" +
  "    expect c one of {\n" +
  '      /^\\+OK/ as ok => {\n        print "ready"\n      }\n' +
  '      "-ERR" => {\n        fail "refused"\n      }\n' +
  '      timeout => {\n        send c "\\r\\n"\n      }\n' +
  "    }\n" +
  '  Arms: "text" (the next bytes, as expect), /regex/ [as VAR], eof, timeout.';

/** The `expect` statement: dispatches to a form by its first word, or to a channel. */
export const EXPECT_STATEMENT: StatementSyntax = {
  keyword: "expect",
  usage: EXPECT_CHANNEL.usage,
  summary: EXPECT_CHANNEL.summary,
  example: EXPECT_CHANNEL.example,
  get details() {
    return EXPECT_FORMS.length
      ? "Other forms:\n" +
        [
          ...EXPECT_FORMS,
          ...RULES_NAMED_EXPECT_FORMS,
          ...REPLAY_NAMED_EXPECT_FORMS,
          ...WS_NAMED_EXPECT_FORMS,
        ]
          .map((f) => `  ${f.usage} — ${f.summary}`).join("\n") +
        "\n" + ONE_OF_HELP
      : ONE_OF_HELP;
  },
  get completions() {
    return [
      "line",
      "bytes",
      "eof",
      "silence",
      "exit",
      "stderr",
      "as",
      "within",
      ...EXPECT_FORMS.map((f) => f.word),
    ];
  },
  parse(r, base) {
    const w = r.peekWord();
    const form = EXPECT_FORMS.find((f) => f.word === w);
    if (form) {
      r.word(form.word);
      return form.parse(r, base);
    }
    // `expect NAME exit …`, `expect NAME stderr …`: forms only a spawned process has
    const second = /^\s*\S+\s+(\S+)/.exec(r.text.slice(r.pos))?.[1];
    if (second && PROCESS_EXPECT_WORDS.includes(second)) return parseProcessExpect(r, base);
    // `expect NAME received …`: forms of a server, selected by the word after its name
    const named = [
      ...RULES_NAMED_EXPECT_FORMS,
      ...REPLAY_NAMED_EXPECT_FORMS,
      ...WS_NAMED_EXPECT_FORMS,
    ].find((f) => f.word === second);
    if (named) return named.parse(r, base);
    if (isOneOf(r)) return parseExpectOneOf(r, base);
    return EXPECT_CHANNEL.parse(r, base);
  },
};

/** Looks a statement up by keyword or alias. */
export function findStatement(keyword: string): StatementSyntax | undefined {
  const k = keyword.toLowerCase();
  if (k === "expect") return EXPECT_STATEMENT;
  return STATEMENTS.find((s) => s.keyword === k || s.aliases?.includes(k));
}

/** All keywords (for completion and suggestions). */
export function allKeywords(): string[] {
  return [...STATEMENTS.map((s) => s.keyword), "expect"];
}
