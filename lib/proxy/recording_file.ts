/**
 * Where a recording is written: the `.wire` text, and large binary payloads as side files
 * in a folder next to it (`rec.wire` → `rec.d/c3-0004.bin`, written in the recording as
 * `file "rec.d/c3-0004.bin"`).
 *
 * Nothing is seen half-written: a fresh recording is written into a temporary file that
 * replaces the old one (rename) once its header is in, and then grows by whole statements;
 * each side file is written to a temporary name and renamed into place before the
 * statement naming it is written, so a recording stopped at any point never names a
 * missing file. Side files are written in the background (the proxy's pumps go on); past
 * {@linkcode SIDE_BACKLOG_BYTES} waiting, {@linkcode SideFiles.ready} holds the pumps back.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { maskScript } from "../secrets/secrets.ts";
import { atomicWrite } from "../fs/atomic_write.ts";
import { DIRECT_ALIGN, type DirectWriter, directWriter } from "../fs/direct_write.ts";

/** The most bytes of side files waiting to be written before the proxy is held back. */
export const SIDE_BACKLOG_BYTES = 64 * 1024 * 1024;

/** A side file's name: the connection, then its number on that connection. */
const SIDE_NAME = /^c\d+-\d+\.bin$/;
/** A side file still being written (left behind only by a process killed meanwhile). */
const SIDE_TEMP = /^\.c\d+-\d+\.bin\.[0-9a-f]{8}\.tmp$/;

/**
 * Writes payloads as side files of a recording.
 *
 * @example A sink keeping side files in memory
 * ```ts
 * import type { SideFiles } from "@wireplay/wireplay/proxy";
 * const files = new Map<string, Uint8Array>();
 * const sideFiles: SideFiles = {
 *   add(conn, bytes) {
 *     const path = `rec.d/${conn}-${files.size + 1}.bin`;
 *     files.set(path, bytes);
 *     return path;
 *   },
 *   ready: () => undefined,
 * };
 * // new WireRecorder({ upstream, write, sideFiles })
 * ```
 */
export interface SideFiles {
  /**
   * Queues `bytes` (kept, not copied: the caller must not change them) as a new side file
   * of connection `conn` (`c3`); returns its path as the recording names it, relative to
   * the recording's folder (`rec.d/c3-0004.bin`). Text written after this call is written
   * after the side file is complete.
   */
  add(conn: string, bytes: Uint8Array): string;
  /** A promise while too many bytes wait to be written (wait on it), else undefined. */
  ready(): Promise<void> | undefined;
  /**
   * A buffer of `size` bytes to fill and pass (or a view of it) to {@linkcode SideFiles.add}:
   * one already written and free again when there is one (fresh memory costs more than
   * reused memory).
   */
  buffer?(size: number): Uint8Array;
}

/** The folder of `path`'s side files: `rec.wire` → `rec.d` beside it. */
export function sideFolder(path: string): string {
  return join(dirname(path), `${basename(path).replace(/\.wire$/, "")}.d`);
}

/** Text to write, or a side file being written (started at once: several write in parallel). */
type Job = { text: Uint8Array } | { bytes: Uint8Array; written: Promise<void>; memory: number };

/** An open recording (from {@linkcode openRecordingFile}). */
export class RecordingFile {
  /** The side files of this recording, for `WireRecorder`'s `sideFiles` option. */
  readonly sideFiles: SideFiles;
  #path: string;
  #file: Deno.FsFile;
  /** The temporary file a fresh recording is written into until its header is in. */
  #temp: string | undefined;
  #dir: string;
  #counts = new Map<string, number>();
  #jobs: Job[] = [];
  #backlog = 0;
  #running: Promise<void> | undefined;
  #waiters: (() => void)[] = [];
  #error: Error | undefined;
  #encoder = new TextEncoder();
  /** Buffers lent by `buffer()`, by their memory; once written they go back to `#free`. */
  #lent = new WeakMap<ArrayBufferLike, Uint8Array>();
  #free: Uint8Array[] = [];
  /** Writes side files past the page cache where it can (Linux, `--allow-ffi`). */
  #direct: DirectWriter | undefined = directWriter();
  /** The side folder, made when the first side file is written. */
  #made: Promise<void> | undefined;
  #closed = false;

