/**
 * Evaluates value nodes in a session: interpolation, files, hex, regexes.
 *
 * @module
 */
import { concatBytes, fromUtf8, utf8 } from "../bytes/text.ts";
import { formatBytes } from "../bytes/units.ts";
import type { StringPart, ValueNode } from "../script/ast.ts";
import type { Session } from "./session.ts";
import { lookup, type Var, varToBytes } from "./vars.ts";
import {
  FileReadError,
  MAX_DATA_FILE_BYTES,
  MAX_PEM_BYTES,
  readUserFile,
  readUserText,
} from "../fs/read_file.ts";

/** The largest file `file "…"` reads. */
export const MAX_FILE_VALUE = MAX_DATA_FILE_BYTES;

/** Resolves `${path}`; fails the statement when it is not set. */
export function resolveRef(session: Session, ref: string): Var {
  if (ref.startsWith("env.")) return envRef(session, ref.slice(4));
  const r = lookup(session.vars, ref);
  if (!r.found) {
    const head = ref.split(".")[0]!;
    const why = session.vars.has(head)
      ? `"${head}" has no field "${ref.slice(head.length + 1)}"`
      : `"${head}" is not set`;
    return session.fail(`unknown variable \${${ref}}: ${why}`);
  }
  return r.value;
}

/** `${env.NAME}` / `${env.NAME:-default}`: an environment variable, or the default when unset. */
function envRef(session: Session, spec: string): string {
  const cut = spec.indexOf(":-");
  const name = cut < 0 ? spec : spec.slice(0, cut);
  let value: string | undefined;
  try {
    value = Deno.env.get(name);
  } catch {
    return session.fail(
      `\${env.${name}} cannot be read: reading environment variables needs --allow-env`,
    );
  }
  if (value !== undefined) return value;
  if (cut >= 0) return spec.slice(cut + 2);
  return session.fail(
    `environment variable ${name} is not set (\${env.${name}:-DEFAULT} gives a default)`,
  );
}

/**
 * The largest value `${…}` interpolation builds: 40 chained `let aN = "${aN-1}${aN-1}"`
 * would otherwise double until memory runs out.
 */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

function interpolate(session: Session, parts: StringPart[]): Uint8Array {
  if (parts.length === 1 && "bytes" in parts[0]!) return parts[0].bytes;
  const pieces = parts.map((
    p,
  ) => ("bytes" in p ? p.bytes : varToBytes(resolveRef(session, p.ref))));
  let size = 0;
  for (const b of pieces) size += b.byteLength;
  if (size > MAX_VALUE_BYTES) {
    session.fail(
      `the value would be ${formatBytes(size)}, over the limit of ${formatBytes(MAX_VALUE_BYTES)}`,
    );
  }
  return concatBytes(pieces);
}

/** Evaluates a value to bytes. */
export async function evalBytes(session: Session, node: ValueNode): Promise<Uint8Array> {
  switch (node.type) {
    case "string":
    case "word":
    case "json":
      return interpolate(session, node.parts);
    case "raw":
      return utf8(node.text);
    case "hex":
      return node.bytes;
    case "file": {
      const path = session.path(await evalText(session, node.path));
      try {
        return await readUserFile(path, MAX_FILE_VALUE);
      } catch (e) {
        if (e instanceof FileReadError) return session.fail(`file ${e.message}`);
        return session.fail(`cannot read file "${path}": ${(e as Error).message}`);
      }
    }
    case "number":
      return utf8(String(node.value));
    case "duration":
      return utf8(`${node.ms}ms`);
    case "size":
      return utf8(String(node.bytes));
    case "regex":
      return session.fail("a regex is not a payload");
  }
}

/** Evaluates a value to text (UTF-8). */
export async function evalText(session: Session, node: ValueNode): Promise<string> {
  if (node.type === "regex") return `/${node.source}/${node.flags}`;
  return fromUtf8(await evalBytes(session, node));
}

/** Evaluates a value to a variable: text when it is UTF-8, bytes otherwise; JSON parsed. */
export async function evalVar(session: Session, node: ValueNode): Promise<Var> {
  if (node.type === "number") return node.value;
  if (node.type === "word" && node.parts.length === 1 && "ref" in node.parts[0]!) {
    return resolveRef(session, node.parts[0].ref);
  }
  if (node.type === "json") return JSON.parse(await evalText(session, node)) as Var;
  const bytes = await evalBytes(session, node);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return utf8(text).byteLength === bytes.byteLength && !text.includes("\uFFFD") ? text : bytes;
}

/** A matcher value: literal bytes or a regex. */
export type MatchValue = { bytes: Uint8Array } | { regex: RegExp };

/** Evaluates a value used as a matcher. */
export async function evalMatch(session: Session, node: ValueNode): Promise<MatchValue> {
  if (node.type === "regex") {
    return { regex: new RegExp(node.source, node.flags) };
  }
  return { bytes: await evalBytes(session, node) };
}

/** Reads the certificate, key or CA file a statement names (`ca FILE`…); undefined when none. */
export async function evalPemFile(
  session: Session,
  node: ValueNode | undefined,
): Promise<string | undefined> {
  if (!node) return undefined;
  return await readPem(session, session.path(await evalText(session, node)));
}

/** Reads a certificate, key or CA file, failing the statement with one line when it cannot. */
export async function readPem(session: Session, path: string): Promise<string> {
  try {
    return await readUserText(path, MAX_PEM_BYTES);
  } catch (e) {
    return session.fail(`cannot read "${path}": ${(e as Error).message}`);
  }
}
