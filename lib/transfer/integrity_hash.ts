/**
 * The integrity hashes a transfer can be verified with, by their wire names: `sha256`
 * (the default, node:crypto: the CPU's SHA instructions where it has them) and the opt-in
 * `xxh128` (XXH3-128 from `hash-wasm`, loaded only when asked for: a checksum against
 * corruption, several times faster, not a defence against a forger).
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** The hash every WPFT/1 peer uses, and the default. */
export const DEFAULT_HASH = "sha256";

/** The hashes this build supports, fastest first. */
export const SUPPORTED_HASHES: readonly string[] = ["xxh128", "sha256"];

/** Digest length in bytes of each supported hash. */
const DIGEST_LENGTH: Record<string, number> = { sha256: 32, xxh128: 16 };

/** How people write each supported hash's name. */
const LABEL: Record<string, string> = { sha256: "SHA-256", xxh128: "XXH3-128" };

/** `SHA-256` for `sha256`, …; an unknown name as it is. */
export function hashLabel(name: string): string {
  return LABEL[name] ?? name;
}

/** Whether `name` is a hash this build can compute. */
export function isSupportedHash(name: string): boolean {
  return Object.hasOwn(DIGEST_LENGTH, name);
}

/** The digest length of a supported hash. */
export function digestLength(name: string): number {
  const n = DIGEST_LENGTH[name];
  if (n === undefined) throw new RangeError(`unsupported hash "${name}"`);
  return n;
}

/** An incremental hash. */
export interface IntegrityHash {
  update(data: Uint8Array): void;
  /** The digest of everything so far; hashing can go on. */
  peek(): Uint8Array;
  /** The final digest; the hash starts over afterwards. */
  digest(): Uint8Array;
  /** Starts over with an empty hash. */
  reset(): void;
}

/** A new incremental hash of the supported kind `name`. */
export async function createIntegrityHash(name: string): Promise<IntegrityHash> {
  if (name === "sha256") return new NodeHash("sha256");
  if (name === "xxh128") {
    const { createXXHash128 } = await import("hash-wasm");
    const h = await createXXHash128();
    return {
      update: (data) => void h.update(data),
      peek: () => {
        const state = h.save();
        const d = h.digest("binary");
        h.load(state);
        return d;
      },
      digest: () => {
        const d = h.digest("binary");
        h.init();
        return d;
      },
      reset: () => void h.init(),
    };
  }
  throw new RangeError(`unsupported hash "${name}"`);
}

class NodeHash implements IntegrityHash {
  #h: Hash;
  constructor(readonly algorithm: string) {
    this.#h = createHash(algorithm);
  }
  update(data: Uint8Array): void {
    this.#h.update(data);
  }
  peek(): Uint8Array {
    return new Uint8Array(this.#h.copy().digest());
  }
  digest(): Uint8Array {
    const d = new Uint8Array(this.#h.digest());
    this.#h = createHash(this.algorithm);
    return d;
  }
  reset(): void {
    this.#h = createHash(this.algorithm);
  }
}
