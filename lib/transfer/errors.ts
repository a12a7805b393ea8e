/**
 * Why a transfer did not complete. The CLI prints the message as one line and exits 1.
 *
 * @module
 */

/**
 * What kind of failure: the CLI and tests tell them apart by `kind`.
 *
 * @example Worth retrying?
 * ```ts
 * import type { TransferFailure } from "@wireplay/wireplay";
 * function retry(kind: TransferFailure): boolean {
 *   return kind === "interrupted";
 * }
 * ```
 */
export type TransferFailure =
  /** The receiver refused the offer (exists, bad name, too large, busy). */
  | "refused"
  /** The SHA-256 did not match; the receiver discarded the data. */
  | "verify"
  /** The connection ended before the transfer finished; a `.part` is kept for resuming. */
  | "interrupted"
  /** The peer broke the protocol. */
  | "protocol"
  /** A local problem: the file could not be read or written. */
  | "local";

/**
 * A transfer that did not complete.
 *
 * @example Telling failures apart
 * ```ts
 * import { TransferError } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const e = new TransferError("refused", "the file exists", { code: 409 });
 * assertEquals([e.kind, e.code], ["refused", 409]);
 * ```
 */
export class TransferError extends Error {
  /** Always `"TransferError"`. */
  override name = "TransferError";
  /** Makes the error; `options.code` is the peer's REFUSE code or VERDICT status. */
  constructor(
    /** What kind of failure. */
    readonly kind: TransferFailure,
    message: string,
    options?: ErrorOptions & { code?: number },
  ) {
    super(message, options);
    this.code = options?.code;
  }
  /** The REFUSE code or VERDICT status from the peer, when there was one. */
  readonly code?: number;
}
