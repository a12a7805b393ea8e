// Memory of a server run as a subprocess (its VmRSS from /proc), and clients that send a
// request and then never read: what issue 18 item 3 measured.
import { REPO_ROOT } from "../helpers/cli.ts";
import { output } from "../helpers/process.ts";

/** A `cli.ts` command running as a subprocess, with the first JSON line it printed. */
export interface CliServer extends AsyncDisposable {
  readonly pid: number;
  readonly announced: Record<string, unknown>;
}

/** Starts `deno run -A CLI args…` and waits (with a deadline) for its first stdout line. */
export async function startCliServer(
  args: string[],
  cli = `${REPO_ROOT}/cli.ts`,
): Promise<CliServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = setTimeout(() => reader.cancel().catch(() => {}), 20_000);
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`${args.join(" ")} printed no line: ${text}`);
      text += value;
    }
  } catch (e) {
    child.kill("SIGKILL");
    await child.status;
    throw e;
  } finally {
    clearTimeout(deadline);
  }
  void (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    pid: child.pid,
    announced: JSON.parse(text.slice(0, text.indexOf("\n"))),
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

/**
 * A process's resident set size in MiB, VmRSS of /proc/PID/status (read through `cat`:
 * Deno lets only --allow-all read /proc of another process).
 */
export async function rssMiB(pid: number): Promise<number> {
  const out = await output("cat", { args: [`/proc/${pid}/status`], deadlineMs: 10_000 });
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(new TextDecoder().decode(out.stdout))?.[1]);
  return kb / 1024;
}

/**
 * The highest RSS seen while sampling every 50 ms for `ms` (memory grows as the server
 * fills buffers behind the clients' backs, so one reading is not enough).
 */
export async function peakRssMiB(pid: number, ms: number): Promise<number> {
  let peak = await rssMiB(pid);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    peak = Math.max(peak, await rssMiB(pid));
  }
  return peak;
}

/** Connections that sent their request and then read only the first 12 bytes of the answer. */
export class IdleClients implements Disposable {
  readonly conns: Deno.TcpConn[] = [];
  /** The status code of each answer that began (its first 12 bytes read, nothing more). */
  readonly statuses: number[] = [];

  /**
   * Opens `count` connections to `port`, sends `head` (and `body`) on each, and waits
   * until each has received the status line of a response, or `deadlineMs` passed.
   */
  async open(
    port: number,
    count: number,
    head: string,
    body?: Uint8Array,
    deadlineMs = 30_000,
  ): Promise<void> {
    const signal = AbortSignal.timeout(deadlineMs);
    const one = async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      this.conns.push(conn);
      const writeAll = async (bytes: Uint8Array) => {
        for (let at = 0; at < bytes.byteLength && !signal.aborted;) {
          at += await conn.write(bytes.subarray(at));
        }
      };
      await writeAll(new TextEncoder().encode(head));
      if (body) await writeAll(body);
      const line = new Uint8Array(12); // "HTTP/1.1 200"
      let got = 0;
      while (got < line.byteLength) {
        const n = await conn.read(line.subarray(got));
        if (n === null) return;
        got += n;
      }
      this.statuses.push(Number(new TextDecoder().decode(line.subarray(9, 12))));
    };
    const all = Promise.allSettled(Array.from({ length: count }, one));
    const timeout = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([all, timeout]);
    if (signal.aborted) this.close();
    await all;
  }

  close(): void {
    for (const c of this.conns.splice(0)) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
