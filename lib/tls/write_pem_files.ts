/**
 * Writes certificate and key files so that none is ever half-written: each goes to a
 * temporary file in the same folder, then is renamed over its final name. Keys get mode
 * 0600.
 *
 * @module
 */
import { atomicWrite } from "../fs/atomic_write.ts";
import { join } from "node:path";

/** One file to write. */
export interface PemFile {
  /** File name inside the folder, e.g. `cert.pem`. */
  name: string;
  /** PEM text. */
  text: string;
  /** Whether it holds a private key (written with mode 0600). */
  secret?: boolean;
}

/** Thrown when a file exists and overwriting was not allowed. */
export class FileExistsError extends Error {
  override name = "FileExistsError";
}

/**
 * Writes every file into `dir` (created if missing) atomically, one by one.
 *
 * @param dir The folder.
 * @param files The files to write.
 * @param opts `force` allows replacing existing files.
 * @returns The paths written, in order.
 * @throws {FileExistsError} when a file exists and `force` is not set (nothing is written).
 */
export async function writePemFiles(
  dir: string,
  files: readonly PemFile[],
  opts: { force?: boolean } = {},
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  if (!opts.force) {
    for (const f of files) {
      const path = join(dir, f.name);
      if (await exists(path)) {
        throw new FileExistsError(`${path} exists (use --force to replace it)`);
      }
    }
  }
  const written: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    await writeFileAtomic(path, f.text, f.secret ? 0o600 : 0o644);
    written.push(path);
  }
  return written;
}

/** Writes `text` to `path` with `mode`, atomically (see `lib/fs/atomic_write.ts`). */
export function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  return atomicWrite(path, text, { mode });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
