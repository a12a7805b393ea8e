/**
 * `serve files ADDR dir DIR [force] [max-size SIZE]` for the CLI, REPL and scripts: a
 * file receiving server ({@linkcode serveFiles}) behind the common server handle.
 *
 * @module
 */
import { type Address } from "../address/address.ts";
import { formatBytes, parseDuration, parseSize } from "../bytes/units.ts";
import { UsageError } from "../errors.ts";
import { type ServeOptions, type ServerHandle, toServerHandle } from "../servers/server.ts";
import { tlsMaterial } from "../transport/stream_listener.ts";
import { handshakeTimeout } from "../servers/stream_server.ts";
import { serveFiles } from "./serve_files.ts";

/** The options `serve files` accepts besides `cert` and `key`. */
export const FILES_OPTIONS = [
  "dir",
  "force",
  "max-size",
  "max-concurrent",
  "timeout",
  "log",
  "handshake-timeout",
] as const;

/** Starts `serve files`: receives WPFT/1 transfers into `dir` until closed. */
export async function startFilesServerKind(
  address: Address,
  options: ServeOptions,
): Promise<ServerHandle> {
  const dir = options.dir;
  if (!dir) {
    throw new UsageError("serve files needs a folder to write into (dir DIR, --dir DIR)", {
      where: "dir",
    });
  }
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new UsageError(`"${dir}" is not a directory`, { where: "dir" });
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot use "${dir}": ${(e as Error).message}`, { where: "dir" });
  }
  const maxSize = options["max-size"] ? parseSize(options["max-size"], "max-size") : undefined;
  const idleTimeoutMs = options.timeout ? parseDuration(options.timeout, "timeout") : undefined;
  let maxConcurrent: number | undefined;
  if (options["max-concurrent"]) {
    maxConcurrent = Number(options["max-concurrent"]);
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new UsageError(`"${options["max-concurrent"]}" is not a whole number above 0`, {
        where: "max-concurrent",
      });
    }
  }
  let cert: string | undefined,
    key: string | undefined,
    certPath: string | undefined,
    tmpDir: string | undefined;
  if (address.scheme === "tls") ({ cert, key, certPath, tmpDir } = await tlsMaterial(options));
  const log = options.log ? (line: string) => console.error(`files: ${line}`) : () => {};
  let received = 0, failed = 0;
  let server;
  try {
    server = await serveFiles({
      address,
      dir,
      force: options.force === "true",
      maxSize,
      maxConcurrent,
      idleTimeoutMs,
      cert,
      key,
      handshakeTimeoutMs: handshakeTimeout(options),
      onLog: log,
      onFile: (s) => {
        received++;
        log(
          `received ${s.path} ${formatBytes(s.size)} ${s.hash} ${s.digest} from ${s.peer}` +
            (s.resumedFrom > 0 ? ` (resumed at ${s.resumedFrom})` : ""),
        );
      },
      onError: (e, peer) => {
        failed++;
        log(`${peer}: ${e.message}`);
      },
    });
  } catch (e) {
    if (tmpDir) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    throw e;
  }
  return toServerHandle({
    kind: "files",
    address: server.address,
    addr: server.addr,
    certPath,
    tmpDir,
    finished: server.finished,
    close: () => server.close(),
    vars: () => ({ dir, received, failed }),
  });
}
