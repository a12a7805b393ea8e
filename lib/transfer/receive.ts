/**
 * The receiving side of WPFT/1: checks the offered name, its size against `maxSize` and
 * the free space of the folder, resumes from a kept `.NAME.part` when its bytes match the
 * sender's, writes and hashes the data, and renames the file into place only once the
 * SHA-256 matches. An interrupted transfer keeps a non-empty `.part` to resume from; a
 * failed verification, a failed write (disk full) or an interruption before any byte
 * arrived removes it. A `.part` that is not a plain file of ours (a symlink, a hard link,
 * a FIFO) is never opened: the offer is refused.
 *
 * @module
 */
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { ConnReader } from "./conn_reader.ts";
import { TransferError } from "./errors.ts";
import { partName, safeFileName } from "./file_name.ts";
import {
  encodeAccept,
  encodeRefuse,
  encodeVerdict,
  ProtocolError,
  readDone,
  readOffer,
  readStart,
  REFUSE,
  VERDICT,
  VERSION,
  VERSION_HASHES,
  VersionError,
} from "./protocol.ts";
import { DEFAULT_HASH, digestLength, hashLabel, isSupportedHash } from "./integrity_hash.ts";
import { guard, type TransferConn, writeAll } from "./conn_io.ts";
import { hashFilePrefix, writeFileAll } from "./file_chunks.ts";
import { formatBytes } from "../bytes/units.ts";
import { BufferPool, HashPipeline } from "./hash_pipeline.ts";
import { hex, sameDigest } from "./sha256.ts";
import type { ProgressCallback, TransferSummary } from "./summary.ts";

/**
 * Options for {@linkcode receiveFile}.
 *
 * @example Replace existing files, up to 1 GiB
 * ```ts
 * import type { ReceiveOptions } from "@wireplay/wireplay";
 * const options: ReceiveOptions = { dir: "inbox", force: true, maxSize: 1024 ** 3 };
 * ```
 */
export interface ReceiveOptions {
  /** The folder the file is written into. */
  dir: string;
  /** Replace an existing file of the same name. */
  force?: boolean;
  /** Refuse files larger than this many bytes (default {@linkcode DEFAULT_MAX_SIZE}). */
  maxSize?: number;
  /** Names being received right now by this process (shared by concurrent receives). */
  inProgress?: Set<string>;
  /** Called once the offer is accepted, with the name, size and resume offset. */
  onStart?: (info: { name: string; size: number; offset: number }) => void;
  /** Called as data arrives. */
  onProgress?: ProgressCallback;
  /** Bytes per file write (default 1 MiB). */
  chunkSize?: number;
  /** The peer's address, for the summary. */
  peer?: string;
  /** Hash on this thread (`true`, the default: least CPU) or on a worker thread (`false`). */
  inlineHash?: boolean;
  /**
   * Write the file with blocking calls on this thread instead of the runtime's I/O threads
   * (less CPU; a slow disk stalls everything else on the thread, so a server leaves it
   * off). The one-shot `recv-file` uses it; default off.
   */
  blockingFileIo?: boolean;
}

/** The largest file a receiver accepts unless told otherwise (`--max-size`): 16 GiB. */
export const DEFAULT_MAX_SIZE = 16 * 1024 ** 3;

/** How long a receiver that gave up on storing keeps reading the sender's data (so that
 * the sender reads the verdict rather than a reset) before closing. */
const DRAIN_MS = 5_000;

/** A failure to store received bytes (disk full, quota, I/O error). */
class StoreError extends Error {
  override name = "StoreError";
}

