/**
 * The one way a file the user names is read (scripts, `file "…"` values, `:load`,
 * certificates, keys, CA files, request bodies): only a regular file (a FIFO would hang
 * the open, `/dev/zero` would never end), and the size limit counted on the bytes
 * actually read, not on what `stat` says.
 *
 * @module
 */
import { formatBytes } from "../bytes/units.ts";
import { UsageError } from "../errors.ts";

/** Largest script (`run`, `test`, `replay`, `:load`). */
export const MAX_SCRIPT_BYTES = 64 * 1024 * 1024;
/** Largest data file (`file "…"` values, request bodies). */
export const MAX_DATA_FILE_BYTES = 256 * 1024 * 1024;
/** Largest certificate, key or CA file. */
export const MAX_PEM_BYTES = 1024 * 1024;

/** A user-named file that cannot be read: one line, no stack. */
export class FileReadError extends Error {
  override name = "FileReadError";
}

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/**
 * Reads the whole of `path`, at most `maxBytes`.
 *
 * @throws {FileReadError} for a file that is not a regular file, or is over the limit;
 *   Deno's own errors (not found, permission) otherwise.
 */
export async function readUserFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const seen = await Deno.stat(path); // before opening: opening a FIFO blocks
  if (!seen.isFile) throw new FileReadError(`"${path}" is ${kindOf(seen)}, not a regular file`);
  using file = await Deno.open(path, { read: true });
  const info = await file.stat();
  if (!info.isFile) throw new FileReadError(`"${path}" is ${kindOf(info)}, not a regular file`);
  const over = () =>
    new FileReadError(`"${path}" is larger than the limit of ${formatBytes(maxBytes)}`);
  if (info.size > maxBytes) throw over();
  // the size may change as we read: count what arrives, never trust stat alone
  let buf = new Uint8Array(Math.min(maxBytes + 1, Math.max(info.size + 1, 4096)));
  let n = 0;
  while (true) {
    if (n === buf.length) {
      if (n > maxBytes) throw over();
      const bigger = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
    if (n > maxBytes) throw over();
  }
  return buf.subarray(0, n);
}

/**
 * The text of `path` as UTF-8 chunks read as they are taken (a script run while it is
 * read): the same checks as {@linkcode readUserFile} (a regular file, checked before the
 * first chunk), no size limit (the reader holds one chunk at a time). The file is opened
 * when the first chunk is taken and closed when the iteration ends or stops.
 */
export async function readUserTextChunks(
  path: string,
  chunkBytes = 1024 * 1024,
): Promise<AsyncGenerator<string>> {
  const seen = await Deno.stat(path); // before opening: opening a FIFO blocks
  if (!seen.isFile) throw new FileReadError(`"${path}" is ${kindOf(seen)}, not a regular file`);
  return (async function* () {
    using file = await Deno.open(path, { read: true });
    const info = await file.stat();
    if (!info.isFile) throw new FileReadError(`"${path}" is ${kindOf(info)}, not a regular file`);
    const decoder = new TextDecoder();
    while (true) {
      const buf = new Uint8Array(chunkBytes);
      const got = await file.read(buf);
      if (got === null) break;
      yield decoder.decode(buf.subarray(0, got), { stream: true });
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  })();
}

/** {@linkcode readUserFile} decoded as UTF-8. */
export async function readUserText(path: string, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readUserFile(path, maxBytes));
}

/**
 * Reads a file named by a command-line flag (`--cert`, `--ca`, `--body @FILE`…); any
 * failure is a {@linkcode UsageError} naming the flag.
 */
export async function readFlagFile(
  path: string,
  flag: string,
  maxBytes = MAX_PEM_BYTES,
): Promise<Uint8Array> {
  try {
    return await readUserFile(path, maxBytes);
  } catch (e) {
    if (e instanceof FileReadError) throw new UsageError(e.message, { where: flag });
    throw new UsageError(`cannot read "${path}": ${(e as Error).message}`, { where: flag });
  }
}

/** {@linkcode readFlagFile} decoded as UTF-8. */
export async function readFlagText(
  path: string,
  flag: string,
  maxBytes = MAX_PEM_BYTES,
): Promise<string> {
  return new TextDecoder().decode(await readFlagFile(path, flag, maxBytes));
}
