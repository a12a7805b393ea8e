/**
 * Executors of the block statements: loops, `if`, `retry`, `break`/`continue`, `fail`,
 * `include`. Bodies run through the one interpreter ({@linkcode runBody}).
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import type {
  FailNode,
  ForNode,
  IfNode,
  IncludeNode,
  RepeatNode,
  RepeatUntilNode,
  RetryNode,
} from "../../script/grammar/blocks.ts";
import { holds } from "../condition.ts";
import { ExpectationError } from "../failure.ts";
import { openScriptFile, runBody } from "../interpreter.ts";
import type { Session } from "../session.ts";
import { evalText, evalVar } from "../values.ts";
import type { Var } from "../vars.ts";
import type { Executor } from "./executor.ts";

/** Thrown by `break` and `continue`; the innermost loop catches it. */
export class LoopJump {
  constructor(readonly kind: "break" | "continue") {}
}

/** When a loop last let timers and signals run (a loop of `let`s never waits on I/O). */
let lastYield = 0;

/** Between rounds: stops on Ctrl-C, and lets the event loop run every 20 ms or so. */
async function checkpoint(session: Session): Promise<void> {
  if (performance.now() - lastYield > 20) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    lastYield = performance.now();
  }
  if (session.signal?.aborted) session.fail("cancelled");
}

/** Runs one round of a loop body; false when `break` ended the loop. */
async function round(body: RepeatNode["body"], session: Session): Promise<boolean> {
  await checkpoint(session);
  try {
    await runBody(body, session);
  } catch (e) {
    if (!(e instanceof LoopJump)) throw e;
    if (e.kind === "break") return false;
  }
  return true;
}

const repeat: Executor<RepeatNode> = async (node, session) => {
  for (let i = 0; i < node.count; i++) {
    if (!await round(node.body, session)) return;
  }
};

const repeatUntil: Executor<RepeatUntilNode> = async (node, session) => {
  for (let i = 0; i < node.max; i++) {
    if (!await round(node.body, session)) return;
    if (await holds(session, node.until)) return;
  }
  session.fail(`still not true after ${node.max} round${node.max === 1 ? "" : "s"}`, {
    expected: node.until.text,
  });
};

const forEach: Executor<ForNode> = async (node, session) => {
  const items: Var[] = [];
  for (const v of node.values) {
    const value = await evalVar(session, v);
    if (Array.isArray(value)) items.push(...value);
    else items.push(value);
  }
  for (const item of items) {
    session.vars.set(node.name, item);
    if (!await round(node.body, session)) return;
  }
};

const ifStatement: Executor<IfNode> = async (node, session) => {
  for (const branch of node.branches) {
    if (await holds(session, branch.condition)) return await runBody(branch.body, session);
  }
  if (node.otherwise) await runBody(node.otherwise, session);
};

/** Waits `ms`, or fails the statement when the session is cancelled. */
function pause(ms: number, session: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      try {
        session.fail("cancelled");
      } catch (e) {
        reject(e);
      }
    };
    const timer = setTimeout(() => {
      session.signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (session.signal?.aborted) return onAbort();
    session.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const retry: Executor<RetryNode> = async (node, session) => {
  let wait = node.everyMs;
  for (let attempt = 1;; attempt++) {
    const before = new Set(session.resources.keys());
    try {
      await runBody(node.body, session);
      return;
    } catch (e) {
      if (!(e instanceof ExpectationError) || session.signal?.aborted) throw e;
      // what the failed attempt opened is closed before the next
      for (const name of [...session.resources.keys()].reverse()) {
        if (before.has(name)) continue;
        await session.remove(name).catch(() => {});
        session.vars.delete(name);
      }
      if (attempt >= node.attempts) {
        throw new ExpectationError(
          `${e.reason} (attempt ${attempt} of ${node.attempts}; every attempt failed)`,
          e.file,
          e.span,
          e.statement,
          e.details,
          { cause: e },
        );
      }
    }
    if (wait > 0) await pause(wait, session);
    wait = Math.min(wait * node.backoff, 2 ** 31 - 1);
  }
};

const fail: Executor<FailNode> = async (node, session) => {
  const parts: string[] = [];
  for (const v of node.message) parts.push(await evalText(session, v));
  session.fail(parts.join(" "));
};

const jump: Executor = (node: { kind: "break" | "continue" }) => {
  throw new LoopJump(node.kind);
};

/** Session state: the resolved paths of the scripts being run, outermost first. */
const INCLUDING = "wireplay.including";

const include: Executor<IncludeNode> = async (node, session) => {
  const typed = await evalText(session, node.path);
  const path = session.path(typed);
  const shown = isAbsolute(typed) || session.file.startsWith("<")
    ? typed
    : join(dirname(session.file), typed);
  let chain = session.state.get(INCLUDING) as string[] | undefined;
  if (!chain) {
    chain = session.file.startsWith("<") ? [] : [resolve(session.file)];
    session.state.set(INCLUDING, chain);
  }
  if (chain.includes(path)) {
    const names = [...chain.slice(chain.indexOf(path)), path];
    session.fail(`include cycle: ${names.join(" → ")}`);
  }
  let script;
  try {
    script = await openScriptFile(path, shown);
  } catch (e) {
    return session.fail(`cannot include "${typed}": ${(e as Error).message}`);
  }
  const outer = { file: session.file, baseDir: session.baseDir };
  chain.push(path);
  session.file = shown;
  session.baseDir = dirname(path);
  try {
    await runBody(script.statements, session);
  } finally {
    chain.pop();
    session.file = outer.file;
    session.baseDir = outer.baseDir;
  }
};

/** Executors of the block statements, by kind. */
export const BLOCK_EXECUTORS: Record<string, Executor> = {
  repeat,
  "repeat-until": repeatUntil,
  for: forEach,
  if: ifStatement,
  retry,
  break: jump,
  continue: jump,
  fail,
  include,
};