/**
 * Receives one file over `conn` into `opts.dir` (the connection stays open; the caller
 * closes it).
 *
 * @returns The summary once the file is verified and in place.
 * @throws {TransferError} `refused`, `verify`, `interrupted`, `protocol` or `local`.
 *
 * @example Send a file over loopback
 * ```ts
 * import {
 *   connectTransfer,
 *   listenTransfer,
 *   parseAddress,
 *   receiveFile,
 *   sendFile,
 * } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/in`);
 * await Deno.writeTextFile(`${dir}/notes.txt`, "hello\n");
 * using listener = await listenTransfer(parseAddress("tcp://127.0.0.1:0"));
 * const receiving = listener.accept().then(({ conn }) => receiveFile(conn, { dir: `${dir}/in` }));
 * const { conn } = await connectTransfer(parseAddress(listener.address), { timeoutMs: 2000 });
 * const sent = await sendFile(conn, `${dir}/notes.txt`);
 * conn.close();
 * const got = await receiving;
 * assertEquals(got.sha256, sent.sha256);
 * assertEquals(await Deno.readTextFile(`${dir}/in/notes.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function receiveFile(
  conn: TransferConn,
  opts: ReceiveOptions,
): Promise<TransferSummary> {
  const chunk = Math.max(64 * 1024, opts.chunkSize ?? 1024 * 1024);
  const reader = new ConnReader(conn, 64 * 1024);
  const inProgress = opts.inProgress ?? new Set<string>();
  return await guard(async () => {
    let offer;
    try {
      offer = await readOffer(reader);
    } catch (e) {
      if (e instanceof VersionError) {
        await writeAll(conn, encodeRefuse(REFUSE.version, e.message)).catch(() => {});
      }
      throw e;
    }
    const version = offer.hashes ? VERSION_HASHES : VERSION;
    const refuse = async (code: number, message: string): Promise<never> => {
      await writeAll(conn, encodeRefuse(code, message, version)).catch(() => {});
      throw new TransferError("refused", message, { code });
    };
    // the sender's first choice that this build supports (WPFT/1: SHA-256)
    const algorithm = offer.hashes ? offer.hashes.find(isSupportedHash) : DEFAULT_HASH;
    if (algorithm === undefined) {
      return await refuse(
        REFUSE.hash,
        `none of the hashes offered (${offer.hashes!.join(", ")}) is supported here`,
      );
    }
    let name: string;
    try {
      name = safeFileName(offer.name);
    } catch (e) {
      return await refuse(REFUSE.badName, (e as Error).message);
    }
    const maxSize = opts.maxSize ?? DEFAULT_MAX_SIZE;
    if (offer.size > maxSize) {
      return await refuse(
        REFUSE.tooLarge,
        `${name} is ${offer.size} bytes, over the limit of ${maxSize} (the receiver's --max-size)`,
      );
    }
    const finalPath = join(opts.dir, name);
    const partPath = join(opts.dir, partName(name));
    if (!opts.force && (await exists(finalPath))) {
      return await refuse(
        REFUSE.exists,
        `${finalPath} exists (the receiver needs --force to replace it)`,
      );
    }
    const partInfo = await lstatOrUndefined(partPath);
    if (partInfo && !partInfo.isFile) {
      return await refuse(
        REFUSE.busy,
        `${partPath} exists and is not a plain file (a ${kindOf(partInfo)}): not touched`,
      );
    }
    const kept = partInfo && partInfo.size <= offer.size ? partInfo.size : 0;
    const free = await freeBytes(opts.dir);
    if (free !== undefined && offer.size - kept > free) {
      return await refuse(
        REFUSE.noSpace,
        `${name} needs ${formatBytes(offer.size - kept)} more, only ${
          formatBytes(free)
        } free in the receiver's folder`,
      );
    }
    // checked and claimed with no await between: two offers of one name cannot both pass
    if (inProgress.has(name)) {
      return await refuse(REFUSE.busy, `${name} is being received right now`);
    }
    inProgress.add(name);
    let file: Deno.FsFile | undefined;
    let opened = false;
    let got = 0;
    let received = false;
    try {
      try {
        file = await openPart(partPath, partInfo);
        opened = true;
      } catch (e) {
        return await refuse(REFUSE.busy, `Cannot write ${partPath}: ${(e as Error).message}`);
      }
      const pool = new BufferPool(8, chunk);
      using hash = await HashPipeline.open({ inline: opts.inlineHash ?? true, algorithm });
      // what we already have from an interrupted run
      const have = (await file.stat()).size;
      let offset = have <= offer.size ? have : 0;
      let prefix: Uint8Array = new Uint8Array(digestLength(algorithm));
      if (offset > 0) {
        offset = await hashFilePrefix(file, offset, pool, hash);
        prefix = await hash.peek();
      }
      await writeAll(conn, encodeAccept(offset, prefix, offer.hashes ? algorithm : undefined));
      const start = await readStart(reader);
      if (start !== offset && start !== 0) {
        throw new ProtocolError(`START at ${start}, neither 0 nor ${offset}`);
      }
      if (start === 0 && offset > 0) await hash.reset();
      if (start !== have) await file.truncate(start);
      await file.seek(start, Deno.SeekMode.Start);
      opts.onStart?.({ name, size: offer.size, offset: start });
      const began = performance.now();
      got = start;
      opts.onProgress?.(got, offer.size);
      // stages at once: the network fills one buffer while earlier ones go to disk; the
      // hash runs inline on each buffer as soon as it is full (while its bytes are in this
      // core's cache), or, with a worker, on the buffers already on disk, in order
      const out = file;
      const store = (data: Uint8Array) =>
        writeFileAll(out, data, opts.blockingFileIo).catch((e) => {
          throw new StoreError(`Cannot write ${partPath}: ${(e as Error).message}`, { cause: e });
        });
      let failure: unknown;
      const noteFailure = (p: Promise<unknown>) => p.catch((e) => (failure ??= e));
      let written: Promise<void> = Promise.resolve();
      let posted: Promise<void> = Promise.resolve();
      let hashed: Promise<void> = Promise.resolve();
      const settle = async () => {
        await written.catch(() => {});
        await posted.catch(() => {});
        await hashed.catch(() => {});
      };
      while (got < offer.size) {
        if (failure !== undefined) {
          await settle();
          throw failure;
        }
        const want = Math.min(chunk, offer.size - got);
        const buf = await pool.take();
        const n = await reader.readFull(buf.subarray(0, want));
        if (n > 0 && hash.inline) {
          hash.updateNow(buf.subarray(0, n));
          written = written.then(() => store(buf.subarray(0, n)));
          const giveBack = () => pool.give(buf); // also after a failed write: never stall
          written.then(giveBack, giveBack);
          noteFailure(written);
          got += n;
          opts.onProgress?.(got, offer.size);
        } else if (n > 0) {
          const thisWrite = written = written.then(() => store(buf.subarray(0, n)));
          posted = Promise.all([posted, thisWrite]).then(() => {
            hashed = hash.update(buf, n).then((b) => pool.give(b));
            noteFailure(hashed);
          });
          noteFailure(thisWrite);
          noteFailure(posted);
          got += n;
          opts.onProgress?.(got, offer.size);
        } else {
          pool.give(buf);
        }
        if (n < want) {
          await settle();
          if (failure !== undefined) throw failure;
          if (got === 0) {
            throw new TransferError(
              "interrupted",
              `The connection closed before any data of ${name} arrived`,
            );
          }
          throw new TransferError(
            "interrupted",
            `The connection closed after ${got} of ${offer.size} bytes; ${partPath} is kept to resume`,
          );
        }
      }
      await written;
      await posted;
      await hashed;
      file.close();
      file = undefined;
      received = true;
      const theirs = await readDone(reader, digestLength(algorithm));
      const ours = await hash.digest();
      const seconds = (performance.now() - began) / 1000;
      if (!sameDigest(ours, theirs)) {
        await Deno.remove(partPath).catch(() => {});
        await writeAll(
          conn,
          encodeVerdict(
            VERDICT.hashMismatch,
            `${hashLabel(algorithm)} ${hex(ours)} is not ${hex(theirs)}`,
          ),
        ).catch(() => {});
        throw new TransferError(
          "verify",
          `${name}: ${hashLabel(algorithm)} mismatch (received ${hex(ours)}, sender has ${
            hex(theirs)
          }); discarded`,
        );
      }
      try {
        await moveIntoPlace(partPath, finalPath, opts.force ?? false);
      } catch (e) {
        const why = e instanceof Deno.errors.AlreadyExists
          ? `${finalPath} appeared meanwhile`
          : (e as Error).message;
        await writeAll(conn, encodeVerdict(VERDICT.writeFailed, why)).catch(() => {});
        throw new TransferError(
          "local",
          `Cannot store ${finalPath}: ${why} (verified data kept in ${partPath})`,
        );
      }
      await writeAll(conn, encodeVerdict(VERDICT.ok, "ok"));
      return {
        direction: "received",
        name,
        path: finalPath,
        size: offer.size,
        sha256: algorithm === DEFAULT_HASH ? hex(ours) : "",
        hash: algorithm,
        digest: hex(ours),
        resumedFrom: start,
        bytes: offer.size - start,
        seconds,
        bytesPerSecond: seconds > 0 ? (offer.size - start) / seconds : 0,
        peer: opts.peer ?? "",
      };
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      // disk full, quota, I/O error: tell the sender now (it watches for an early
      // verdict), free the space, and read what is still coming so it sees the verdict
      try {
        file?.close();
      } catch { /* closed */ }
      file = undefined;
      await Deno.remove(partPath).catch(() => {});
      await writeAll(conn, encodeVerdict(VERDICT.writeFailed, e.message)).catch(() => {});
      await drain(reader, DRAIN_MS);
      throw new TransferError("local", `${e.message}; removed ${partPath}`, { cause: e });
    } finally {
      try {
        file?.close();
      } catch { /* closed */ }
      // nothing a resume could use: an empty .part is not left behind
      if (opened && !received && got === 0) {
        const left = await lstatOrUndefined(partPath);
        if (left?.isFile && left.size === 0) await Deno.remove(partPath).catch(() => {});
      }
      inProgress.delete(name);
    }
  });
}

