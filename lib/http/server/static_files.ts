/**
 * Static files under a root directory: content types, `ETag`/`If-None-Match`,
 * `Last-Modified`/`If-Modified-Since`, single `Range` requests, `HEAD`, `index.html`,
 * an HTML directory listing, and gzip or brotli when the client accepts it. Nothing
 * outside the root is ever served (see `safe_path.ts`).
 *
 * Small files are kept in memory with their headers and compressed forms, and every
 * request re-checks the file's size and modification time, so edits show at once.
 *
 * With `watch`, the root is watched (`Deno.watchFs`) and a small file reached without links
 * is answered from memory with no system call at all until an event names it, its folder or
 * a folder above it (see `root_watch.ts` and the README's "Static files" section for the
 * window between a write and its event).
 *
 * @module
 */
import { acceptsEncodings, contentType, ifNoneMatch } from "@std/http";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { extname } from "node:path";
import { isInside, joinUnderRoot, realPathUnderRoot, UnsafePathError } from "./safe_path.ts";
import { directoryListing } from "./directory_listing.ts";
import { parseRange } from "./range.ts";
import { type RootWatch, watchRoot } from "./root_watch.ts";

/**
 * Options of {@linkcode StaticFiles}.
 *
 * @example Look at files again every second
 * ```ts
 * import type { StaticFilesOptions } from "@wireplay/wireplay/http";
 * const options: StaticFilesOptions = { revalidateMs: 1000, maxListingEntries: 500 };
 * // new StaticFiles("public", options)
 * ```
 */
export interface StaticFilesOptions {
  /** Files up to this size are kept in memory (with their compressed forms). */
  maxCachedFileBytes?: number;
  /** The memory cache holds at most this many bytes. */
  maxCacheBytes?: number;
  /** Largest number of entries shown in a directory listing. */
  maxListingEntries?: number;
  /**
   * Re-check a known file's size and modification time at most this often, ms (default 0:
   * on every request, so an edit shows at once). A `stat` costs about a fifth of a small
   * file's answer; with a window an edit shows within it, the old body always going out
   * with its own ETag and Last-Modified (nginx's `open_file_cache_valid` does the same).
   */
  revalidateMs?: number;
  /**
   * Watch the root (`Deno.watchFs`) and answer small files from memory without any system
   * call until the watcher reports a change (default false). A request that arrives before
   * the watcher has delivered the event of a write (well under a millisecond, a few under
   * load) may still get the previous version, whole and with its own validators. Falls back
   * to checking every request when watching is unavailable or stops. Call `close()`.
   */
  watch?: boolean;
  /**
   * With `watch`: a file is answered without checks only once every folder above it (in the
   * root) has been unchanged this long, ms (default 2000), time enough for the watcher to
   * have added a new folder's watch.
   */
  settleMs?: number;
  /** Told the paths each watcher event invalidated, or "all" (for tests and logs). */
  onInvalidate?: (paths: readonly string[] | "all") => void;
}

/** A file answered from memory with no system call while the watcher says nothing. */
interface HotEntry {
  entry: FileEntry;
  /** The real path (also the path the URL names: no link on the way). */
  real: string;
  info: Deno.FileInfo;
  /** The paths whose change invalidates it: the file and each folder above it in the root. */
  deps: string[];
}

/** What is known about one file at one (size, mtime). */
interface FileEntry {
  mtime: number;
  size: number;
  etag: string;
  lastModified?: string;
  compressible: boolean;
  /**
   * Headers of a 200 answer with an in-memory body. `Response` adds Content-Length for
   * such a body itself, and each header costs about a microsecond, so only what a client
   * needs is here.
   */
  headers: Record<string, string>;
  /** The same plus Content-Length and Accept-Ranges: for HEAD and streamed bodies. */
  fullHeaders: Record<string, string>;
  /** The bytes, for small files. */
  bytes?: Uint8Array<ArrayBuffer>;
  /**
   * The same as text when it is valid UTF-8: a string body is what `Response` takes
   * fastest (no copy), which matters for the small text files most sites are made of.
   */
  text?: string;
  gzip?: { bytes: Uint8Array<ArrayBuffer>; headers: Record<string, string> };
  br?: { bytes: Uint8Array<ArrayBuffer>; headers: Record<string, string> };
}

const COMPRESSIBLE =
  /^(text\/|application\/(json|javascript|xml|xhtml\+xml|wasm|manifest\+json)|image\/svg\+xml)/;
const MIN_COMPRESS_BYTES = 256;
const MAX_PATH_CACHE = 10_000;
/**
 * A folder is trusted to be watched once it has not changed for this long: the watcher adds
 * a new folder's watch when it sees the folder created, which takes far less.
 */
