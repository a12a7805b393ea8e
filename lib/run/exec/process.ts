/**
 * Executors of `spawn` and `expect NAME exit` (see `lib/script/grammar/process.ts`). A
 * process is a resource whose stream is its stdout + stdin; its stderr is a second
 * stream registered as `NAME.stderr`, closed with it.
 *
 * @module
 */
import { escapeForDisplay } from "../../bytes/escape.ts";
import { splitCommandLine } from "../../process/argv.ts";
import { type ChildProcess, startChild } from "../../process/child.ts";
import {
  type ExpectExitNode,
  type SpawnNode,
  stderrChannelName,
} from "../../script/grammar/process.ts";
import { StreamChannel } from "../../transport/stream_channel.ts";
import type { Resource, Session } from "../session.ts";
import { evalText } from "../values.ts";
import type { Executor } from "./executor.ts";

/** What a process resource keeps in `handle`. */
export interface ProcessHandle {
  child: ChildProcess;
  stdout: StreamChannel;
  stderr: StreamChannel;
}

/** Describes how a program ended: `exit 3` or `killed by SIGTERM`. */
export function describeStatus(s: Deno.CommandStatus): string {
  return s.signal ? `killed by ${s.signal}` : `exit ${s.code}`;
}

/** Builds the resources of a started program (also used by `serve exec`). */
export function processResources(
  name: string,
  child: ChildProcess,
  options: { events?: Session["events"]; onClose?: () => void } = {},
): { main: Resource; stderr: Resource } {
  const stdout = new StreamChannel(name, "process", child.stdio, { events: options.events });
  const errName = stderrChannelName(name);
  const stderr = new StreamChannel(errName, "process", child.stderr, { events: options.events });
  const command = child.argv.join(" ");
  const handle: ProcessHandle = { child, stdout, stderr };
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      options.onClose?.();
      await stdout.closeWrite();
      await child.stop();
      await Promise.all([stdout.close(), stderr.close()]);
    })();
  const main: Resource = {
    name,
    kind: "process",
    openedAt: stdout.openedAt,
    local: () => `pid ${child.pid}`,
    remote: () => command,
    bytesIn: () => stdout.bytesIn,
    bytesOut: () => stdout.bytesOut,
    vars: () => ({ $: command, pid: child.pid, command }),
    close,
    stream: stdout,
    handle,
  };
  const err: Resource = {
    name: errName,
    kind: "stderr",
    openedAt: stderr.openedAt,
    local: () => `pid ${child.pid}`,
    remote: () => command,
    bytesIn: () => stderr.bytesIn,
    vars: () => ({ $: command }),
    close: () => stderr.close(),
    stream: stderr,
  };
  return { main, stderr: err };
}

const spawn: Executor<SpawnNode> = async (node, session) => {
  session.claim(node.name);
  const commandText = await evalText(session, node.command);
  let argv: string[];
  try {
    argv = splitCommandLine(commandText);
  } catch (e) {
    return session.fail((e as Error).message);
  }
  const env: Record<string, string> = {};
  for (const w of node.env) {
    const text = await evalText(session, w);
    const eq = text.indexOf("=");
    env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  let child: ChildProcess;
  try {
    child = startChild(argv, {
      cwd: node.cwd ? session.path(await evalText(session, node.cwd)) : undefined,
      env,
    });
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail((e as Error).message);
  }
  const errName = stderrChannelName(node.name);
  const { main, stderr } = processResources(node.name, child, {
    events: session.events,
    onClose: () => {
      if (session.resources.get(errName) === stderr) session.resources.delete(errName);
    },
  });
  session.add(main);
  session.resources.set(errName, stderr);
};

/** The process named `name`, or a failed statement. */
function processOf(session: Session, name: string): ProcessHandle {
  const r = session.get(name);
  if (r.kind !== "process") return session.fail(`"${name}" is a ${r.kind}, not a process`);
  return r.handle as ProcessHandle;
}

const expectExit: Executor<ExpectExitNode> = async (node, session) => {
  const p = processOf(session, node.name);
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  const expected = node.code === undefined ? "the program to end" : `exit ${node.code}`;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await Promise.race([
    p.child.status,
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs))),
    new Promise<"aborted">((r) => {
      onAbort = () => r("aborted");
      if (session.signal?.aborted) onAbort();
      else session.signal?.addEventListener("abort", onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) session.signal?.removeEventListener("abort", onAbort);
  const notes = stderrNote(p.stderr);
  if (outcome === "aborted") return session.fail("cancelled");
  if (outcome === "timeout") {
    return session.fail(`timed out waiting for "${node.name}" to end`, {
      expected,
      actual: `still running (pid ${p.child.pid})`,
      waitedMs: performance.now() - started,
      timeoutMs,
      notes,
    });
  }
  if (node.code !== undefined && (outcome.signal || outcome.code !== node.code)) {
    return session.fail("exit status differs", {
      expected,
      actual: describeStatus(outcome),
      notes,
    });
  }
  session.done(node);
};

function stderrNote(stderr: StreamChannel): string[] {
  const unread = stderr.buffer.unread;
  if (unread.byteLength === 0) return [];
  return [`stderr:    "${escapeForDisplay(unread, 400)}"`];
}

/** Executors of the process statements, by kind. */
export const PROCESS_EXECUTORS: Record<string, Executor> = {
  spawn,
  "expect-exit": expectExit,
};
