/**
 * Real peers (socat, openssl s_server, redis-server…) started as subprocesses on free
 * loopback ports, waited for until they accept connections, and killed on dispose.
 *
 * Every wait has a deadline: readiness (`deadlineMs`), the exit after SIGTERM (then
 * SIGKILL), and the end of its output (a forked child of the peer can hold the pipes open;
 * the peer's descendants are killed with it, and the pipes are dropped after a grace).
 *
 * @module
 */
import { havePeer } from "./peers.ts";
import { procStat, procStats, statFields } from "./proc.ts";
import { freeTcpPort } from "./ports.ts";

/** A running peer process. */
export interface Peer extends AsyncDisposable {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** What it printed on stderr so far (for failure messages). */
  stderr(): string;
  /** What it printed on stdout so far. */
  stdout(): string;
  /** Kills it (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** How to start a peer. */
export interface PeerOptions {
  /** The program, e.g. `socat`. */
  cmd: string;
  args: string[];
  /** Waits until this TCP port (or Unix path) accepts connections. */
  waitTcp?: { hostname?: string; port: number };
  waitUnix?: string;
  /** Or until stdout/stderr shows this text (e.g. `ACCEPT` for openssl s_server). */
  waitOutput?: string | RegExp;
  /** Give up after this long (default 10 s). */
  deadlineMs?: number;
  cwd?: string;
  env?: Record<string, string>;
}

/** True when `cmd` is on the PATH (an alias of {@linkcode havePeer}; tests use `needs()`). */
export const hasCommand = (cmd: string): boolean => havePeer(cmd);

/**
 * Starts a peer and waits until it is ready; throws (after killing it) when it exits or
 * is not ready by the deadline.
 */
export async function startPeer(options: PeerOptions): Promise<Peer> {
  const child = new Deno.Command(options.cmd, {
    args: options.args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: options.env,
  }).spawn();
  let err = "";
  let out = "";
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const streams = [child.stderr.getReader(), child.stdout.getReader()];
  const collect = async (
    reader: ReadableStreamDefaultReader<Uint8Array>,
    into: (s: string) => void,
  ) => {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      into(dec.decode(value, { stream: true }));
    }
  };
  const readers = Promise.all([
    collect(streams[0]!, (s) => (err += s)),
    collect(streams[1]!, (s) => (out += s)),
  ]).catch(() => {});
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      // Forked children (socat fork, nginx workers) outlive a killed parent and keep its
      // pipes open: find them first, stop them with it.
      const kids = exited ? [] : processes(descendants(child.pid));
      if (!exited) {
        signal([child.pid], "SIGTERM");
        signalSame(kids, "SIGTERM");
        const t = setTimeout(() => {
          signal([child.pid], "SIGKILL");
          signalSame([...kids, ...processes(descendants(child.pid))], "SIGKILL");
        }, 2000);
        await status;
        clearTimeout(t);
      }
      signalSame(kids, "SIGKILL");
      if (!await within(readers, 2000)) {
        for (const r of streams) await r.cancel().catch(() => {});
        await readers;
      }
    })();
  const peer: Peer = {
    child,
    stderr: () => err,
    stdout: () => out,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  const deadline = performance.now() + (options.deadlineMs ?? 10_000);
  try {
    while (true) {
      if (exited) {
        throw new Error(
          `${options.cmd} exited before it was ready (${(await status).code}): ${err}${out}`,
        );
      }
      if (await ready(options, () => out + err)) return peer;
      if (performance.now() > deadline) {
        throw new Error(
          `${options.cmd} not ready within ${options.deadlineMs ?? 10_000}ms: ${err}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The process ids of `pid`'s children, grandchildren… (Linux /proc; none elsewhere). Read
 * from every process's parent id (the kernel's `children` lists may miss entries).
 */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const [child, stat] of procStats()) {
    const ppid = Number(statFields(stat)[1]);
    const list = kids.get(ppid) ?? [];
    list.push(child);
    kids.set(ppid, list);
  }
  const found: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const k of kids.get(todo.pop()!) ?? []) {
      if (!found.includes(k)) {
        found.push(k);
        todo.push(k);
      }
    }
  }
  return found;
}

/** A process and when it started (so a reused pid is never signalled by mistake). */
interface Proc {
  pid: number;
  start: string | undefined;
}

function startTime(pid: number): string | undefined {
  // field 22 of /proc/PID/stat, after the parenthesised command name
  const stat = procStat(pid);
  return stat === undefined ? undefined : statFields(stat)[19];
}

function processes(pids: number[]): Proc[] {
  return pids.map((pid) => ({ pid, start: startTime(pid) }));
}

/** Signals each process that is still the one recorded. */
function signalSame(procs: Proc[], sig: Deno.Signal): void {
  signal(
    procs.filter((p) => p.start !== undefined && startTime(p.pid) === p.start).map((p) => p.pid),
    sig,
  );
}

function signal(pids: number[], sig: Deno.Signal): void {
  for (const p of pids) {
    try {
      Deno.kill(p, sig);
    } catch { /* gone */ }
  }
}

/** True when `p` settles within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => timer = setTimeout(() => r(false), ms));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function ready(options: PeerOptions, output: () => string): Promise<boolean> {
  if (options.waitOutput !== undefined) {
    const o = output();
    const w = options.waitOutput;
    if (!(typeof w === "string" ? o.includes(w) : w.test(o))) return false;
  }
  try {
    if (options.waitTcp) {
      return await connected(Deno.connect({
        hostname: options.waitTcp.hostname ?? "127.0.0.1",
        port: options.waitTcp.port,
      }));
    } else if (options.waitUnix) {
      return await connected(Deno.connect({ transport: "unix", path: options.waitUnix }));
    }
    return true;
  } catch {
    return false;
  }
}

/** True when the connect succeeds within 1 s (a connect meeting a full backlog can hang). */
async function connected(connecting: Promise<Deno.Conn>): Promise<boolean> {
  connecting.then((c) => c.close(), () => {});
  return await within(connecting, 1000) &&
    await connecting.then(() => true, () => false);
}

/**
 * Starts a throwaway redis-server on a free loopback port (no persistence) and waits until
 * it accepts connections.
 */
export async function startRedis(): Promise<Peer & { port: number }> {
  const port = freeTcpPort();
  const peer = await startPeer({
    cmd: "redis-server",
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    waitTcp: { port },
  });
  return Object.assign(peer, { port });
}
