/**
 * The cookie jar on disk (`run --cookie-jar FILE`): loaded before a script runs (a
 * missing file is an empty jar), written back after it, atomically and readable only by
 * its owner (0600, as cookies are credentials). curl's Netscape format, so the same file
 * works with `curl -b FILE -c FILE`.
 *
 * @module
 */
import { UsageError } from "../../errors.ts";
import { atomicWrite } from "../../fs/atomic_write.ts";
import { MAX_DATA_FILE_BYTES, readFlagText } from "../../fs/read_file.ts";
import { CookieJar } from "./cookies.ts";

/**
 * Loads the jar at `path`, or an empty one when the file does not exist yet.
 *
 * @throws {UsageError} naming `flag` when the file cannot be read or is not a cookie file.
 */
export async function loadCookieFile(path: string, flag: string): Promise<CookieJar> {
  const jar = new CookieJar();
  try {
    await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return jar;
  }
  const text = await readFlagText(path, flag, MAX_DATA_FILE_BYTES);
  try {
    jar.loadNetscape(text);
  } catch (e) {
    throw new UsageError(`"${path}": ${(e as Error).message}`, { where: flag });
  }
  return jar;
}

/** Writes the jar to `path` (temporary file, then rename; mode 0600). */
export async function saveCookieFile(path: string, jar: CookieJar): Promise<void> {
  await atomicWrite(path, jar.toNetscape(), { mode: 0o600 });
}
