/**
 * Maps a URL path to a file under a root directory, refusing everything that could
 * reach outside it: `..` segments (also percent-encoded), backslashes, NUL bytes, and
 * symbolic links that resolve outside the root.
 *
 * @module
 */
import { join, sep as SEPARATOR } from "node:path";

/** Why a path was refused: `400` malformed, `403` outside the root. */
export class UnsafePathError extends Error {
  override name = "UnsafePathError";
  constructor(message: string, readonly status: 400 | 403) {
    super(message);
  }
}

/**
 * Decodes a URL pathname and checks each segment; returns the path relative to the root.
 *
 * @throws {UnsafePathError} for bad percent-encoding, NUL, backslash (400) or `..` (403).
 *
 * @example
 * ```ts
 * import { safeRelativePath } from "./safe_path.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 * assertEquals(safeRelativePath("/a/b%20c.txt"), "a/b c.txt");
 * assertThrows(() => safeRelativePath("/a/..%2f..%2fetc/passwd"));
 * ```
 */
export function safeRelativePath(pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new UnsafePathError("bad percent-encoding in path", 400);
  }
  if (decoded.includes("\0")) throw new UnsafePathError("NUL byte in path", 400);
  if (decoded.includes("\\")) throw new UnsafePathError("backslash in path", 400);
  const parts: string[] = [];
  for (const seg of decoded.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") throw new UnsafePathError("'..' in path", 403);
    parts.push(seg);
  }
  return parts.join("/");
}

/**
 * The path under `realRoot` a URL pathname names, before any link is followed (the
 * syntax checks only, so the result may be cached per pathname).
 *
 * @throws {UnsafePathError} when the path is malformed or has a `..` segment.
 */
export function joinUnderRoot(realRoot: string, pathname: string): string {
  const rel = safeRelativePath(pathname);
  return rel ? join(realRoot, rel) : realRoot;
}

/**
 * Follows every symbolic link of `joined` (from {@linkcode joinUnderRoot}) and refuses a
 * real path outside `realRoot`. Run on every request, never cached: a folder or file of
 * the root may be swapped for a link to elsewhere between two requests. Links that stay
 * inside the root are followed.
 *
 * @returns the real path, or undefined when nothing exists there.
 * @throws {UnsafePathError} when the real path lies outside the root.
 */
export function realPathUnderRoot(realRoot: string, joined: string): string | undefined {
  let real: string;
  try {
    real = Deno.realPathSync(joined);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
  if (!isInside(realRoot, real)) throw new UnsafePathError("path leads outside the root", 403);
  return real;
}

/** Whether `path` is `root` or below it (both real, absolute paths). */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  const prefix = root.endsWith(SEPARATOR) ? root : root + SEPARATOR;
  return path.startsWith(prefix);
}
