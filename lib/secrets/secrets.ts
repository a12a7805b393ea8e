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

/** What a secret is shown as. */
export const MASK = "***";

interface Secret {
  name: string;
  value: string;
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
 * @example Keep a password out of reports
 * ```ts
 * import { addSecret, maskSecrets } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * addSecret("db_password", "hunter2");
 * assertEquals(maskSecrets("login with hunter2"), "login with ***");
 * ```
 */
export function addSecret(name: string, value: string): void {
  if (value === "") return;
  byName.set(name, { name, value, forms: formsOf(value) });
  // longest values first, so a secret containing another is masked whole
  ordered = [...byName.values()].sort((a, b) => b.value.length - a.value.length);
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

/** {@linkcode maskSecrets} on bytes (UTF-8 text; other bytes pass through unchanged). */
export function maskSecretBytes(bytes: Uint8Array): Uint8Array {
  if (ordered.length === 0) return bytes;
  const text = new TextDecoder().decode(bytes);
  if (!ordered.some((s) => text.includes(s.value))) return bytes;
  // decode/encode per latin1 so that non-UTF-8 bytes survive
  let latin = "";
  for (const b of bytes) latin += String.fromCharCode(b);
  for (const s of ordered) {
    let raw = "";
    for (const b of new TextEncoder().encode(s.value)) raw += String.fromCharCode(b);
    latin = latin.split(raw).join(MASK);
  }
  return Uint8Array.from(latin, (c) => c.charCodeAt(0));
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