const SETTLE_MS = 2000;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** TypeScript sources are text here, not MPEG transport streams. */
const TYPE_OVERRIDES: Record<string, string> = {
  ".ts": "text/typescript; charset=UTF-8",
  ".mts": "text/typescript; charset=UTF-8",
  ".tsx": "text/tsx; charset=UTF-8",
  ".wire": "text/plain; charset=UTF-8",
};

/**
 * Serves the files under one root directory.
 *
 * @example Serve a file from a folder
 * ```ts
 * import { StaticFiles } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/hello.txt`, "hi");
 * const files = new StaticFiles(dir);
 * const res = await files.serve(new Request("http://x/hello.txt"), "/hello.txt");
 * assertEquals(await res?.text(), "hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class StaticFiles {
  /** The served directory, as a real path (links resolved). */
  readonly root: string;
  /** URL path as received → the path it names under the root, links not followed yet. */
  #paths = new Map<string, string>();
  #files = new Map<string, FileEntry>();
  #cacheBytes = 0;
  #maxCachedFile: number;
  #maxCache: number;
  #maxListing: number;
  #revalidateMs: number;
  /** Real path → the last stat of it and when it was taken (only with a revalidation window). */
  #stats = new Map<string, { at: number; info: Deno.FileInfo }>();
  /** URL path as received → a file answered without system calls (only while watching). */
  #hot = new Map<string, HotEntry>();
  /** A path of the root → the URL paths of the hot entries that depend on it. */
  #dependents = new Map<string, Set<string>>();
  #watch: RootWatch | undefined;
  #onInvalidate?: (paths: readonly string[] | "all") => void;
  #settleMs: number;

  /**
   * Serves `root`; files are read when asked for.
   *
   * @param root The directory to serve; must exist.
   * @throws {Deno.errors.NotFound} when `root` does not exist.
   * @throws {TypeError} when `root` is not a directory.
   */
  constructor(root: string, opts: StaticFilesOptions = {}) {
    this.root = Deno.realPathSync(root);
    if (!Deno.statSync(this.root).isDirectory) {
      throw new TypeError(`Root "${root}" is not a directory`);
    }
    this.#maxCachedFile = opts.maxCachedFileBytes ?? 256 * 1024;
    this.#maxCache = opts.maxCacheBytes ?? 64 * 1024 * 1024;
    this.#maxListing = opts.maxListingEntries ?? 10_000;
    this.#revalidateMs = opts.revalidateMs ?? 0;
    this.#onInvalidate = opts.onInvalidate;
    this.#settleMs = opts.settleMs ?? SETTLE_MS;
    if (opts.watch) {
      this.#watch = watchRoot(this.root, (paths) => this.#invalidate(paths), () => {
        // nothing is known any more: back to checking every request
        this.#watch = undefined;
        this.#invalidate("all");
      });
    }
  }

  /** Whether the root is being watched (false when watching was not asked for, failed or stopped). */
  get watching(): boolean {
    return this.#watch !== undefined;
  }

  /** Stops watching the root (the cache then checks every request). */
  async close(): Promise<void> {
    const watch = this.#watch;
    this.#watch = undefined;
    this.#invalidate("all");
    await watch?.close();
  }

  /** Same as {@linkcode StaticFiles.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Drops the hot entries (and the held bytes) an event's paths may have changed. */
  #invalidate(paths: readonly string[] | "all"): void {
    if (paths === "all" || paths.some((p) => p === this.root || !isInside(this.root, p))) {
      this.#hot.clear();
      this.#dependents.clear();
      this.#files.clear();
      this.#cacheBytes = 0;
    } else {
      for (const path of paths) {
        this.#dropDependents(path);
        // the held bytes too: an edit within the same millisecond keeps size and mtime
        this.#dropFile(path);
      }
    }
    this.#onInvalidate?.(paths);
  }

  #dropHot(pathname: string): void {
    const hot = this.#hot.get(pathname);
    if (!hot) return;
    this.#hot.delete(pathname);
    for (const dep of hot.deps) {
      const set = this.#dependents.get(dep);
      set?.delete(pathname);
      if (set?.size === 0) this.#dependents.delete(dep);
    }
  }

  /** Drops the hot entries that depend on `path` (a file or a folder above files). */
  #dropDependents(path: string): void {
    const pathnames = this.#dependents.get(path);
    if (pathnames) { for (const pathname of [...pathnames]) this.#dropHot(pathname); }
  }

  #dropFile(path: string): void {
    const old = this.#files.get(path);
    if (!old) return;
    this.#files.delete(path);
    this.#cacheBytes -= old.bytes?.byteLength ?? 0;
    this.#dropDependents(path);
  }

  /**
   * Keeps `entry` as the answer to `pathname` without system calls, when that is safe: the
   * root is watched, the bytes are held, no link is on the way (`joined` is the real path),
   * the file has one name (an edit through another name would not be reported here) and
   * every folder on the way has been still long enough for its watch to be in place.
   */
  #maybeHot(
    pathname: string,
    joined: string,
    real: string,
    entry: FileEntry,
    info: Deno.FileInfo,
  ): void {
    if (this.#watch === undefined || !entry.bytes || this.#files.get(real) !== entry) return;
    if (real !== joined || info.nlink !== 1) return;
    const deps = [real];
    const settled = Date.now() - this.#settleMs;
    for (
      let dir = parentOf(real);
      dir !== this.root && isInside(this.root, dir);
      dir = parentOf(dir)
    ) {
      const ctime = statOrUndefined(dir)?.ctime?.getTime();
      if (ctime === undefined || ctime > settled) return;
      deps.push(dir);
    }
    if (this.#hot.size >= MAX_PATH_CACHE) {
      this.#hot.clear();
      this.#dependents.clear();
    }
    this.#hot.set(pathname, { entry, real, info, deps });
    for (const dep of deps) {
      let set = this.#dependents.get(dep);
      if (!set) this.#dependents.set(dep, set = new Set());
      set.add(pathname);
    }
  }

  /**
   * Answers a request from the root.
   *
   * @param pathname The URL path as received (percent-encoded).
   * @param search The query with its `?`, or `""` (kept on a directory redirect).
   * @param method The request's method, when the caller has read it already.
   * @returns the response, or undefined when no file or directory exists at the path
   * (so the caller can try other handlers).
   */
  serve(
    req: Request,
    pathname: string,
    search = "",
    method: string = req.method,
  ): Response | Promise<Response> | undefined {
    const hot = this.#hot.get(pathname);
    if (hot !== undefined && (method === "GET" || method === "HEAD")) {
      return this.#respond(req, method, hot.entry, hot.real, hot.info);
    }
    let real: string | undefined;
    let joined: string | undefined;
    try {
      joined = this.#paths.get(pathname);
      if (joined === undefined) {
        joined = joinUnderRoot(this.root, pathname);
        if (this.#paths.size >= MAX_PATH_CACHE) this.#paths.clear();
        this.#paths.set(pathname, joined);
      }
      // resolved on every request, cached or not: a folder or file may have been swapped
      // for a link to outside the root since the last one
      real = realPathUnderRoot(this.root, joined);
    } catch (e) {
      if (e instanceof UnsafePathError) return text(e.status, `${e.message}\n`);
      if (e instanceof Deno.errors.PermissionDenied) return text(403, "permission denied\n");
      throw e;
    }
    if (real === undefined) return undefined;
    let path = real;
    let info = this.#revalidateMs > 0 ? this.#recentStat(path) : statOrUndefined(path);
    if (info === undefined) return undefined;
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed();
    if (info.isDirectory) {
      if (!pathname.endsWith("/")) {
        // one leading slash only: `//example.com/` would send the client to another host
        const location = "/" + pathname.replace(/^[/\\]+/, "") + "/" + search;
        return new Response(null, { status: 301, headers: { location } });
      }
      let indexPath: string | undefined;
      try {
        indexPath = realPathUnderRoot(this.root, path + "/index.html");
      } catch (e) {
        if (e instanceof UnsafePathError) return text(e.status, `${e.message}\n`);
        /* unreadable: no index */
      }
      const indexInfo = indexPath !== undefined ? statOrUndefined(indexPath) : undefined;
      if (indexPath && indexInfo?.isFile) {
        path = indexPath;
        info = indexInfo;
      } else {
        const html = new TextEncoder().encode(
          directoryListing(path, safeDecode(pathname), this.#maxListing),
        );
        const headers = {
          "content-type": "text/html; charset=utf-8",
          "content-length": String(html.byteLength),
        };
        return new Response(method === "HEAD" ? null : html, { headers });
      }
    }
    if (!info.isFile) return text(403, "not a regular file\n");
    const entry = this.#entry(path, info);
    this.#maybeHot(
      pathname,
      path === real ? joined : joined + "/index.html",
      path,
      entry,
      info,
    );
    return this.#respond(req, method, entry, path, info);
  }

  /** The file's stat, taken again only when the last one is older than the window. */
  #recentStat(path: string): Deno.FileInfo | undefined {
    const now = Date.now();
    const last = this.#stats.get(path);
    // only for a file whose bytes are held here: a streamed one could change under its
    // Content-Length
    if (last !== undefined && now - last.at < this.#revalidateMs && this.#files.has(path)) {
      return last.info;
    }
    const info = statOrUndefined(path);
    if (info === undefined) {
      this.#stats.delete(path);
      return undefined;
    }
    this.#remember(path, info, now);
    return info;
  }

  #remember(path: string, info: Deno.FileInfo, at = Date.now()): void {
    if (this.#stats.size >= MAX_PATH_CACHE) this.#stats.clear();
    this.#stats.set(path, { at, info });
  }

  /** The answer with `entry` of the file at `path` (opened and checked when not held). */
  #respond(
    req: Request,
    method: string,
    entry: FileEntry,
    path: string,
    info: Deno.FileInfo,
  ): Response | Promise<Response> {
    const inm = req.headers.get("if-none-match");
    if (inm !== null ? !ifNoneMatch(inm, entry.etag) : notModifiedSince(req, entry.mtime)) {
      const headers: Record<string, string> = { etag: entry.etag };
      if (entry.lastModified) headers["last-modified"] = entry.lastModified;
      return new Response(null, { status: 304, headers });
    }
    const head = method === "HEAD";
    const rangeHeader = req.headers.get("range");
    if (rangeHeader !== null && ifRangeHolds(req, entry)) {
      const ranges = parseRange(rangeHeader, entry.size);
      if (ranges === "unsatisfiable") {
        return new Response(null, {
          status: 416,
          headers: {
            ...entry.fullHeaders,
            "content-range": `bytes */${entry.size}`,
            "content-length": "0",
          },
        });
      }
      if (ranges !== "ignore" && ranges.length === 1) {
        const { start, end } = ranges[0]!;
        const headers = {
          ...entry.fullHeaders,
          "content-range": `bytes ${start}-${end}/${entry.size}`,
          "content-length": String(end - start + 1),
        };
        if (head) return new Response(null, { status: 206, headers });
        if (entry.bytes) {
          return new Response(entry.bytes.subarray(start, end + 1), { status: 206, headers });
        }
        return openChecked(path, info).then((file) =>
          file
            ? new Response(rangeOf(file, start, end - start + 1), { status: 206, headers })
            : gone()
        );
      }
      // several ranges or a malformed header: answer with the whole file (RFC 9110 §14.2)
    }
    const encoding = entry.compressible ? pickEncoding(req) : "identity";
    if (entry.bytes) {
      let variant: { bytes: Uint8Array<ArrayBuffer>; headers: Record<string, string> } | undefined;
      if (encoding === "br") variant = entry.br ??= compressed(entry, "br", brotli(entry.bytes));
      else if (encoding === "gzip") {
        variant = entry.gzip ??= compressed(
          entry,
          "gzip",
          gzipSync(entry.bytes) as Uint8Array<ArrayBuffer>,
        );
      }
      if (!variant) {
        if (head) return new Response(null, { headers: entry.fullHeaders });
        return new Response(entry.text ?? entry.bytes, { headers: entry.headers });
      }
      if (head) {
        return new Response(null, {
          headers: { ...variant.headers, "content-length": String(variant.bytes.byteLength) },
        });
      }
      return new Response(variant.bytes, { headers: variant.headers });
    }
    if (encoding !== "identity" && acceptsEncodings(req, "gzip") === "gzip") {
      // a large file: streamed through gzip (streaming brotli is slow)
      // its length is unknown until compressed: GET is chunked, and HEAD says no length
      // either (an empty stream body; a null one would make Deno.serve claim 0)
      const headers: Record<string, string> = { ...entry.headers, "content-encoding": "gzip" };
      if (head) return new Response(new ReadableStream({ start: (c) => c.close() }), { headers });
      return openChecked(path, info).then((f) =>
        f
          ? new Response(f.readable.pipeThrough(new CompressionStream("gzip")), { headers })
          : gone()
      );
    }
    if (head) return new Response(null, { headers: entry.fullHeaders });
    return openChecked(path, info).then((f) =>
      f ? new Response(f.readable, { headers: entry.fullHeaders }) : gone()
    );
  }

  /** The entry for a file at its current size and mtime (read into memory when small). */
  #entry(path: string, info: Deno.FileInfo): FileEntry {
    const mtime = info.mtime?.getTime() ?? 0;
    const size = info.size;
    const hit = this.#files.get(path);
    if (hit && hit.mtime === mtime && hit.size === size) return hit;
    if (hit) this.#dropFile(path);
    const ext = extname(path).toLowerCase();
    const type = TYPE_OVERRIDES[ext] ?? contentType(ext) ?? "application/octet-stream";
    const etag = `W/"${size.toString(16)}-${Math.floor(mtime).toString(16)}"`;
    const lastModified = mtime ? new Date(mtime).toUTCString() : undefined;
    const compressible = COMPRESSIBLE.test(type) && size >= MIN_COMPRESS_BYTES;
    const headers: Record<string, string> = { "content-type": type, etag };
    if (lastModified) headers["last-modified"] = lastModified;
    if (compressible) headers.vary = "Accept-Encoding";
    const fullHeaders = { ...headers, "accept-ranges": "bytes", "content-length": String(size) };
    const entry: FileEntry = {
      mtime,
      size,
      etag,
      lastModified,
      compressible,
      headers,
      fullHeaders,
    };
    if (size <= this.#maxCachedFile) {
      const bytes = readChecked(path, info);
      if (bytes) {
        entry.bytes = bytes;
        try {
          entry.text = UTF8.decode(bytes);
        } catch { /* binary: sent as bytes */ }
      } // else unreadable or changed now: streamed (and checked again) below
    }
    if (!entry.bytes) return entry; // large or changing: not kept
    while (this.#cacheBytes + size > this.#maxCache && this.#files.size > 0) {
      this.#dropFile(this.#files.keys().next().value!);
    }
    this.#files.set(path, entry);
    this.#cacheBytes += size;
    return entry;
  }
}

