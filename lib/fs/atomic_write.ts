/**
 * Writes a file so that it is never seen half-written: a temporary file in the same
 * folder, then a rename over the target.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` to `path` atomically. With `mode`, the file has exactly that mode (set
 * again after creation, since the umask may have narrowed it) before it appears.
 */
export async function atomicWrite(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const opts = { mode: options.mode, createNew: true };
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data, opts);
    else {
      // (Deno.writeFile copies the bytes on the calling thread first; a write does not)
      using file = await Deno.open(tmp, { write: true, ...opts });
      for (let at = 0; at < data.byteLength;) at += await file.write(data.subarray(at));
    }
    if (options.mode !== undefined) await Deno.chmod(tmp, options.mode);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
