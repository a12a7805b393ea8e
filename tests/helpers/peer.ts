/**
 * Real peers (socat, openssl s_server, redis-server…) started as subprocesses on free
 * loopback ports, waited for until they accept connections, and killed on dispose.
 *
 * @module
 */

/** A running peer process. */
export interface Peer extends AsyncDisposable {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** What it printed on stderr so far (for failure messages). */
  stderr(): string;
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

/** True when `cmd` is on the PATH. */
export function hasCommand(cmd: string): boolean {
  try {
    const r = new Deno.Command("sh", {
      args: ["-c", `command -v ${cmd}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

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
  const collect = async (stream: ReadableStream<Uint8Array>, into: (s: string) => void) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) into(dec.decode(chunk, { stream: true }));
  };
  const readers = Promise.all([
    collect(child.stderr, (s) => (err += s)),
    collect(child.stdout, (s) => (out += s)),
  ]).catch(() => {});
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const t = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, 2000);
        await status;
        clearTimeout(t);
      }
      await readers;
    })();
  const peer: Peer = {
    child,
    stderr: () => err,
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

async function ready(options: PeerOptions, output: () => string): Promise<boolean> {
  if (options.waitOutput !== undefined) {
    const o = output();
    const w = options.waitOutput;
    if (!(typeof w === "string" ? o.includes(w) : w.test(o))) return false;
  }
  try {
    if (options.waitTcp) {
      const c = await Deno.connect({
        hostname: options.waitTcp.hostname ?? "127.0.0.1",
        port: options.waitTcp.port,
      });
      c.close();
    } else if (options.waitUnix) {
      const c = await Deno.connect({ transport: "unix", path: options.waitUnix });
      c.close();
    }
    return true;
  } catch {
    return false;
  }
}
