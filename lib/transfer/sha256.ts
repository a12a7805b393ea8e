/**
 * Incremental SHA-256 (node:crypto, about 1 GB/s here) with a peek at the digest so far,
 * which resuming needs: the hash of a prefix, then the same hash continued.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** An incremental SHA-256. */
export class Sha256 {
  #hash: Hash = createHash("sha256");

  /** Adds bytes. */
  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
  }

  /** The digest of everything so far, without ending the hash. */
  peek(): Uint8Array {
    return new Uint8Array(this.#hash.copy().digest());
  }

  /** The final digest; the hash cannot be used afterwards. */
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.digest());
  }
}

/** Lowercase hex of a digest. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether two digests are equal. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Hashes the first `length` bytes of an open file from its start, leaving the file
 * positioned at `length`.
 *
 * @returns The hash (to continue) and how many bytes were actually there.
 */
export async function hashFilePrefix(
  file: Deno.FsFile,
  length: number,
  buffer: Uint8Array,
): Promise<{ hash: Sha256; read: number }> {
  const hash = new Sha256();
  await file.seek(0, Deno.SeekMode.Start);
  let read = 0;
  while (read < length) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, length - read)));
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
    read += n;
  }
  return { hash, read };
}
