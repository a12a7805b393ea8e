/**
 * Writes a file so that it is never seen half-written: a temporary file in the same
 * folder, then a rename over the target.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Writes `data` to `path` atomically. */
export async function atomicWrite(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data, { mode: options.mode });
    else await Deno.writeFile(tmp, data, { mode: options.mode });
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