/**
 * Opens `.NAME.part` for reading and writing without ever following a link: a new one is
 * created exclusively (`O_CREAT|O_EXCL` fails on any existing name, dangling symlinks
 * included); an existing one must still be the plain, singly linked file `lstat` saw.
 */
async function openPart(path: string, seen: Deno.FileInfo | undefined): Promise<Deno.FsFile> {
  if (!seen) return await Deno.open(path, { read: true, write: true, createNew: true });
  const file = await Deno.open(path, { read: true, write: true });
  try {
    const now = await file.stat();
    if (!now.isFile || now.ino !== seen.ino || now.dev !== seen.dev) {
      throw new Error("it was replaced while being opened");
    }
    if ((now.nlink ?? 1) > 1) throw new Error("it has other hard links");
    return file;
  } catch (e) {
    file.close();
    throw e;
  }
}

/** Bytes free for an unprivileged user in `dir`, or undefined when unknown (no `--allow-sys`). */
async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** Reads and discards until the peer closes or `ms` pass. */
async function drain(reader: ConnReader, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  const reading = (async () => {
    try {
      while ((await reader.readChunk(64 * 1024)) !== null) { /* discard */ }
    } catch { /* closed */ }
  })();
  await Promise.race([reading, deadline]);
  clearTimeout(timer);
}

function kindOf(info: Deno.FileInfo): string {
  return info.isSymlink ? "symlink" : info.isDirectory ? "directory" : "special file";
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Renames without replacing (link + unlink) unless `force`, when it replaces atomically. */
async function moveIntoPlace(from: string, to: string, force: boolean): Promise<void> {
  if (force) {
    await Deno.rename(from, to);
    return;
  }
  await Deno.link(from, to); // fails with AlreadyExists: never clobbers
  await Deno.remove(from);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