function compressed(entry: FileEntry, encoding: "gzip" | "br", bytes: Uint8Array<ArrayBuffer>) {
  return {
    bytes,
    headers: { ...entry.headers, "content-encoding": encoding },
  };
}

/**
 * Opens `path` (a real path inside the root) and checks, once open, that it is still the
 * file that was stat'ed and that no link has appeared on its way since it was resolved:
 * undefined (and closed) when either changed.
 */
async function openChecked(path: string, info: Deno.FileInfo): Promise<Deno.FsFile | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return undefined;
  }
  let same = false;
  try {
    same = sameFile(await file.stat(), info) && Deno.realPathSync(path) === path;
  } catch { /* gone meanwhile */ }
  if (!same) file.close();
  return same ? file : undefined;
}

/** Reads a small file whole through {@linkcode openChecked}'s checks (sync, for the cache). */
function readChecked(path: string, info: Deno.FileInfo): Uint8Array<ArrayBuffer> | undefined {
  try {
    using file = Deno.openSync(path);
    if (!sameFile(file.statSync(), info) || Deno.realPathSync(path) !== path) return undefined;
    const bytes = new Uint8Array(info.size);
    let at = 0;
    while (at < bytes.byteLength) {
      const n = file.readSync(bytes.subarray(at));
      if (n === null) return undefined; // shrank: changed under us
      at += n;
    }
    return bytes;
  } catch {
    return undefined;
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size;
}

function rangeOf(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  const skip = file.seek(start, Deno.SeekMode.Start);
  const reader = file.readable.getReader();
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await skip;
      const { done, value } = await reader.read();
      if (done || left <= 0) {
        controller.close();
        await reader.cancel().catch(() => {});
        return;
      }
      const chunk = value.byteLength > left ? value.subarray(0, left) : value;
      left -= chunk.byteLength;
      controller.enqueue(chunk);
      if (left <= 0) {
        controller.close();
        await reader.cancel().catch(() => {});
      }
    },
    async cancel() {
      await reader.cancel().catch(() => {});
    },
  });
}

function gone(): Response {
  return text(404, "not found (changed while being opened)\n");
}

function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined; // gone: resolved again by the caller
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : "/";
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function methodNotAllowed(): Response {
  return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
}

/** br when accepted, else gzip when accepted, else identity (also when the header is absent). */
function pickEncoding(req: Request): "br" | "gzip" | "identity" {
  if (!req.headers.has("accept-encoding")) return "identity";
  if (acceptsEncodings(req, "br") === "br") return "br";
  if (acceptsEncodings(req, "gzip") === "gzip") return "gzip";
  return "identity";
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function brotli(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return brotliCompressSync(bytes, {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 },
  }) as Uint8Array<ArrayBuffer>;
}

function notModifiedSince(req: Request, mtime: number): boolean {
  const ims = req.headers.get("if-modified-since");
  if (ims === null || !mtime) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(mtime / 1000) * 1000 <= since;
}

/** `If-Range`: only a date can match, since our ETags are weak (RFC 9110 §13.1.5). */
function ifRangeHolds(req: Request, entry: FileEntry): boolean {
  const ifRange = req.headers.get("if-range");
  if (ifRange === null) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) return false;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(entry.mtime / 1000) * 1000 === date;
}
