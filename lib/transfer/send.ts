/**
 * The sending side of WPFT/1: offers a file, resumes where the receiver's partial copy
 * matches, streams the data in large chunks while hashing it, and waits for the verdict.
 *
 * @module
 */
import { basename } from "node:path";
import { escapeForDisplay } from "../bytes/escape.ts";
import { ConnReader } from "./conn_reader.ts";
import { guard, type TransferConn, writeAll } from "./conn_io.ts";
import { TransferError } from "./errors.ts";
import {
  encodeDone,
  encodeOffer,
  encodeStart,
  ProtocolError,
  readAnswer,
  readVerdict,
  REFUSE,
  VERDICT,
  type Verdict,
  VERSION,
  VERSION_HASHES,
} from "./protocol.ts";
import { DEFAULT_HASH, digestLength, isSupportedHash } from "./integrity_hash.ts";
import { hashFilePrefix, readChunk } from "./file_chunks.ts";
import { BufferPool, HashPipeline } from "./hash_pipeline.ts";
import { hex, sameDigest } from "./sha256.ts";
import type { ProgressCallback, TransferSummary } from "./summary.ts";

/**
 * Options for {@linkcode sendFile}.
 *
 * @example Send under another name
 * ```ts
 * import type { SendOptions } from "@wireplay/wireplay";
 * const options: SendOptions = { name: "report.pdf", onProgress: (done, total) => console.log(done, total) };
 * ```
 */
export interface SendOptions {
  /** The name to offer; default the file's base name. */
  name?: string;
  /** Bytes read from the file and written per step (default 1 MiB, at least 64 KiB). */
  chunkSize?: number;
  /** Called as data goes out. */
  onProgress?: ProgressCallback;
  /** The peer's address, for the summary. */
  peer?: string;
  /** Hash on this thread (`true`, the default: least CPU) or on a worker thread (`false`). */
  inlineHash?: boolean;
  /**
   * Read the file with blocking calls on this thread instead of the runtime's I/O threads:
   * about 0.1 CPU s/GiB less and the bytes stay in this core's cache for the hash and the
   * socket, but a slow disk stalls everything else on the thread. The one-shot
   * `send-file` uses it; default off.
   */
  blockingFileIo?: boolean;
  /**
   * The integrity hash to ask for: `sha256` (the default; WPFT/1, every receiver) or
   * `xxh128` (WPFT/2, faster; SHA-256 stays acceptable, the receiver picks). A receiver
   * that speaks only WPFT/1 refuses such an offer (`refused`, code `version`).
   */
  hash?: string;
}

/** Default data chunk: large, so the per-call overheads vanish. */
export const DEFAULT_CHUNK = 1024 * 1024;

const REFUSALS: Record<number, string> = {
  [REFUSE.exists]: "exists",
  [REFUSE.badName]: "bad name",
  [REFUSE.tooLarge]: "too large",
  [REFUSE.version]: "version",
  [REFUSE.busy]: "busy",
  [REFUSE.noSpace]: "no space",
  [REFUSE.hash]: "hash",
};

/** What the peer wrote, made safe for a terminal (the REPL's escaping: `\x1b`, `\u202e`…). */
function peerText(text: string): string {
  return escapeForDisplay(new TextEncoder().encode(text), 512);
}

/** How long a failed write waits for the verdict that may explain it. */
const VERDICT_GRACE_MS = 1000;

