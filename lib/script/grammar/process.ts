/**
 * Local programs as channels: `spawn "COMMAND ARGS…" as NAME [cwd DIR] [env K=V…]`,
 * and the `expect` forms that only a process has: `expect NAME exit [CODE]` and
 * `expect NAME stderr MATCHER…` (the program's stderr is a second stream, shown and
 * logged as `NAME.stderr`).
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import { concatBytes } from "../../bytes/text.ts";
import { splitCommandLine } from "../../process/argv.ts";
import { EXPECT_CHANNEL, type ExpectNode } from "./core.ts";
import type { StatementSyntax } from "./syntax.ts";

/** `spawn "COMMAND ARGS…" as NAME [cwd DIR] [env K=V…]` */
export interface SpawnNode extends StatementBase {
  kind: "spawn";
  command: ValueNode;
  name: string;
  cwd?: ValueNode;
  /** `K=V` words, `${…}` allowed in V. */
  env: ValueNode[];
}

/** `expect NAME exit [CODE] [within D]` */
export interface ExpectExitNode extends StatementBase {
  kind: "expect-exit";
  name: string;
  code?: number;
  withinMs?: number;
}

/** The name a process's stderr channel goes by (in live output, `:conns`, traces). */
export function stderrChannelName(process: string): string {
  return `${process}.stderr`;
}

/** How `expect` names a channel: `p.stderr` is written `p stderr`. */
export function expectTarget(channel: string): string {
  return channel.endsWith(".stderr") ? `${channel.slice(0, -".stderr".length)} stderr` : channel;
}

/** Words that, after `expect NAME`, select a process form. */
export const PROCESS_EXPECT_WORDS = ["exit", "stderr"];

const ENV_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Parses `expect NAME exit …` or `expect NAME stderr …` (the reader is after `expect`). */
export function parseProcessExpect(
  r: LineReader,
  base: Omit<StatementBase, "kind">,
): ExpectExitNode | ExpectNode {
  const name = r.name("process name").text;
  if (r.peekWord() === "stderr") {
    // `stderr` stands where the channel name would: parse the rest as a stream expect
    const node = EXPECT_CHANNEL.parse(r, base);
    return { ...node, channel: stderrChannelName(name) };
  }
  r.word("exit");
  const node: ExpectExitNode = { ...base, kind: "expect-exit", name };
  const next = r.peekWord();
  if (next !== undefined && /^-?\d+$/.test(next)) {
    node.code = r.integer("an exit code", 0, 255).value;
  }
  while (!r.atEnd()) {
    if (r.keyword("within")) node.withinMs = r.duration('a duration after "within"').ms;
    else r.fail(`unexpected "${r.peekWord()}" (expect NAME exit [CODE] [within D])`);
  }
  return node;
}

/** The process statements. */
export const PROCESS_STATEMENTS: StatementSyntax[] = [{
  keyword: "spawn",
  usage: 'spawn "COMMAND ARGS…" as NAME [cwd DIR] [env K=V…]',
  summary: "starts a local program: send writes its stdin, expect reads its stdout",
  example: 'spawn "cat" as p',
  completions: ["as", "cwd", "env"],
  details: "The program runs directly, no shell: words split on spaces, '…' and \"…\" quote. " +
    "`expect NAME stderr MATCHER` reads its stderr (shown as NAME.stderr), " +
    "`expect NAME exit [CODE]` waits for it to end, `shutdown NAME` closes its stdin, " +
    "`close NAME` stops it (SIGTERM, SIGKILL 2s later). Needs Deno's --allow-run.",
  parse(r, base): SpawnNode {
    const command = r.value('the command, in quotes: "program arg…"');
    if (command.type === "string" && command.parts.every((p) => "bytes" in p)) {
      try {
        const bytes = command.parts.map((p) => ("bytes" in p ? p.bytes : new Uint8Array()));
        splitCommandLine(new TextDecoder().decode(concatBytes(bytes)));
      } catch (e) {
        r.fail((e as Error).message, command.span);
      }
    }
    r.expectKeyword("as", "after the command");
    const name = r.name("process name").text;
    const node: SpawnNode = { ...base, kind: "spawn", command, name, env: [] };
    while (!r.atEnd()) {
      if (r.keyword("cwd")) node.cwd = r.value("a folder");
      else if (r.keyword("env")) {
        const first = r.peekWord();
        if (first === undefined || !ENV_WORD.test(first)) r.fail("expected NAME=VALUE after env");
        while (ENV_WORD.test(r.peekWord() ?? "")) node.env.push(r.value("NAME=VALUE"));
      } else r.fail(`unexpected "${r.peekWord()}" (options: cwd DIR, env NAME=VALUE…)`);
    }
    return node;
  },
}];
