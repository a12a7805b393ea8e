/**
 * A local program started with its stdin, stdout and stderr piped, seen as two byte
 * pipes a {@linkcode StreamChannel} runs over: stdout + stdin (reads and writes) and
 * stderr (reads only). Stopping it sends SIGTERM, then SIGKILL after a grace period.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { ByteDuplex } from "../transport/duplex.ts";

/** How long a program has to end after SIGTERM before it gets SIGKILL. */
export const DEFAULT_GRACE_MS = 2000;

/** Options for {@linkcode startChild}. */
export interface ChildOptions {
  cwd?: string;
  /** Variables added to (not replacing) the inherited environment. */
  env?: Record<string, string>;
}

/** A running (or ended) program. */
export interface ChildProcess {
  readonly pid: number;
  readonly argv: string[];
  /** Reads the program's stdout, writes its stdin. */
  readonly stdio: ByteDuplex;
  /** Reads the program's stderr; writing to it is refused. */
  readonly stderr: ByteDuplex;
  /** Resolves when the program has ended. */
  readonly status: Promise<Deno.CommandStatus>;
  /** The status once ended, else undefined. */
  readonly exited: Deno.CommandStatus | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the final status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/** The one sentence a missing `--allow-run` earns. */
export function runPermissionMessage(program: string): string {
  return `starting "${program}" needs permission to run programs, which the wireplay and ` +
    `repl tasks do not grant: use deno task wireplay-spawn … (or repl-spawn), or add ` +
    `--allow-run=${program} to deno run`;
}

/**
 * Throws the one sentence unless Deno may run `program`. Never prompts: a permission
 * prompt would fight the REPL's line editor for the terminal.
 */
export function requireRunPermission(program: string): void {
  const state = Deno.permissions.querySync({ name: "run", command: program }).state;
  if (state !== "granted") throw new UsageError(runPermissionMessage(program));
}

/**
 * Starts `argv[0]` with `argv.slice(1)`, no shell. Throws an Error with one clear
 * sentence when the program is missing or Deno may not run programs.
 */
export function startChild(argv: string[], options: ChildOptions = {}): ChildProcess {
  const program = argv[0]!;
  requireRunPermission(program);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: argv.slice(1),
      cwd: options.cwd,
      env: options.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new Error(runPermissionMessage(program));
    }
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `cannot start "${program}": no such program${
          options.cwd ? ` (or no folder ${options.cwd})` : ""
        }`,
      );
    }
    throw new Error(`cannot start "${program}": ${(e as Error).message}`);
  }
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => (exited = s));
  const addr = { transport: "unix", path: `pid ${child.pid}` } as Deno.UnixAddr;
  const stdin = child.stdin.getWriter();
  const stdio = readerDuplex(child.stdout, addr, {
    write: async (data) => {
      await stdin.write(data);
      return data.byteLength;
    },
    closeWrite: () => stdin.close().catch(() => {}),
    close: () => void stdin.abort().catch(() => {}),
  });
  const stderr = readerDuplex(child.stderr, addr, {
    write: () => Promise.reject(new Error("stderr is read-only: send writes to stdin")),
    closeWrite: () => Promise.resolve(),
    close: () => {},
  });
  let stopping: Promise<Deno.CommandStatus> | undefined;
  const stop = (graceMs = DEFAULT_GRACE_MS) =>
    stopping ??= (async () => {
      if (exited) return exited;
      signal(child, "SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), graceMs)));
      if ((await Promise.race([status, late])) === "late") signal(child, "SIGKILL");
      clearTimeout(timer);
      return await status;
    })();
  return {
    pid: child.pid,
    argv,
    stdio,
    stderr,
    status,
    get exited() {
      return exited;
    },
    stop,
  };
}

function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch { /* already ended */ }
}

/** A ByteDuplex whose reads come from `stream` and whose writes go where `out` says. */
function readerDuplex(
  stream: ReadableStream<Uint8Array>,
  addr: Deno.Addr,
  out: Pick<ByteDuplex, "write" | "closeWrite" | "close">,
): ByteDuplex {
  const reader = stream.getReader();
  let left: Uint8Array | undefined;
  return {
    localAddr: addr,
    remoteAddr: addr,
    async read(into) {
      if (!left || left.byteLength === 0) {
        const r = await reader.read();
        if (r.done) return null;
        left = r.value;
      }
      const n = Math.min(into.byteLength, left.byteLength);
      into.set(left.subarray(0, n));
      left = left.subarray(n);
      return n;
    },
    write: out.write,
    closeWrite: out.closeWrite,
    close() {
      out.close();
      reader.cancel().catch(() => {});
    },
  };
}
