/**
 * Temporary folders that remove themselves: `await using dir = await tempDir()`.
 *
 * @module
 */
import { join } from "node:path";

/** A temporary folder, removed (recursively) on dispose. */
export interface TempDir extends AsyncDisposable {
  /** The folder's absolute path. */
  readonly path: string;
  /** A path inside the folder. */
  join(...parts: string[]): string;
  /** Writes a text file inside the folder and returns its path. */
  write(name: string, text: string): Promise<string>;
}

/** Makes a temporary folder whose name starts with `prefix`. */
export async function tempDir(prefix = "wireplay-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    join: (...parts) => join(path, ...parts),
    async write(name, text) {
      const p = join(path, name);
      await Deno.mkdir(join(p, ".."), { recursive: true });
      await Deno.writeTextFile(p, text);
      return p;
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
