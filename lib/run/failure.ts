/**
 * A failed statement: an expectation not met, a connection refused, an unknown
 * variable. Carries where it happened and what arrived, and renders the report
 * SPEC §3 asks for.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { hexdump } from "../bytes/hexdump.ts";
import { isBinary } from "../bytes/text.ts";
import { formatDuration } from "../bytes/units.ts";
import type { Span } from "../script/ast.ts";
import { maskSecretBytes, maskSecrets } from "../secrets/secrets.ts";

/**
 * Details of a failure, for reports.
 *
 * @example Read what arrived instead
 * ```ts
 * import type { FailureDetails } from "@wireplay/wireplay";
 * function received(d: FailureDetails): string {
 *   return d.received ? new TextDecoder().decode(d.received) : d.actual ?? "";
 * }
 * received({ expected: 'line "+PONG"', actual: "+PANG" });
 * ```
 */
export interface FailureDetails {
  /** What the statement waited for, e.g. `line "+PONG"`. */
  expected?: string;
  /** What actually arrived (unread bytes at the time). */
  received?: Uint8Array;
  /** Text describing what arrived, when it is not bytes (an HTTP status, a value). */
  actual?: string;
  /** How long it waited, ms. */
  waitedMs?: number;
  /** The deadline it had, ms. */
  timeoutMs?: number;
  /** Extra lines (a request/response excerpt, a diff). */
  notes?: string[];
}

/**
 * A statement that failed at run time. Exit code 1.
 *
 * @example A failed expect in a script
 * ```ts
 * import { ExpectationError, runWire } from "@wireplay/wireplay";
 * import { assertEquals, assertRejects } from "@std/assert";
 * const e = await assertRejects(
 *   () =>
 *     runWire(`
 *       serve echo tcp://127.0.0.1:0 as s
 *       connect \${s.address} as c
 *       send c "PONG\\n"
 *       expect c line "PING" within 2s
 *     `),
 *   ExpectationError,
 * );
 * assertEquals(e.reason, "line differs");
 * ```
 */
export class ExpectationError extends Error {
  /** Always `"ExpectationError"`. */
  override name = "ExpectationError";
  /** Makes the error; the message is the rendered report. */
  constructor(
    /** Why the statement failed, one line: `line differs`. */
    readonly reason: string,
    /** The script's path. */
    readonly file: string,
    /** Where the statement is in the script. */
    readonly span: Span | undefined,
    /** The statement's source text. */
    readonly statement: string,
    /** What was expected and what arrived. */
    readonly details: FailureDetails = {},
    options?: ErrorOptions,
  ) {
    super("", options);
    // the message, reason and statement never show a secret (mod.ts callers read them)
    this.reason = maskSecrets(reason);
    this.statement = maskSecrets(statement);
    this.message = this.render();
  }

  /** `file:line` of the statement. */
  get where(): string {
    return this.span ? `${this.file}:${this.span.line}` : this.file;
  }

  /** The multi-line report, every secret shown as `***` (hex dumps included). */
  render(): string {
    return maskSecrets(this.#render());
  }

  #render(): string {
    const d = this.details;
    const lines = [`${this.where}: ${this.reason}`];
    if (this.statement) lines.push(`  statement: ${this.statement}`);
    if (d.expected !== undefined) lines.push(`  expected:  ${d.expected}`);
    if (d.actual !== undefined) lines.push(`  actual:    ${d.actual}`);
    if (d.received !== undefined) {
      if (d.received.byteLength === 0) lines.push(`  received:  nothing`);
      else {
        // masked as bytes first: a hex dump shows a secret as hex digits no text mask sees
        const shown = maskSecretBytes(d.received);
        lines.push(
          `  received:  "${escapeForDisplay(shown, 400)}" (${d.received.byteLength} bytes)`,
        );
        if (isBinary(shown)) {
          lines.push(...hexdump(shown, 256).split("\n").map((l) => `             ${l}`));
        }
      }
    }
    if (d.waitedMs !== undefined) {
      lines.push(
        `  waited:    ${formatDuration(d.waitedMs)}${
          d.timeoutMs !== undefined ? ` (timeout ${formatDuration(d.timeoutMs)})` : ""
        }`,
      );
    }
    for (const n of d.notes ?? []) lines.push(`  ${n}`);
    return lines.join("\n");
  }
}
