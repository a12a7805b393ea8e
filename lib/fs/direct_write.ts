/**
 * Writes a whole file with `O_DIRECT` (Linux, through libc with `--allow-ffi`): the bytes go
 * to the device without passing through the page cache. For bulk that is written once and
 * not read back soon (a recording's side files) this costs a small part of the CPU time of
 * an ordinary write: on a 2-core VM, 0.1 CPU s/GiB instead of 2.5–3.5 (`dd oflag=direct`
 * against plain `dd`), which is what bounds `record`'s throughput.
 *
 * `O_DIRECT` wants the bytes at a 4096-aligned address and whole blocks: the file is written
 * padded to a block, then cut to its size. Like {@linkcode atomicWrite}, the file is written
 * under a temporary name in the same folder and renamed into place, so it is never seen
 * half-written. When direct writes are not possible (no FFI permission, not Linux, a file
 * system refusing `O_DIRECT`, bytes not aligned), {@linkcode DirectWriter.write} says so and
 * the caller writes the ordinary way.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** The alignment of address, length and offset `O_DIRECT` needs (a page; covers 512-byte disks). */
export const DIRECT_ALIGN = 4096;

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32", nonblocking: true },
  // a pointer, not a buffer: a nonblocking call would copy a buffer argument first
  write: { parameters: ["i32", "pointer", "usize"], result: "isize", nonblocking: true },
  ftruncate: { parameters: ["i32", "i64"], result: "i32", nonblocking: true },
  close: { parameters: ["i32"], result: "i32", nonblocking: true },
} as const;

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_CLOEXEC = 0o2000000;
const O_DIRECT = 0o40000; // x86-64's value (arm64's differs: only x86-64 is tried)

let libc: Deno.DynamicLibrary<typeof SYMBOLS> | null | undefined;

function openLibc(): Deno.DynamicLibrary<typeof SYMBOLS> | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return libc;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return libc;
    libc = Deno.dlopen("libc.so.6", SYMBOLS);
  } catch { /* no FFI here */ }
  return libc;
}

/** The address of a view's first byte. */
function addressOf(bytes: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>)));
}

/** Writes whole files with `O_DIRECT` (from {@linkcode directWriter}). */
export interface DirectWriter {
  /**
   * A buffer of `size` bytes (a multiple of {@linkcode DIRECT_ALIGN}) at an aligned address,
   * which {@linkcode DirectWriter.write} can write directly.
   */
  buffer(size: number): Uint8Array;
  /**
   * Writes `bytes` as the file `path` (replacing it), through a temporary file and a rename.
   * Resolves false, having left nothing, when the bytes cannot be written directly (not
   * aligned, or the file system refuses `O_DIRECT`, or a write failed): write them the
   * ordinary way, which also says what is wrong; the writer then stops trying.
   *
   * @throws when the rename fails.
   */
  write(path: string, bytes: Uint8Array): Promise<boolean>;
}

/** A direct writer, or undefined where direct writes are not possible. */
export function directWriter(): DirectWriter | undefined {
  const lib = openLibc();
  if (!lib) return undefined;
  const encoder = new TextEncoder();
  let refused = false;
  return {
    buffer(size) {
      const raw = new Uint8Array(size + DIRECT_ALIGN);
      const skew = Number(addressOf(raw) % BigInt(DIRECT_ALIGN));
      const start = skew === 0 ? 0 : DIRECT_ALIGN - skew;
      return raw.subarray(start, start + size);
    },
    async write(path, bytes) {
      const padded = Math.ceil(bytes.byteLength / DIRECT_ALIGN) * DIRECT_ALIGN;
      if (
        refused || bytes.byteLength === 0 || addressOf(bytes) % BigInt(DIRECT_ALIGN) !== 0n ||
        bytes.byteOffset + padded > bytes.buffer.byteLength
      ) return false;
      const whole = new Uint8Array(bytes.buffer, bytes.byteOffset, padded);
      const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
      const flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT;
      const fd = await lib.symbols.open(encoder.encode(`${tmp}\0`), flags, 0o644);
      if (fd < 0) {
        refused = true; // (EINVAL: no O_DIRECT on this file system; anything else: the ordinary write says what)
        return false;
      }
      let ok = true;
      for (let at = 0; ok && at < padded;) {
        // (`whole` stays referenced, so its memory stays put until the call is over)
        const from = Deno.UnsafePointer.of(whole.subarray(at) as Uint8Array<ArrayBuffer>);
        const n = Number(await lib.symbols.write(fd, from, BigInt(padded - at)));
        ok = n > 0;
        at += n;
      }
      if (ok && padded !== bytes.byteLength) {
        ok = await lib.symbols.ftruncate(fd, BigInt(bytes.byteLength)) === 0;
      }
      ok = await lib.symbols.close(fd) === 0 && ok;
      if (!ok) {
        refused = true;
        await Deno.remove(tmp).catch(() => {});
        return false;
      }
      try {
        await Deno.rename(tmp, path);
      } catch (e) {
        await Deno.remove(tmp).catch(() => {});
        throw e;
      }
      return true;
    },
  };
}
