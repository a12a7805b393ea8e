/** Helpers for the file transfer tests: files with meaningful content, hashes, a tampering proxy. */
import { createHash } from "node:crypto";
import { assert, assertEquals } from "@std/assert";
import { TransferError } from "../../lib/transfer/errors.ts";
import { output, statusOf, within } from "../helpers/process.ts";

/** A temporary folder on tmpfs when there is one (fast, no disk writeback), else the default. */
export async function tempDir(): Promise<string> {
  try {
    if ((await Deno.stat("/dev/shm")).isDirectory) {
      return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "wireplay-test-" });
    }
  } catch { /* no tmpfs */ }
  return await Deno.makeTempDir({ prefix: "wireplay-test-" });
}

/**
 * Writes `size` bytes of pseudo-random content: a random 1 MiB block repeated, each copy
 * stamped with its index so no two MiB are alike.
 */
export async function makeFile(path: string, size: number): Promise<void> {
  const block = new Uint8Array(1024 * 1024);
  for (let i = 0; i < block.length; i += 65536) {
    crypto.getRandomValues(block.subarray(i, i + 65536));
  }
  using f = await Deno.open(path, { write: true, create: true, truncate: true });
  let written = 0;
  for (let i = 0; written < size; i++) {
    new DataView(block.buffer).setUint32(0, i);
    const n = Math.min(block.length, size - written);
    let off = 0;
    while (off < n) off += await f.write(block.subarray(off, n));
    written += n;
  }
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path);
  const buf = new Uint8Array(1024 * 1024);
  while (true) {
    const n = await f.read(buf);
    if (n === null) break;
    h.update(buf.subarray(0, n));
  }
  return h.digest("hex");
}

/** File names in a folder, sorted. */
export async function list(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/**
 * A TCP proxy for one or more connections to `target`, which can flip one byte of the
 * client→server stream (`flipAt`, counted from the first byte) or cut every connection
 * after `cutAfter` client→server bytes.
 */
export function tamperProxy(
  target: number,
  opts: { flipAt?: number; cutAfter?: number },
): { port: number; [Symbol.asyncDispose](): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const close = (c: Deno.Conn) => {
    try {
      c.close();
    } catch { /* closed */ }
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn, upstream: boolean) => {
    const buf = new Uint8Array(256 * 1024);
    let seen = 0;
    try {
      while (true) {
        let n = await from.read(buf);
        if (n === null) break;
        if (upstream && opts.cutAfter !== undefined && seen + n >= opts.cutAfter) {
          n = opts.cutAfter - seen;
        }
        const chunk = buf.subarray(0, n);
        if (
          upstream && opts.flipAt !== undefined && opts.flipAt >= seen && opts.flipAt < seen + n
        ) {
          chunk[opts.flipAt - seen]! ^= 0x01;
        }
        seen += n;
        let off = 0;
        while (off < n) off += await to.write(chunk.subarray(off));
        if (upstream && opts.cutAfter !== undefined && seen >= opts.cutAfter) break;
      }
    } catch { /* one side went away */ }
    close(from);
    close(to);
  };
  const loop = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port: target }).catch(() =>
        undefined
      );
      if (!server) {
        close(client);
        continue;
      }
      conns.add(client).add(server);
      const t = Promise.all([pipe(client, server, true), pipe(server, client, false)]).then(() => {
        conns.delete(client);
        conns.delete(server);
        tasks.delete(t);
      });
      tasks.add(t);
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const c of conns) close(c);
      await Promise.all(tasks);
    },
  };
}

/** The CLI entry point. */
export const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** Runs `cli.ts ARGS` to completion (killed, and failing by name, past the deadline). */
export async function runCli(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const r = await output(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { NO_COLOR: "1" },
    deadlineMs: RUN_DEADLINE_MS,
  });
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

/** How long a CLI run may take before it is killed (a 1 GiB transfer included). */
const RUN_DEADLINE_MS = 300_000;
/** How long to wait for a line the CLI is expected to print. */
const PRINT_DEADLINE_MS = 30_000;

/**
 * Starts `cli.ts ARGS` with piped outputs; `listening` resolves with the address it prints.
 * Every wait is bounded: `listening` and `output()` fail naming what they waited for when
 * the CLI exits first or 30 s pass; `result()` kills a CLI still running after 300 s and
 * fails naming it.
 */
export function spawnCli(...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  let err = "", out = "";
  type Waiter = {
    re: RegExp;
    resolve: (m: RegExpExecArray) => void;
    reject: (e: Error) => void;
    timer: ReturnType<typeof setTimeout>;
  };
  const waiters: Waiter[] = [];
  const wait = (re: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(
          new Error(`the CLI did not print ${re} within ${PRINT_DEADLINE_MS} ms:\n${err}${out}`),
        );
      }, PRINT_DEADLINE_MS);
      const w: Waiter = { re, resolve, reject, timer };
      waiters.push(w);
      look();
    });
  const look = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      const hit = w.re.exec(out + err);
      if (hit) {
        waiters.splice(i--, 1);
        clearTimeout(w.timer);
        w.resolve(hit);
      }
    }
  };
  const ended = () => {
    for (const w of waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`the CLI exited before printing ${w.re}:\n${err}${out}`));
    }
  };
  const listening = wait(/listening on (\S+)|serving \w+ on (\S+)/).then((m) => (m[1] ?? m[2])!);
  listening.catch(() => {}); // not every caller waits for it; those that do see the error
  const errDone = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      err += dec.decode(chunk, { stream: true });
      look();
    }
  })();
  const outDone = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stdout) {
      out += dec.decode(chunk, { stream: true });
      look();
    }
  })();
  Promise.allSettled([errDone, outDone]).then(ended);
  return {
    child,
    listening,
    /** Resolves with the first match of `re` in stdout + stderr. */
    output(re: RegExp): Promise<RegExpExecArray> {
      return wait(re);
    },
    async result() {
      const what = `wireplay ${args.join(" ")}`;
      const status = await statusOf(child, what, RUN_DEADLINE_MS, () => err + out);
      await within(Promise.all([errDone, outDone]), 2_000, `${what}: the end of its output`);
      return { code: status.code, out, err };
    },
  };
}

/** The value of a settled transfer, or its error thrown. */
export function ok<T>(r: PromiseSettledResult<T>): T {
  if (r.status === "rejected") throw r.reason;
  return r.value;
}

/** The {@linkcode TransferError} a transfer failed with (asserts that it failed so). */
export function failed(r: PromiseSettledResult<unknown>): TransferError {
  assertEquals(r.status, "rejected", "expected the transfer to fail");
  const e = (r as PromiseRejectedResult).reason;
  assert(e instanceof TransferError, `not a TransferError: ${e}`);
  return e;
}
