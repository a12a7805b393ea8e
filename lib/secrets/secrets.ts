/**
 * Secrets: values a script uses but that are never written anywhere — failure reports,
 * every reporter, `--trace` diagrams, the REPL, `:save`, recordings, `--update`
 * rewrites. They are registered here, process-wide (`secret NAME = VALUE`,
 * `--secret NAME=VALUE`, `secret env NAME`), and every output edge passes its text
 * through {@linkcode maskSecrets} (shown as `***`) or, for text that becomes a script,
 * {@linkcode maskScript} (the value becomes `${NAME}`).
 *
 * A value is recognised as written raw and in every escaped form an output uses:
 * the display escape (`\n`, `\xNN`), a `.wire` string literal, JSON and HTML/XML.
 *
 * @module
 */
import { escapeBytes } from "../bytes/escape.ts";
import { concatBytes } from "../bytes/text.ts";
import { UsageError } from "../errors.ts";

/** What a secret is shown as. */
export const MASK = "***";

const MASK_BYTES = new TextEncoder().encode(MASK);

/**
 * The shortest secret, in bytes: a shorter one would mask every occurrence of those
 * characters in every output, so it is refused.
 */
export const MIN_SECRET_BYTES = 4;

interface Secret {
  name: string;
  value: string;
  /** The value's UTF-8 bytes (what travels on the wire). */
  bytes: Uint8Array;
  /** The value as each output writes it, longest first. */
  forms: string[];
}

const byName = new Map<string, Secret>();
let ordered: Secret[] = [];

function formsOf(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const wire = escapeBytes(bytes);
  const forms = new Set([
    value,
    wire,
    wire.replaceAll("\\$", "$"),
    JSON.stringify(value).slice(1, -1),
    htmlEscape(value),
    htmlEscape(wire.replaceAll("\\$", "$")),
    JSON.stringify(wire.replaceAll("\\$", "$")).slice(1, -1),
  ]);
  forms.delete("");
  return [...forms].sort((a, b) => b.length - a.length);
}

function htmlEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * Registers (or replaces) a secret. An empty value hides nothing and is not registered.
 *
 * @param where Where the value was given (`file.wire:3:8`, `--secret`), for the error.
 * @throws {UsageError} when the value is shorter than {@linkcode MIN_SECRET_BYTES}.
 *
 * @example Keep a password out of reports
 * ```ts
 * import { addSecret, maskSecrets } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * addSecret("db_password", "hunter2");
 * assertEquals(maskSecrets("login with hunter2"), "login with ***");
 * ```
 */
export function addSecret(name: string, value: string, where?: string): void {
  if (value === "") return;
  const bytes = new TextEncoder().encode(value);
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    // the message never repeats the value
    throw new UsageError(
      `secret "${name}" is ${bytes.byteLength} byte${bytes.byteLength === 1 ? "" : "s"} long: ` +
        `a secret needs at least ${MIN_SECRET_BYTES} (a shorter one would mask those characters everywhere)`,
      { where },
    );
  }
  byName.set(name, { name, value, bytes, forms: formsOf(value) });
  // longest values first, so a secret containing another is masked whole
  ordered = [...byName.values()].sort((a, b) => b.bytes.byteLength - a.bytes.byteLength);
}

/** True when some secret is registered (edges can skip the work otherwise). */
export function hasSecrets(): boolean {
  return byName.size > 0;
}

/** The registered secrets' names. */
export function secretNames(): string[] {
  return [...byName.keys()];
}

/** True when `name` is a secret. */
export function isSecret(name: string): boolean {
  return byName.has(name);
}

/** Forgets every secret (tests). */
export function clearSecrets(): void {
  byName.clear();
  ordered = [];
}

/**
 * The one masking function: every form of every secret's value in `text` replaced by
 * `replacement(name)` (default `***`).
 *
 * @example Name the secret instead of stars
 * ```ts
 * import { addSecret, maskSecrets } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * addSecret("api_token", "s3cr3t-token");
 * assertEquals(maskSecrets("Bearer s3cr3t-token", (name) => `<${name}>`), "Bearer <api_token>");
 * ```
 */
export function maskSecrets(
  text: string,
  replacement: (name: string) => string = () => MASK,
): string {
  if (ordered.length === 0) return text;
  let out = text;
  for (const s of ordered) {
    for (const form of s.forms) {
      if (out.includes(form)) out = out.split(form).join(replacement(s.name));
    }
  }
  return out;
}

/**
 * {@linkcode maskSecrets} on bytes: every secret's raw bytes replaced by `***`, whatever
 * surrounds them (binary data too), before the bytes are escaped or hex-dumped.
 */
