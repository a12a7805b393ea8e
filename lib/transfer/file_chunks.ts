/**
 * Reading files in large chunks through a {@linkcode BufferPool}, and hashing a file's
 * first bytes (what resuming compares) on a {@linkcode HashPipeline}.
 *
 * @module
 */
import type { BufferPool, HashPipeline } from "./hash_pipeline.ts";

/**
 * Reads up to `max` bytes into `buf`, filling it unless the file ends; returns the count.
 * `blocking` reads with blocking calls on this thread (see `SendOptions.blockingFileIo`).
 */
export async function readChunk(
  file: Deno.FsFile,
  buf: Uint8Array,
  max: number,
  blocking = false,
): Promise<number> {
  const want = Math.min(buf.length, max);
  let n = 0;
  while (n < want) {
    const into = buf.subarray(n, want);
    const got = blocking ? file.readSync(into) : await file.read(into);
    if (got === null) break;
    n += got;
  }
  return n;
}

/** Writes every byte of `data` to `file` (`blocking`: with blocking calls on this thread). */
export async function writeFileAll(
  file: Deno.FsFile,
  data: Uint8Array,
  blocking = false,
): Promise<void> {
  let off = 0;
  while (off < data.length) {
    off += blocking ? file.writeSync(data.subarray(off)) : await file.write(data.subarray(off));
  }
}

/**
 * Feeds the first `length` bytes of `file` (from its start) into `hash`, leaving the
 * file positioned after them.
 *
 * @returns How many bytes there were (less than `length` if the file is shorter).
 */
export async function hashFilePrefix(
  file: Deno.FsFile,
  length: number,
  pool: BufferPool,
  hash: HashPipeline,
): Promise<number> {
  await file.seek(0, Deno.SeekMode.Start);
  let read = 0;
  let failure: unknown;
  let last: Promise<void> = Promise.resolve();
  while (read < length && failure === undefined) {
    const buf = await pool.take();
    const n = await readChunk(file, buf, length - read);
    if (n === 0) {
      pool.give(buf);
      break;
    }
    last = hash.update(buf, n).then((b) => pool.give(b));
    last.catch((e) => (failure ??= e));
    read += n;
  }
  await last; // the worker answers in order: the last one done means all are
  if (failure !== undefined) throw failure;
  return read;
}