/**
 * Sends the file at `path` over `conn` (which stays open; the caller closes it).
 *
 * @returns The summary once the receiver confirmed the file verified and in place.
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
export async function sendFile(
  conn: TransferConn,
  path: string,
  opts: SendOptions = {},
): Promise<TransferSummary> {
  let file: Deno.FsFile;
  try {
    // stat first: opening a FIFO would block until someone writes to it
    if (!(await Deno.stat(path)).isFile) {
      throw new TransferError("local", `Cannot send ${path}: not a regular file`);
    }
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof TransferError) throw e;
    throw new TransferError("local", `Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile) throw new TransferError("local", `Cannot send ${path}: not a regular file`);
    const size = stat.size;
    const name = opts.name ?? basename(path);
    const chunk = Math.max(64 * 1024, opts.chunkSize ?? DEFAULT_CHUNK);
    const reader = new ConnReader(conn, 64 * 1024);
    const wanted = opts.hash ?? DEFAULT_HASH;
    if (!isSupportedHash(wanted)) {
      throw new TransferError("local", `Cannot send ${path}: unknown hash "${wanted}"`);
    }
    // SHA-256 alone is WPFT/1, byte for byte what every receiver understands
    const offered = wanted === DEFAULT_HASH ? undefined : [wanted, DEFAULT_HASH];
    const version = offered ? VERSION_HASHES : VERSION;
    return await guard(async () => {
      await writeAll(conn, encodeOffer({ size, name, hashes: offered }));
      const answer = await readAnswer(reader, version);
      if (answer.kind === "refuse") {
        const older = offered && answer.code === REFUSE.version
          ? ` (it speaks only WPFT/1, which verifies with sha256: send with the default hash)`
          : "";
        throw new TransferError(
          "refused",
          `The receiver refused ${name} (${REFUSALS[answer.code] ?? `code ${answer.code}`}): ${
            peerText(answer.message)
          }${older}`,
          { code: answer.code },
        );
      }
      if (answer.offset > size) {
        throw new ProtocolError(`the receiver asked to resume at ${answer.offset}, past the end`);
      }
      if (offered && !offered.includes(answer.hash)) {
        throw new ProtocolError(`the receiver picked the hash "${answer.hash}", not one offered`);
      }
      if (answer.prefixDigest.length !== digestLength(answer.hash)) {
        throw new ProtocolError(
          `a ${answer.hash} digest of ${answer.prefixDigest.length} bytes in ACCEPT`,
        );
      }
      const pool = new BufferPool(8, chunk);
      using hash = await HashPipeline.open({
        inline: opts.inlineHash ?? true,
        algorithm: answer.hash,
      });
      let start = 0;
      if (answer.offset > 0) {
        const read = await hashFilePrefix(file, answer.offset, pool, hash);
        if (read === answer.offset && sameDigest(await hash.peek(), answer.prefixDigest)) {
          start = answer.offset;
        } else {
          await hash.reset();
          await file.seek(0, Deno.SeekMode.Start);
        }
      }
      await writeAll(conn, encodeStart(start));
      // the receiver says nothing more until its verdict, unless it must stop early (it
      // could not store the data): watch for that while sending
      let early: Verdict | undefined;
      const verdictComing = quiet(readVerdict(reader));
      verdictComing.then((v) => (early = v), () => {});
      const began = performance.now();
      let sent = start;
      opts.onProgress?.(sent, size);
      // stages at once: the file read of chunk i+1 (an I/O thread), the socket write of
      // chunk i and its hash (inline: here, while the write is in flight; else the hash
      // of chunk i-1 on the worker)
      const readNext = async (max: number) => {
        const buf = await pool.take();
        return { buf, n: await readChunk(file, buf, max, opts.blockingFileIo) };
      };
      let failure: unknown;
      let hashed: Promise<void> = Promise.resolve();
      let next = quiet(readNext(size - sent));
      try {
        while (sent < size && early === undefined) {
          if (failure !== undefined) throw failure;
          const { buf, n } = await next;
          if (n === 0) {
            throw new TransferError("local", `Cannot send ${path}: it shrank while being sent`);
          }
          const rest = size - sent - n;
          if (rest > 0) next = quiet(readNext(rest));
          if (hash.inline) {
            const writing = writeAll(conn, buf.subarray(0, n));
            hash.updateNow(buf.subarray(0, n));
            await writing;
            pool.give(buf);
          } else {
            await writeAll(conn, buf.subarray(0, n));
            hashed = hash.update(buf, n).then((b) => pool.give(b));
            hashed.catch((e) => (failure ??= e));
          }
          sent += n;
          opts.onProgress?.(sent, size);
        }
      } catch (e) {
        // a write that failed because the receiver gave up: its verdict says why
        const verdict = await within(verdictComing, VERDICT_GRACE_MS);
        if (verdict) throw verdictError(verdict, name, true);
        throw e;
      }
      await hashed;
      const digest = await hash.digest();
      if (early !== undefined) throw verdictError(early, name, true);
      await writeAll(conn, encodeDone(digest));
      const verdict = await verdictComing;
      const seconds = (performance.now() - began) / 1000;
      if (verdict.status !== VERDICT.ok) throw verdictError(verdict, name);
      return {
        direction: "sent",
        name,
        path,
        size,
        sha256: answer.hash === "sha256" ? hex(digest) : "",
        hash: answer.hash,
        digest: hex(digest),
        resumedFrom: start,
        bytes: size - start,
        seconds,
        bytesPerSecond: seconds > 0 ? (size - start) / seconds : 0,
        peer: opts.peer ?? "",
      };
    });
  } finally {
    file.close();
  }
}

/** The failure a verdict other than ok stands for (`early`: it came before all data was sent). */
function verdictError(verdict: Verdict, name: string, early = false): TransferError {
  if (verdict.status === VERDICT.ok) {
    return new TransferError(
      "protocol",
      `Protocol error: the receiver said ok before ${name} was sent`,
    );
  }
  if (verdict.status === VERDICT.hashMismatch) {
    return new TransferError(
      "verify",
      `The receiver found the digest did not match and discarded ${name}: ${
        peerText(verdict.message)
      }`,
      { code: verdict.status },
    );
  }
  return new TransferError(
    "local",
    `The receiver could not store ${name}${early ? " and stopped the transfer" : ""}: ${
      peerText(verdict.message)
    }`,
    { code: verdict.status },
  );
}

/** `p`'s value, or undefined if it fails or takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Marks a promise as handled (we may stop awaiting it on an error), returning it. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
