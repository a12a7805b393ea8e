/**
 * `serve exec ADDR "COMMAND"` (ncat's `-e`): every accepted connection is wired to a new
 * run of COMMAND — what the client sends is the program's stdin, its stdout goes back
 * to the client, its stderr to wireplay's stderr. The program is stopped (SIGTERM, then
 * SIGKILL) when its stdout ends, the client leaves for good, or the server closes.
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { UsageError } from "../errors.ts";
import { splitCommandLine } from "../process/argv.ts";
import { requireRunPermission, startChild } from "../process/child.ts";
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import type { ServeOptions, ServerHandle } from "./server.ts";
import { startStreamServer } from "./stream_server.ts";

const CHUNK = 64 * 1024;

/** Starts an exec server; `options.command` is the command line. */
export async function startExecServer(
  address: Address,
  options: ServeOptions,
): Promise<ServerHandle> {
  const command = options.command;
  if (!command) {
    throw new UsageError('serve exec needs the command to run: serve exec ADDR "COMMAND"');
  }
  let argv: string[];
  try {
    argv = splitCommandLine(command);
  } catch (e) {
    throw new UsageError((e as Error).message, { where: "command" });
  }
  requireRunPermission(argv[0]!);
  return await startStreamServer("exec", address, options, async (conn, signal) => {
    const child = startChild(argv);
    const stop = () => void child.stop();
    signal.addEventListener("abort", stop, { once: true });
    // a client that resets, or a program that dies, ends only this copy
    const up = copy(conn, child.stdio).catch(() => {}).finally(() => child.stdio.closeWrite());
    const down = copy(child.stdio, conn).then(() => conn.closeWrite()).catch(() => {});
    const err = copy(child.stderr, { write: (b) => Deno.stderr.write(b) }).catch(() => {});
    try {
      await down;
      await child.stop();
    } finally {
      signal.removeEventListener("abort", stop);
      try {
        conn.close();
      } catch { /* closed */ }
      child.stdio.close();
      child.stderr.close();
      await Promise.allSettled([up, err]);
    }
  });
}

async function copy(
  from: Pick<ByteDuplex, "read">,
  to: { write(data: Uint8Array): Promise<number> },
): Promise<void> {
  const buf = new Uint8Array(CHUNK);
  while (true) {
    const n = await from.read(buf);
    if (n === null) return;
    await writeAll(to, buf.subarray(0, n));
  }
}
