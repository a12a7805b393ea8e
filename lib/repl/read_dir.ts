/**
 * Lists a folder for path completion.
 *
 * @module
 */

/** The most entries one completion lists. */
export const MAX_DIR_ENTRIES = 2000;

/** Entry names of `dir`, folders with a trailing `/`. Throws when it cannot be read. */
export function readDirSync(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    out.push(e.isDirectory ? `${e.name}/` : e.name);
    if (out.length >= MAX_DIR_ENTRIES) break;
  }
  return out;
}
