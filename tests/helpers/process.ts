/**
 * Bounded waits for tests: on a subprocess (its exit, its output) and on any promise (a
 * read on a socket or a pipe). Past its deadline a wait fails naming what it waited for;
 * a subprocess is killed first (SIGKILL, with its descendants, which could hold its
 * pipes open), so nothing is left running.
 *
 * @module
 */
import { descendants } from "./peer.ts";

/** How long a subprocess may run by default. */
export const PROCESS_DEADLINE_MS = 30_000;
/** How long the output pipes may stay open once the process has exited. */
const PIPE_GRACE_MS = 2_000;

/** A wait that passed its deadline. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/**
 * Settles as `p` does, or rejects with "`what`: not within MS ms" once `ms` passed (`what`
 * may be a function, asked then). `onLate` then runs (e.g. to close what the wait reads).
 */
export async function within<T>(
  p: Promise<T>,
  ms: number,
  what: string | (() => string),
  onLate?: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) =>
    timer = setTimeout(() => {
      const named = typeof what === "string" ? what : what();
      reject(new DeadlineError(`${named}: not within ${Math.round(ms)} ms`));
      try {
        onLate?.(); // after the rejection: what it ends must not win the race
      } catch { /* already closed */ }
    }, ms)
  );
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a socket or a pipe to its end as text, bounded: past `ms` the read is cancelled
 * (which closes it) and fails naming `what` and the text received so far.
 */
export async function textUntilEnd(
  from: { readable: ReadableStream<Uint8Array> },
  what: string,
  ms = 10_000,
): Promise<string> {
  const reader = from.readable.getReader();
  const dec = new TextDecoder();
  let text = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text + dec.decode();
      text += dec.decode(value, { stream: true });
    }
  })();
  return await within(
    reading,
    ms,
    () => `${what} (got ${JSON.stringify(text.slice(-500))})`,
    () => void reader.cancel().catch(() => {}),
  );
}

/**
 * Kills a process and its descendants (SIGKILL). Each is stopped first (SIGSTOP), until
 * a scan finds no new one, so none can fork a process the kill would miss.
 */
export function killTree(child: Deno.ChildProcess): void {
  const signal = (pid: number, sig: Deno.Signal) => {
    try {
      Deno.kill(pid, sig);
    } catch { /* exited */ }
  };
  const all = [child.pid];
  signal(child.pid, "SIGSTOP");
  for (let found = all; found.length > 0;) {
    found = all.flatMap(descendants).filter((pid, i, list) =>
      !all.includes(pid) && list.indexOf(pid) === i
    );
    for (const pid of found) signal(pid, "SIGSTOP");
    all.push(...found);
  }
  for (const pid of all) signal(pid, "SIGKILL");
}

/**
 * Waits for a spawned child to exit. Past `deadlineMs` it is killed (with its descendants)
 * and the wait throws "`what` did not exit within MS ms (killed)", with `detail()` if given.
 */
export async function statusOf(
  child: Deno.ChildProcess,
  what: string,
  deadlineMs = PROCESS_DEADLINE_MS,
  detail: () => string = () => "",
): Promise<Deno.CommandStatus> {
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    killTree(child);
  }, deadlineMs);
  try {
    const status = await child.status;
    if (late) {
      const more = detail();
      throw new DeadlineError(
        `${what} did not exit within ${deadlineMs} ms (killed)${
          more ? `; it printed: ${more}` : ""
        }`,
      );
    }
    return status;
  } finally {
    clearTimeout(timer);
  }
}

/** What a bounded run returned (the streams that were not piped are empty). */
export interface Output {
  code: number;
  signal: Deno.Signal | null;
  success: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/**
 * Waits for a spawned child's exit and collects its piped stdout and stderr, like
 * `child.output()`, but bounded: see {@linkcode statusOf}. The failure shows the end of
 * what it printed so far.
 */
export async function outputOf(
  child: Deno.ChildProcess,
  what: string,
  deadlineMs = PROCESS_DEADLINE_MS,
): Promise<Output> {
  const out = drain(() => child.stdout);
  const err = drain(() => child.stderr);
  const printed = () => tail(concat(err.chunks), concat(out.chunks));
  let status: Deno.CommandStatus;
  try {
    status = await statusOf(child, what, deadlineMs, printed);
  } finally {
    // a descendant that outlived the process may hold the pipes: drop them after a grace
    await within(Promise.all([out.done, err.done]), PIPE_GRACE_MS, "").catch(async () => {
      await Promise.all([out.cancel(), err.cancel()]);
    });
  }
  return {
    code: status.code,
    signal: status.signal,
    success: status.success,
    stdout: concat(out.chunks),
    stderr: concat(err.chunks),
  };
}

/**
 * Runs `cmd` to its end, like `new Deno.Command(cmd, options).output()` (stdout and
 * stderr piped, stdin null unless given), bounded by `deadlineMs`: see {@linkcode outputOf}.
 * `stdin` (text) is written and closed first.
 */
export async function output(
  cmd: string,
  options: Omit<Deno.CommandOptions, "stdin" | "signal"> & { stdin?: string; deadlineMs?: number } =
    {},
): Promise<Output> {
  const { stdin, deadlineMs, ...rest } = options;
  const child = new Deno.Command(cmd, {
    stdout: "piped",
    stderr: "piped",
    ...rest,
    stdin: stdin === undefined ? "null" : "piped",
  }).spawn();
  const what = [cmd, ...(options.args ?? [])].join(" ");
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    // a child that reads nothing (and exits) must not make the write fail the run
    await within(
      w.write(new TextEncoder().encode(stdin)).then(() => w.close()),
      deadlineMs ?? PROCESS_DEADLINE_MS,
      `${what}: writing its stdin`,
      () => killTree(child),
    ).catch((e) => {
      if (e instanceof DeadlineError) throw e;
    });
  }
  return await outputOf(child, what, deadlineMs);
}

interface Drain {
  chunks: Uint8Array[];
  done: Promise<void>;
  cancel(): Promise<void>;
}

/** Reads a stream to its end (none when the stream was not piped). */
function drain(stream: () => ReadableStream<Uint8Array>): Drain {
  const chunks: Uint8Array[] = [];
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = stream().getReader();
  } catch {
    return { chunks, done: Promise.resolve(), cancel: () => Promise.resolve() };
  }
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      chunks.push(value);
    }
  })().catch(() => {});
  return { chunks, done, cancel: () => reader.cancel().catch(() => {}) };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** The last 2000 characters of stderr and stdout, for a failure message. */
function tail(stderr: Uint8Array, stdout: Uint8Array): string {
  const dec = new TextDecoder();
  const text = [dec.decode(stderr), dec.decode(stdout)].filter((s) => s.trim()).join("\n--\n");
  return text.length > 2000 ? `…${text.slice(-2000)}` : text;
}
