/**
 * The `replay` statement (issue 12): serves a recording's server side from a script,
 * like `wireplay replay`, and `expect NAME replayed` waits until every recorded
 * connection and HTTP exchange was served and fails on any deviation.
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { ExpectForm, StatementSyntax } from "./syntax.ts";

/** `replay FILE on ADDR as NAME [match PARTS] [ignore-header H]… [ignore-query Q]… [repeat N] [reuse] [timing recorded|none|F]` */
export interface ReplayNode extends StatementBase {
  kind: "replay";
  file: ValueNode;
  listen: ValueNode;
  name: string;
  match?: string;
  ignoreHeaders: string[];
  ignoreQuery: string[];
  repeat?: number;
  reuse: boolean;
  /** Factor for the recorded pauses (0: none). */
  timing?: number;
}

/** `expect NAME replayed [within D]` */
export interface ExpectReplayedNode extends StatementBase {
  kind: "expect-replayed";
  name: string;
  withinMs?: number;
}

const OPTIONS = ["match", "ignore-header", "ignore-query", "repeat", "reuse", "timing"];

/** The `replay` statement. */
export const REPLAY_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "replay",
    usage: "replay FILE on ADDR as NAME [match PARTS] [ignore-header H]… [ignore-query Q]… " +
      "[repeat N] [reuse] [timing recorded|none|F]",
    summary: "serves a recording's server side (HTTP by request) to clients of ADDR",
    example: 'replay "api.wire" on tcp://127.0.0.1:0 as r',
    completions: ["on", "as", ...OPTIONS],
    details: "As `wireplay replay`: HTTP exchanges match on method, path, query and body unless " +
      "`match` says otherwise (method,path,query,body,headers:NAME, or bytes); other " +
      "connections byte-exact. `expect NAME replayed` waits until all were served. " +
      "${NAME.port}, ${NAME.url}.",
    parse(r, base): ReplayNode {
      const file = r.value("a recording file");
      r.expectKeyword("on", "after the file");
      const listen = r.value("an address to listen on");
      r.expectKeyword("as", "after the address");
      const node: ReplayNode = {
        ...base,
        kind: "replay",
        file,
        listen,
        name: r.name("a name").text,
        ignoreHeaders: [],
        ignoreQuery: [],
        reuse: false,
      };
      while (!r.atEnd()) {
        if (r.keyword("match")) node.match = r.word("parts like method,path").text;
        else if (r.keyword("ignore-header")) node.ignoreHeaders.push(r.word("a header name").text);
        else if (r.keyword("ignore-query")) node.ignoreQuery.push(r.word("a query name").text);
        else if (r.keyword("repeat")) {
          const v = r.value("a count");
          if (v.type !== "number" || !Number.isInteger(v.value) || v.value < 1) {
            return r.fail("repeat is a whole number from 1", v.span);
          }
          node.repeat = v.value;
        } else if (r.keyword("reuse")) node.reuse = true;
        else if (r.keyword("timing")) {
          const w = r.word("recorded, none or a factor");
          if (w.text === "recorded") node.timing = 1;
          else if (w.text === "none") node.timing = 0;
          else if (/^\d+(\.\d+)?$/.test(w.text) && Number(w.text) > 0) node.timing = Number(w.text);
          else return r.fail(`"${w.text}" is recorded, none or a factor like 0.5`, w.span);
        } else r.fail(`unexpected "${r.peekWord()}" (options: ${OPTIONS.join(", ")})`);
      }
      return node;
    },
  },
];

/** `expect NAME replayed`, selected by the word after the name. */
export const REPLAY_NAMED_EXPECT_FORMS: ExpectForm[] = [
  {
    word: "replayed",
    usage: "expect NAME replayed [within D]",
    summary: "a replay served every recorded connection and exchange, none deviating",
    example: "expect r replayed within 5s",
    parse(r, base): ExpectReplayedNode {
      const name = r.name("replay name").text;
      r.expectKeyword("replayed");
      const node: ExpectReplayedNode = { ...base, kind: "expect-replayed", name };
      while (!r.atEnd()) {
        if (r.keyword("within")) node.withinMs = r.duration().ms;
        else r.fail(`unexpected "${r.peekWord()}" (options: within D)`);
      }
      return node;
    },
  },
];
