/**
 * Errors a user can cause. Everything the CLI catches and prints as one line with
 * exit code 2 is a {@linkcode UsageError}; a failed expectation is an
 * `ExpectationError` (exit 1, see `lib/run/expectation_error.ts`). Anything else is a
 * bug and keeps its stack trace.
 *
 * @module
 */

/**
 * A mistake in what the user typed: a flag, an address, a script. Exit code 2.
 *
 * @example Where the mistake is comes first
 * ```ts
 * import { UsageError } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const e = new UsageError("expected a port", { where: "--ports" });
 * assertEquals(e.toString(), "--ports: expected a port");
 * ```
 */
export class UsageError extends Error {
  /** `"UsageError"`, or a subclass's name. */
  override name = "UsageError";
  /** Where the mistake is, e.g. `file.wire:3:9` or `--ports`; prefixed to the message. */
  readonly where?: string;
  /**
   * Makes the error.
   *
   * @param message What is wrong, one sentence.
   * @param options The cause, and `where` the mistake is.
   */
  constructor(message: string, options?: ErrorOptions & { where?: string }) {
    super(message, options);
    this.where = options?.where;
  }
  /** The one line the CLI prints. */
  override toString(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}
