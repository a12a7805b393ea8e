/**
 * Argument hints as you type (redis-cli style): after `connect ` the rest of the usage,
 * `ADDR as NAME [ca FILE | insecure] …`, shown dim after the cursor. Read from the
 * statement registry, so every statement has one. Pure.
 *
 * @module
 */
import { findStatement } from "../script/grammar/mod.ts";
import { findMeta } from "./meta_commands.ts";

/** Splits a usage into units: words, `[…]` and `(…)` groups. */
export function usageUnits(usage: string): string[] {
  const units: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of usage) {
    if (ch === "[" || ch === "(") depth++;
    if (ch === "]" || ch === ")") depth--;
    if (ch === " " && depth === 0) {
      if (current) units.push(current);
      current = "";
    } else current += ch;
  }
  if (current) units.push(current);
  return units;
}

/** Words typed so far (quoted strings count as one word). */
function typedWords(line: string): string[] {
  return line.match(/"(?:[^"\\]|\\.)*"?|'[^']*'?|\S+/g) ?? [];
}

/**
 * The hint for a partly typed line: the usage units not typed yet, or undefined.
 *
 * @example
 * ```ts
 * import { hintFor } from "./hints.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(hintFor("close"), " NAME");
 * assertEquals(hintFor("close x "), undefined);
 * assertEquals(hintFor("accept l "), "as NAME [within DURATION]");
 * ```
 */
export function hintFor(line: string): string | undefined {
  const words = typedWords(line);
  if (words.length === 0) return undefined;
  const first = words[0]!;
  const usage = first.startsWith(":") ? findMeta(first)?.usage : findStatement(first)?.usage;
  if (!usage) return undefined;
  const units = usageUnits(usage).slice(1);
  if (words.length === 1 && !/\s$/.test(line)) {
    return units.length ? " " + units.join(" ") : undefined;
  }
  if (!/\s$/.test(line)) return undefined;
  const rest = units.slice(words.length - 1);
  return rest.length ? rest.join(" ") : undefined;
}
