/**
 * Tab completion: statement keywords, meta commands, address schemes where the usage
 * takes an address, `${name.field}` references, each statement's option words, names
 * of open connections and listeners, `on/off/auto` after `:hex` and `:record`, and
 * file paths after `file "`, `:load` and `:save`.
 *
 * @module
 */
import { readDirSync } from "./read_dir.ts";
import { allKeywords, findStatement, STATEMENTS } from "../script/grammar/mod.ts";
import { findMeta, META_COMMANDS } from "./meta_commands.ts";
import { usageUnits } from "./hints.ts";

/** Address schemes offered where a statement takes an address. */
export const ADDRESS_SCHEMES = ["tcp://", "tls://", "udp://", "unix://", "http://", "https://"];

/** What completion needs from the live session. */
export interface CompletionContext {
  /** Names of open resources. */
  names(): string[];
  /** Names of variables (resources included). */
  variables?(): string[];
  /** The fields of a variable (`port`, `local`…), for `${name.<Tab>`. */
  fields?(name: string): string[];
  /** Lists a folder: entry names, folders marked with a trailing `/`. */
  listDir?(dir: string): string[];
}

/** A node:readline completer result: candidates and the text they replace. */
export type Completion = [string[], string];

/**
 * Completes the end of `line`.
 *
 * @example
 * ```ts
 * import { complete } from "./completer.ts";
 * import { assertEquals } from "@std/assert";
 * const ctx = { names: () => ["redis", "srv"] };
 * assertEquals(complete("conn", ctx), [["connect"], "conn"]);
 * assertEquals(complete("send re", ctx), [["redis"], "re"]);
 * assertEquals(complete(":he", ctx), [[":help", ":hex"], ":he"]);
 * ```
 */
export function complete(line: string, ctx: CompletionContext): Completion {
  const listDir = ctx.listDir ?? readDirSync;
  // a file path inside `file "…`
  const fileArg = /\bfile\s+"([^"]*)$/.exec(line);
  if (fileArg) return completePath(fileArg[1]!, listDir);
  // a variable reference: `${na<Tab>` or `${name.fi<Tab>`
  const ref = /\$\{([A-Za-z_][A-Za-z0-9_]*)?(?:\.([A-Za-z0-9_]*))?$/.exec(line);
  if (ref) {
    const [whole, name = "", field] = ref;
    if (field !== undefined) {
      const fields = ctx.fields?.(name) ?? [];
      return [fields.filter((f) => f.startsWith(field)).map((f) => `\${${name}.${f}}`), whole];
    }
    const vars = ctx.variables?.() ?? ctx.names();
    return [vars.filter((v) => v.startsWith(name)).sort().map((v) => `\${${v}`), whole];
  }
  const words = line.trimStart().split(/\s+/);
  const current = words[words.length - 1] ?? "";
  if (words.length <= 1) {
    if (current.startsWith(":")) {
      const metas = META_COMMANDS.flatMap((m) => [m.name]);
      return [metas.filter((m) => m.startsWith(current.toLowerCase())), current];
    }
    const keywords = [
      ...new Set([...allKeywords(), ...STATEMENTS.flatMap((s) => s.aliases ?? [])]),
    ].sort();
    return [keywords.filter((k) => k.startsWith(current.toLowerCase())), current];
  }
  const first = words[0]!;
  if (first.startsWith(":")) {
    const meta = findMeta(first);
    if (!meta) return [[], current];
    if (meta.name === ":help") {
      const topics = [...allKeywords(), ...META_COMMANDS.map((m) => m.name)];
      return [topics.filter((t) => t.startsWith(current)).sort(), current];
    }
    const options = (meta.completions ?? []).filter((c) => c.startsWith(current));
    if (meta.file && !current.startsWith("-")) {
      const [paths] = completePath(current, listDir);
      return [[...paths, ...options], current];
    }
    return [options, current];
  }
  const statement = findStatement(first);
  if (!statement) return [[], current];
  // what the usage expects at this position: an address, a name, or option words
  const unit = usageUnits(statement.usage)[words.length - 1] ?? "";
  if (/ADDR|:\/\/HOST/.test(unit) && !current.includes("://")) {
    const schemes = unit.startsWith("udp://") ? ["udp://"] : ADDRESS_SCHEMES;
    return [schemes.filter((c) => c.startsWith(current)), current];
  }
  if (/^(NAME|LISTENER|RESPONSE|SERVER)$/.test(unit) && words.length === 2) {
    return [ctx.names().filter((c) => c.startsWith(current)).sort(), current];
  }
  const candidates = new Set<string>([...ctx.names(), ...(statement.completions ?? [])]);
  return [[...candidates].filter((c) => c.startsWith(current)).sort(), current];
}

/** Completes a partial path against the folder it names. */
export function completePath(partial: string, listDir: (dir: string) => string[]): Completion {
  const slash = partial.lastIndexOf("/");
  const dir = slash < 0 ? "" : partial.slice(0, slash + 1);
  const base = slash < 0 ? partial : partial.slice(slash + 1);
  let entries: string[];
  try {
    entries = listDir(dir === "" ? "." : dir);
  } catch {
    return [[], partial];
  }
  const hits = entries
    .filter((e) => e.startsWith(base) && (base.startsWith(".") || !e.startsWith(".")))
    .sort()
    .map((e) => dir + e);
  return [hits, partial];
}