  constructor(path: string, append: boolean) {
    this.#path = path;
    this.#dir = sideFolder(path);
    if (append) {
      this.#file = Deno.openSync(path, { append: true });
    } else {
      this.#temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
      this.#file = Deno.openSync(this.#temp, { write: true, createNew: true });
    }
    this.#clean(append ? SIDE_TEMP : undefined);
    const ref = basename(this.#dir);
    this.sideFiles = {
      add: (conn, given) => {
        const bytes = this.#fitted(given);
        const n = (this.#counts.get(conn) ?? 0) + 1;
        this.#counts.set(conn, n);
        const name = `${conn}-${String(n).padStart(4, "0")}.bin`;
        const written = this.#writeSide(name, bytes);
        written.catch(() => {}); // awaited in order by #run
        // the backlog counts the memory held: a lent buffer's whole size
        const memory = this.#lent.get(bytes.buffer)?.byteLength ?? bytes.byteLength;
        this.#jobs.push({ bytes, written, memory });
        this.#backlog += memory;
        this.#run();
        return `${ref}/${name}`;
      },
      ready: () => {
        if (this.#backlog <= SIDE_BACKLOG_BYTES || this.#error) return undefined;
        return new Promise<void>((resolve) => this.#waiters.push(resolve));
      },
      buffer: (size) => {
        const i = this.#free.findIndex((b) => b.byteLength === size);
        const buf = i >= 0
          ? this.#free.splice(i, 1)[0]!
          : this.#direct?.buffer(size) ?? new Uint8Array(size);
        this.#lent.set(buf.buffer, buf);
        return buf;
      },
    };
  }

  /**
   * `bytes`, or a copy of them in a buffer of their size when they fill less than a quarter of
   * a lent one (which is free again at once): many short runs (many connections interleaved)
   * would otherwise each hold a large buffer, and a short backlog of them hold the proxy back.
   */
  #fitted(bytes: Uint8Array): Uint8Array {
    const lent = this.#lent.get(bytes.buffer);
    if (!lent || bytes.byteLength * 4 > lent.byteLength) return bytes;
    this.#lent.delete(bytes.buffer);
    const size = Math.ceil(bytes.byteLength / DIRECT_ALIGN) * DIRECT_ALIGN;
    const copy = (this.#direct?.buffer(size) ?? new Uint8Array(size)).subarray(0, bytes.byteLength);
    copy.set(bytes);
    this.#keep(lent);
    return copy;
  }

  /** Keeps a written buffer for reuse, as many as the backlog can hold. */
  #keep(buffer: Uint8Array): void {
    const kept = this.#free.reduce((n, b) => n + b.byteLength, 0);
    if (kept + buffer.byteLength <= SIDE_BACKLOG_BYTES) this.#free.push(buffer);
  }

  /** Writes text (whole statements) after everything written before; secrets masked. */
  write(text: string): void {
    if (this.#error || this.#closed) return;
    const bytes = this.#encoder.encode(maskScript(text));
    if (this.#running) this.#jobs.push({ text: bytes });
    else this.#writeText(bytes);
  }

  /**
   * Waits for the side files and text still queued, then closes the file.
   *
   * @throws the first error writing the recording met (what follows it was not written).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#running) await this.#running;
    this.#file.close();
    if (this.#temp) Deno.removeSync(this.#temp); // never got its header: the old one stays
    if (this.#error) throw this.#error;
  }

  #writeText(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.byteLength) off += this.#file.writeSync(bytes.subarray(off));
    if (this.#temp) {
      // the header is in: the new recording replaces the old one, whose side files go
      Deno.renameSync(this.#temp, this.#path);
      this.#temp = undefined;
      this.#clean(SIDE_NAME);
    }
  }

  /** Removes leftovers in the side folder: temporary files, and names matching `also`. */
  #clean(also: RegExp | undefined): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.#dir)];
    } catch {
      return; // no side folder
    }
    for (const e of entries) {
      if (e.isFile && (SIDE_TEMP.test(e.name) || also?.test(e.name))) {
        try {
          Deno.removeSync(join(this.#dir, e.name));
        } catch { /* gone meanwhile */ }
      }
    }
    try {
      Deno.removeSync(this.#dir); // only when empty
    } catch { /* still holds files */ }
  }

  #run(): void {
    if (this.#running) return;
    this.#running = (async () => {
      try {
        for (let job = this.#jobs.shift(); job; job = this.#jobs.shift()) {
          if ("text" in job) this.#writeText(job.text);
          else {
            await job.written;
            this.#backlog -= job.memory;
            const lent = this.#lent.get(job.bytes.buffer);
            if (lent) {
              this.#lent.delete(job.bytes.buffer);
              this.#keep(lent);
            }
            if (this.#backlog <= SIDE_BACKLOG_BYTES / 2) this.#wake();
          }
        }
      } catch (e) {
        // nothing after a failed write is written: the recording never names a missing file
        this.#error = e instanceof Error ? e : new Error(String(e));
        this.#jobs = [];
        this.#backlog = 0;
      } finally {
        this.#running = undefined;
        this.#wake();
      }
    })();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #writeSide(name: string, bytes: Uint8Array): Promise<void> {
    const final = join(this.#dir, name);
    try {
      await (this.#made ??= Deno.mkdir(this.#dir, { recursive: true }));
      if (!await this.#direct?.write(final, bytes)) await atomicWrite(final, bytes);
    } catch (e) {
      throw new Error(`cannot write "${final}": ${(e as Error).message}`);
    }
  }
}

/**
 * Opens `path` for a recording: a fresh one replaces the file once its header is written;
 * with `append`, statements are added to the end of an existing one.
 */
export function openRecordingFile(
  path: string,
  options: { append?: boolean } = {},
): RecordingFile {
  return new RecordingFile(path, options.append ?? false);
}
