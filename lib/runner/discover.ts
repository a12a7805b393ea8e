/**
 * Finds the `.wire` files a test run covers, in a stable order, and selects the
 * filtered share of a shard.
 *
 * @module
 */
import { join, relative } from "node:path";
import { UsageError } from "../errors.ts";

const SKIP_DIRS = new Set([".git", "node_modules", ".cache"]);

/** Lists `.wire` files under each path (a file is taken as is), sorted, without duplicates. */
export async function discoverScripts(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const p of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(p);
    } catch {
      throw new UsageError(`no such file or folder`, { where: p });
    }
    if (info.isFile) found.add(p);
    else if (info.isDirectory) await walk(p, found);
    else throw new UsageError("not a regular file or a folder", { where: p });
  }
  return [...found].sort();
}

async function walk(dir: string, found: Set<string>): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory && !SKIP_DIRS.has(e.name)) await walk(path, found);
    else if (e.isFile && e.name.endsWith(".wire")) found.add(relative(Deno.cwd(), path) || path);
  }
}

/** Parses `--shard I/N` (1-based). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`"${text}" is not a shard like 1/3 (I from 1 to N)`, { where: "--shard" });
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/**
 * Keeps the files matching `filter` and belonging to `shard`: file k (0-based, in
 * sorted order) goes to shard (k mod N) + 1, so shards are disjoint and together whole.
 */
export function selectScripts(
  files: string[],
  filter?: RegExp,
  shard?: { index: number; count: number },
): string[] {
  const matching = filter ? files.filter((f) => filter.test(f)) : files;
  return shard ? matching.filter((_, k) => k % shard.count === shard.index - 1) : matching;
}
