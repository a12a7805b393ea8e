/**
 * Helpers for the proxy tests: small in-process servers, a proxy on port 0, reading
 * with a deadline, and the CLI as a long-running subprocess.
 *
 * @module
 */
import { parseAddress } from "../../lib/address/address.ts";
import { type Faults, noFaults } from "../../lib/proxy/faults.ts";
import { type Proxy, startProxy } from "../../lib/proxy/proxy.ts";
import type { ProxyTap } from "../../lib/proxy/tap.ts";
import { CLI, REPO_ROOT } from "../helpers/cli.ts";
import { statusOf, within } from "../helpers/process.ts";

/** A server on 127.0.0.1:0 running `handle` for each connection, closed on dispose. */
export interface TestServer extends AsyncDisposable {
  port: number;
  address: string;
}

/** Starts a TCP server whose connections are handled by `handle` (errors ignored). */
export function serve(handle: (conn: Deno.TcpConn) => Promise<void>): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const tasks = new Set<Promise<void>>();
  const conns = new Set<Deno.TcpConn>();
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const t = handle(conn).catch(() => {}).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
          tasks.delete(t);
        });
        tasks.add(t);
      }
    } catch { /* closed */ }
  })();
  return {
    port,
    address: `tcp://127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await Promise.all([...tasks]);
    },
  };
}

/** An echo server: writes back what it reads, half-closes when the client does. */
export function echoServer(): TestServer {
  return serve(async (conn) => {
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      await writeAll(conn, buf.subarray(0, n));
    }
    await conn.closeWrite();
  });
}

/** Writes all of `data`. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.byteLength) off += await conn.write(data.subarray(off));
}

/** Starts a proxy on 127.0.0.1:0 to `upstream`. */
export function proxyTo(
  upstream: string,
  faults: Faults = noFaults(),
  tap?: ProxyTap,
): Promise<Proxy> {
  return startProxy({
    listen: { address: parseAddress("tcp://127.0.0.1:0") },
    upstream: { address: parseAddress(upstream) },
    faults,
    tap,
  });
}

/** Connects to 127.0.0.1:port. */
export function dial(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/** Reads exactly `n` bytes (throws on EOF first or after `ms`). */
export async function readExactly(conn: Deno.Conn, n: number, ms = 5000): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  const timer = setTimeout(() => conn.close(), ms);
  try {
    while (got < n) {
      const r = await conn.read(out.subarray(got));
      if (r === null) throw new Error(`EOF after ${got} of ${n} bytes`);
      got += r;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** How a read-to-the-end ended. */
export interface ReadAll {
  bytes: number;
  chunks: number[];
  end: "eof" | "reset" | "error" | "timeout";
}

/** Reads until EOF, an error or `ms`; returns sizes of the chunks read and how it ended. */
export async function readAll(conn: Deno.Conn, ms = 5000): Promise<ReadAll> {
  const buf = new Uint8Array(64 * 1024);
  const chunks: number[] = [];
  let bytes = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, ms);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) return { bytes, chunks, end: "eof" };
      chunks.push(n);
      bytes += n;
    }
  } catch (e) {
    if (timedOut) return { bytes, chunks, end: "timeout" };
    return { bytes, chunks, end: e instanceof Deno.errors.ConnectionReset ? "reset" : "error" };
  } finally {
    clearTimeout(timer);
  }
}

/** A CLI subprocess that keeps running (proxy, record, replay). */
export interface CliProcess extends AsyncDisposable {
  /** Everything printed to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches `re` (or the process exits, or 20 s pass). */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Waits for the exit code. */
  status(): Promise<number>;
}

/** Starts `deno run -A cli.ts ...args` and collects its output. */
export function startCli(args: string[]): CliProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...args],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let out = "";
  let err = "";
  let wake: (() => void) | undefined;
  const collect = async (s: ReadableStream<Uint8Array>, into: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      into(dec.decode(c, { stream: true }));
      wake?.();
    }
  };
  const readers = Promise.all([
    collect(child.stdout, (t) => (out += t)),
    collect(child.stderr, (t) => (err += t)),
  ]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    wake?.();
    return s.code;
  });
  const what = `wireplay ${args.join(" ")}`;
  const done = async () => {
    // Bounded: a CLI that never exits is killed (with its children) after 60 s, failing by
    // name; a child of it that holds its pipes, after 2 s more.
    await statusOf(child, what, 60_000, () => err + out);
    await within(readers, 2_000, `${what}: the end of its output`);
    return await status;
  };
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch { /* gone */ }
    }
    await statusOf(child, `${what} after ${signal}`, 10_000, () => err + out);
    return await done();
  };
  return {
    stdout: () => out,
    stderr: () => err,
    async waitFor(re) {
      const deadline = performance.now() + 20_000;
      while (true) {
        const m = out.match(re);
        if (m) return m;
        if (exited) throw new Error(`the CLI exited before printing ${re}: ${err}${out}`);
        if (performance.now() > deadline) {
          throw new Error(`the CLI did not print ${re}: ${err}${out}`);
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
    },
    stop,
    status: done,
    [Symbol.asyncDispose]: async () => {
      await stop("SIGKILL");
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (for the CLI, which is given a fixed port). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
