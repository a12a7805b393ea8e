/**
 * What a receiver does with the name a sender offers: keep only the base name, refuse
 * what cannot be a plain file name here.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { hasTerminalUnsafe } from "../bytes/terminal.ts";

/**
 * Reduces an offered name to a safe base name: the part after the last `/` or `\`.
 *
 * @param offered The name as sent, e.g. `../../etc/passwd` or `C:\x\y.txt`.
 * @returns The base name (`passwd`, `y.txt`).
 * @throws {RangeError} when nothing usable is left: empty, `.`, `..`, characters unsafe on
 *   a terminal (controls, C1 such as U+009B, bidi overrides such as U+202E: `terminal.ts`),
 *   a name of the `.NAME.part` form this receiver keeps partial files under, or longer
 *   than {@linkcode MAX_BASE_NAME_BYTES}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { safeFileName } from "./file_name.ts";
 * assertEquals(safeFileName("/etc/passwd"), "passwd");
 * ```
 */
export function safeFileName(offered: string): string {
  const base = offered.split(/[\/\\]/).pop() ?? "";
  if (base === "" || base === "." || base === "..") {
    throw new RangeError(`Cannot accept file name "${offered}": no base name left`);
  }
  if (hasTerminalUnsafe(base) || /\t/.test(base)) {
    throw new RangeError(
      `Cannot accept file name "${escapeForDisplay(new TextEncoder().encode(offered))}": ` +
        "control or bidi characters",
    );
  }
  if (isPartName(base)) {
    throw new RangeError(`Cannot accept file name "${offered}": .NAME.part is a partial file`);
  }
  if (new TextEncoder().encode(base).length > MAX_BASE_NAME_BYTES) {
    throw new RangeError(
      `Cannot accept file name "${offered}": longer than ${MAX_BASE_NAME_BYTES} bytes`,
    );
  }
  return base;
}

/** Longest accepted base name: 255 (the usual file-system limit) less `.` and `.part`. */
export const MAX_BASE_NAME_BYTES = 249;

/** The temporary name a file is received under, in the same folder: `.NAME.part`. */
export function partName(name: string): string {
  return `.${name}.part`;
}

/** True for a name of the `.NAME.part` form ({@linkcode partName}). */
export function isPartName(name: string): boolean {
  return name.length > 6 && name.startsWith(".") && name.endsWith(".part");
}
