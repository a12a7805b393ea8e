/**
 * Writes certificate and key files so that none is ever half-written: each goes to a
 * temporary file in the same folder, then is renamed over its final name. Keys get mode
 * 0600.
 *
 * @module
 */
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

/** Writes `text` to a temporary sibling of `path` with `mode`, then renames it into place. */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const slash = path.lastIndexOf("/");
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${
    crypto.randomUUID().slice(0, 8)
  }.tmp`;
  try {
    await Deno.writeTextFile(tmp, text, { mode, createNew: true });
    await Deno.chmod(tmp, mode); // the umask may have narrowed or the platform ignored it
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
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