export function maskSecretBytes(bytes: Uint8Array): Uint8Array {
  return scan(bytes, true).masked;
}

/**
 * Masks a stream that arrives in chunks, so that a secret cut anywhere between two
 * chunks is still masked whole: {@linkcode push} returns what can be shown now and holds
 * back the trailing bytes while they are the start of some secret (fewer than the longest
 * secret's length); the next push, or {@linkcode flush} (quiet connection, end), releases
 * them. The bytes shown, joined, are what {@linkcode maskSecretBytes} makes of the whole
 * stream. Without secrets, bytes pass through at once.
 */
export class SecretStreamMask {
  /** Held back, unmasked (a longer secret may still complete them). */
  #held: Uint8Array = new Uint8Array(0);

  /** The masked bytes that can be shown now. */
  push(bytes: Uint8Array): Uint8Array {
    if (ordered.length === 0 && this.#held.byteLength === 0) return bytes;
    const joined = this.#held.byteLength ? concatBytes([this.#held, bytes]) : bytes;
    const { masked, end } = scan(joined, false);
    this.#held = joined.slice(end);
    return masked;
  }

  /** True while bytes are held back. */
  get holding(): boolean {
    return this.#held.byteLength > 0;
  }

  /** The bytes held back, masked, which are then forgotten. */
  flush(): Uint8Array {
    const held = this.#held;
    this.#held = new Uint8Array(0);
    return maskSecretBytes(held);
  }
}

/** True when `bytes` hold some secret's raw bytes. */
export function containsSecret(bytes: Uint8Array): boolean {
  return scan(bytes, true).masked !== bytes;
}

/**
 * How many leading bytes of a stream's `bytes` can be written now without cutting a
 * secret: the rest is the start of some secret that the next bytes may complete. What a
 * writer cutting a stream into pieces holds back.
 */
export function secretSafeEnd(bytes: Uint8Array): number {
  return scan(bytes, false).end;
}

/**
 * The one byte-level mask: from the left, at each place the longest secret found there
 * becomes `***`. Unless `final`, it stops where the rest is the start of a secret that
 * more bytes could complete: `end` is where it stopped, `masked` covers `bytes[0, end)`
 * (the same array when nothing was masked).
 */
function scan(bytes: Uint8Array, final: boolean): { masked: Uint8Array; end: number } {
  const n = bytes.byteLength;
  if (ordered.length === 0) return { masked: bytes, end: n };
  const parts: Uint8Array[] = [];
  // where each secret's first byte next occurs, from i on (-1: nowhere)
  const next = ordered.map(() => -2);
  let copied = 0;
  let i = 0;
  let end = n;
  scanning: while (i < n) {
    let at = n;
    for (let k = 0; k < ordered.length; k++) {
      if (next[k] !== -1 && next[k]! < i) next[k] = bytes.indexOf(ordered[k]!.bytes[0]!, i);
      if (next[k] !== -1 && next[k]! < at) at = next[k]!;
    }
    if (at === n) break;
    i = at;
    let found: Secret | undefined;
    for (const s of ordered) {
      const length = s.bytes.byteLength;
      if (i + length > n) {
        if (!final && startsWith(bytes, i, s.bytes, n - i)) {
          end = i; // a longer secret may still arrive here: wait for it
          break scanning;
        }
      } else if (startsWith(bytes, i, s.bytes, length)) {
        found = s;
        break;
      }
    }
    if (!found) {
      i++;
      continue;
    }
    parts.push(bytes.subarray(copied, i), MASK_BYTES);
    i += found.bytes.byteLength;
    copied = i;
  }
  if (parts.length === 0) return { masked: end === n ? bytes : bytes.subarray(0, end), end };
  parts.push(bytes.subarray(copied, end));
  return { masked: concatBytes(parts), end };
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const SECRET_DEFINITION = /^(\s*secret\s+)([A-Za-z_][A-Za-z0-9_-]*)\s*=.*$/gm;

/**
 * For text that becomes a `.wire` script (`:save`, recordings, `--update`): each value
 * becomes `${NAME}`, and a `secret NAME = VALUE` line becomes `secret NAME`, which the
 * replay satisfies with `--secret NAME=VALUE`.
 *
 * @example A saved script asks for the secret instead of holding it
 * ```ts
 * import { addSecret, maskScript } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * addSecret("pin", "4711");
 * assertEquals(maskScript('send c "PIN 4711\\r\\n"'), 'send c "PIN ${pin}\\r\\n"');
 * ```
 */
export function maskScript(text: string): string {
  return maskSecrets(text, (name) => "${" + name + "}").replace(SECRET_DEFINITION, "$1$2");
}
