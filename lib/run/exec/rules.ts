/**
 * Runs the rules-mock statements: `on m …` adds a rule to a `serve rules` server,
 * `expect m received …` checks what its clients sent.
 *
 * @module
 */
import type { ValueNode } from "../../script/ast.ts";
import type { ExpectReceivedNode, OnNode } from "../../script/grammar/rules.ts";
import { isRulesServer, type RulesServerHandle } from "../../servers/rules/server.ts";
import type { ReplyPart } from "../../servers/rules/rules.ts";
import type { Session } from "../session.ts";
import { evalBytes } from "../values.ts";
import type { Executor } from "./executor.ts";

function rulesServer(session: Session, name: string): RulesServerHandle {
  const resource = session.get(name);
  if (!isRulesServer(resource.handle)) {
    return session.fail(`"${name}" is a ${resource.kind}, not a serve rules server`);
  }
  return resource.handle;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A matcher value as a regex: a regex as written, a payload matched exactly. */
async function patternOf(session: Session, v: ValueNode, wholeLine: boolean): Promise<RegExp> {
  if (v.type === "regex") {
    try {
      return new RegExp(v.source, v.flags);
    } catch (e) {
      return session.fail(`invalid regex: ${(e as Error).message}`);
    }
  }
  const bytes = await evalBytes(session, v);
  const text = wholeLine
    ? new TextDecoder("utf-8", { fatal: false }).decode(bytes)
    : new TextDecoder("latin1").decode(bytes);
  return new RegExp(wholeLine ? `^${escapeRegex(text)}$` : escapeRegex(text));
}

/** Splits literal bytes on `{{N}}` captures. */
function literalParts(bytes: Uint8Array, out: ReplyPart[]): void {
  const text = new TextDecoder("latin1").decode(bytes);
  let at = 0;
  for (const m of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) {
    if (m.index > at) out.push({ bytes: bytes.slice(at, m.index) });
    out.push({ group: Number(m[1]) });
    at = m.index + m[0].length;
  }
  if (at < bytes.byteLength) out.push({ bytes: bytes.slice(at) });
}

/**
 * A reply payload: `${N}` and `{{N}}` are regex capture N (`0` the whole match), kept for
 * when the rule fires; other `${…}` are evaluated now.
 */
async function replyParts(session: Session, values: ValueNode[]): Promise<ReplyPart[]> {
  const out: ReplyPart[] = [];
  for (const v of values) {
    if (v.type !== "string" && v.type !== "word") {
      literalParts(await evalBytes(session, v), out);
      continue;
    }
    for (const p of v.parts) {
      if ("bytes" in p) literalParts(p.bytes, out);
      else if (/^\d+$/.test(p.ref)) out.push({ group: Number(p.ref) });
      else {out.push({
          bytes: await evalBytes(session, { type: "string", parts: [p], span: p.span }),
        });}
    }
  }
  return out;
}

const on: Executor<OnNode> = async (node, session) => {
  const server = rulesServer(session, node.server);
  server.rules.push({
    trigger: node.trigger,
    pattern: node.match ? await patternOf(session, node.match, node.trigger === "line") : undefined,
    whenState: node.whenState,
    reply: await replyParts(session, node.reply),
    delayMs: node.delayMs,
    setState: node.setState,
    close: node.close,
    hits: 0,
    where: `${session.file}:${node.span.line}`,
  });
  session.done(node);
};

const expectReceived: Executor<ExpectReceivedNode> = async (node, session) => {
  const server = rulesServer(session, node.server);
  const re = await patternOf(session, node.match, true);
  const timeout = node.withinMs ?? session.timeoutMs;
  const need = node.count === undefined ? 1 : Math.max(node.count, 1);
  const started = performance.now();
  if (node.count !== 0) {
    await server.received.waitUntil(
      () => server.received.count(re) >= need,
      timeout,
      session.signal,
    );
  }
  const got = server.received.count(re);
  const ok = node.count === undefined ? got > 0 : got === node.count;
  if (!ok) {
    const last = server.received.entries.slice(-10);
    return session.fail(
      node.count === undefined
        ? "nothing matching was received"
        : `expected ${node.count} matching message(s), got ${got}`,
      {
        expected: `${node.count ?? "at least 1"} × ${re}`,
        actual: String(got),
        waitedMs: performance.now() - started,
        timeoutMs: timeout,
        notes: [
          `received (last ${last.length} of ${server.received.entries.length}): ${
            last.map((e) => JSON.stringify(e)).join(", ") || "nothing"
          }`,
        ],
      },
    );
  }
  session.done(node);
};

/** Executors of the rules-mock statements, by kind. */
export const RULES_EXECUTORS: Record<string, Executor> = {
  on,
  "expect-received": expectReceived,
};
