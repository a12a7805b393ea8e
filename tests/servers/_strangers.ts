/**
 * Strangers for listening commands: a connection that closes at once, one that sends
 * garbage, one that stalls (sends nothing, stays open); and a long-running CLI server
 * started as a subprocess (optionally under a low `ulimit -n`).
 *
 * @module
 */
import { CLI, REPO_ROOT } from "../helpers/cli.ts";
import { killTree, within } from "../helpers/process.ts";

/** The open connections of the strangers; dispose to close the stalled ones. */
export interface Strangers extends AsyncDisposable {
  /** Resolves when the server has closed the garbage sender (it was dropped); fails after 20 s. */
  garbageDropped: Promise<void>;
}

const GARBAGE = new TextEncoder().encode("\x16\x03\x01 not your protocol \xff\x00\r\n\r\n");

/** Sends the three strangers to `port` on 127.0.0.1; the stalled one stays open. */
export async function sendStrangers(port: number): Promise<Strangers> {
  const dial = () => Deno.connect({ hostname: "127.0.0.1", port });
  (await dial()).close(); // a port probe
  const garbage = await dial();
  await garbage.write(GARBAGE).catch(() => {});
  const stalled = await dial();
  const dropping = (async () => {
    const buf = new Uint8Array(4096);
    try {
      while ((await garbage.read(buf)) !== null) { /* whatever it answers */ }
    } catch { /* reset: dropped too */ }
  })();
  const garbageDropped = within(dropping, 20_000, "the server to drop the garbage sender");
  garbageDropped.catch(() => {}); // seen by those who wait for it
  return {
    garbageDropped,
    async [Symbol.asyncDispose]() {
      stalled.close();
      try {
        garbage.close();
      } catch { /* closed */ }
      await dropping;
      await garbageDropped.catch(() => {});
    },
  };
}

/** A CLI server running as a subprocess. */
export interface CliServer extends AsyncDisposable {
  stdout(): string;
  stderr(): string;
  /** Waits (up to `ms`, default 20 s) until stdout or stderr matches `re`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** The exit code once the process ended (after dispose or by itself); fails after `ms` (30 s). */
  status(ms?: number): Promise<number>;
}

/**
 * Starts `deno run -A cli.ts ...args`; with `ulimit`, through `sh -c 'ulimit -n N; exec …'`.
 * Disposing sends SIGTERM (then SIGKILL, with its children, after 10 s) and waits for the
 * exit and the end of its output (bounded).
 */
export function startCliServer(args: string[], options: { ulimit?: number } = {}): CliServer {
  const deno = [Deno.execPath(), "run", "-A", "--quiet", CLI, ...args];
  const [cmd, ...rest] = options.ulimit
    ? ["sh", "-c", `ulimit -n ${options.ulimit}; exec "$@"`, "sh", ...deno]
    : deno;
  const child = new Deno.Command(cmd!, {
    args: rest,
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let out = "", err = "";
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((w) => w());
  const collect = async (s: ReadableStream<Uint8Array>, into: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      into(dec.decode(c, { stream: true }));
      wake();
    }
  };
  const readers = Promise.all([
    collect(child.stdout, (t) => (out += t)),
    collect(child.stderr, (t) => (err += t)),
  ]);
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    wake();
    await readers;
    return s.code;
  });
  return {
    stdout: () => out,
    stderr: () => err,
    async waitFor(re, ms = 20_000) {
      const deadline = performance.now() + ms;
      while (true) {
        const m = (out + err).match(re);
        if (m) return m;
        if (exited) throw new Error(`the CLI exited before printing ${re}:\n${out}${err}`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`the CLI did not print ${re} within ${ms}ms:\n${out}${err}`);
        await new Promise<void>((r) => {
          const t = setTimeout(done, Math.min(left, 500));
          function done() {
            clearTimeout(t);
            wakers.delete(done);
            r();
          }
          wakers.add(done);
        });
      }
    },
    status: (ms = 30_000) =>
      within(status, ms, () => `${args.join(" ")} to exit; it printed:\n${out}${err}`),
    async [Symbol.asyncDispose]() {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
      }
      const killer = setTimeout(() => killTree(child), 10_000);
      await child.status;
      clearTimeout(killer);
      // a child of the server could hold its pipes: bounded, and named
      await within(status, 2_000, `${args.join(" ")}: the end of its output`);
    },
  };
}

/** Reads from `conn` until `want` bytes arrived, it ends or `ms` pass; then closes it. */
export async function readSome(conn: Deno.Conn, want: number, ms = 5000): Promise<Uint8Array> {
  const out = new Uint8Array(want);
  let len = 0;
  const timer = setTimeout(() => conn.close(), ms);
  try {
    while (len < want) {
      const n = await conn.read(out.subarray(len));
      if (n === null) break;
      len += n;
    }
  } catch {
    /* closed by the deadline */
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the deadline */ }
  }
  return out.subarray(0, len);
}
