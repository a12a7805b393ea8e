/**
 * The result of a completed transfer, as `--json` prints it.
 *
 * @module
 */

/**
 * What a finished transfer reports, on either side.
 *
 * @example One line per transfer
 * ```ts
 * import type { TransferSummary } from "@wireplay/wireplay";
 * function line(s: TransferSummary): string {
 *   return `${s.direction} ${s.name} (${s.size} bytes, sha256 ${s.sha256.slice(0, 12)}…)`;
 * }
 * ```
 */
export interface TransferSummary {
  /** `sent` or `received`. */
  direction: "sent" | "received";
  /** The file name as offered (sender) or as written (receiver, base name only). */
  name: string;
  /** The path read (sender) or written (receiver). */
  path: string;
  /** File size in bytes. */
  size: number;
  /** SHA-256 of the whole file, lowercase hex (empty when another hash was used). */
  sha256: string;
  /** The integrity hash the transfer was verified with: `sha256` (default) or `xxh128`. */
  hash: string;
  /** The whole file's digest in {@linkcode TransferSummary.hash}, lowercase hex. */
  digest: string;
  /** Where this run's data started: > 0 when an interrupted transfer was resumed. */
  resumedFrom: number;
  /** Data bytes carried by this run (`size - resumedFrom`). */
  bytes: number;
  /** Wall time of the transfer in seconds. */
  seconds: number;
  /** `bytes / seconds`. */
  bytesPerSecond: number;
  /** The peer's address. */
  peer: string;
}

/**
 * Progress callback: data bytes of the file now present, of `total`.
 *
 * @example A percentage
 * ```ts
 * import type { ProgressCallback } from "@wireplay/wireplay";
 * const progress: ProgressCallback = (done, total) => console.log(`${Math.round((done / total) * 100)}%`);
 * ```
 */
export type ProgressCallback = (done: number, total: number) => void;
