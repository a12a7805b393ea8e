/**
 * Redaction for recordings (`record --redact-header NAME…`, `--redact /regex/`): the
 * values a rule finds are written as `${VAR}` instead of their bytes, one variable per
 * rule (every value a rule finds becomes that variable), so the recording replays with
 * `--var VAR=VALUE` and never holds the value. A header rule takes the value of
 * `NAME: value` lines (case-insensitive); a regex rule takes its first capture group,
 * or the whole match.
 *
 * @module
 */
import { escapeBytes } from "../bytes/escape.ts";
import { UsageError } from "../errors.ts";

/**
 * One redaction rule and the variable its values become.
 *
 * @example Hide a token
 * ```ts
 * import type { RedactRule } from "@wireplay/wireplay/proxy";
 * const rule: RedactRule = { variable: "redacted1", regex: /Bearer [\w.-]+/gd, described: "/Bearer [\\w.-]+/" };
 * ```
 */
export interface RedactRule {
  /** The variable written in place of each match: `authorization` for that header, `redacted1`… for regexes. */
  variable: string;
  /** Searched (global) on the payload's latin1 text. */
  regex: RegExp;
  /** How the rule was given, for the recording's header. */
  described: string;
}

/** Builds the rules from `--redact-header` names and `--redact /regex/flags` texts. */
export function redactRules(headers: string[], patterns: string[]): RedactRule[] {
  const rules: RedactRule[] = [];
  for (const h of headers) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h)) {
      throw new UsageError(`"${h}" is not a header name`, { where: "--redact-header" });
    }
    const escaped = h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    rules.push({
      variable: h.toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/^([0-9])/, "_$1"),
      regex: new RegExp(`(?:^|\\n)${escaped}[ \\t]*:[ \\t]*([^\\r\\n]*[^\\r\\n \\t])`, "gid"),
      described: `header ${h}`,
    });
  }
  patterns.forEach((p, i) => {
    const m = /^\/(.+)\/([a-z]*)$/s.exec(p);
    if (!m) throw new UsageError(`"${p}" is not a /regex/`, { where: "--redact" });
    let regex: RegExp;
    try {
      regex = new RegExp(m[1]!, [...new Set(m[2]! + "gd")].join(""));
    } catch (e) {
      throw new UsageError(`invalid regex: ${(e as Error).message}`, { where: "--redact" });
    }
    rules.push({ variable: `redacted${i + 1}`, regex, described: p });
  });
  return rules;
}

/** The recording header lines naming the variables a replay needs. */
export function redactHeader(rules: RedactRule[]): string {
  if (rules.length === 0) return "";
  return `# redacted: ${rules.map((r) => `\${${r.variable}} (${r.described})`).join(", ")}\n` +
    `# @needs ${rules.map((r) => r.variable).join(" ")}\n`;
}

/**
 * The payload as a string literal with every redacted span written `${VAR}`, or
 * undefined when no rule matched (the caller formats it as usual).
 */
export function redactedLiteral(bytes: Uint8Array, rules: RedactRule[]): string | undefined {
  if (rules.length === 0) return undefined;
  let text = "";
  for (let i = 0; i < bytes.byteLength; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  const spans: { start: number; end: number; variable: string }[] = [];
  for (const rule of rules) {
    rule.regex.lastIndex = 0;
    for (const m of text.matchAll(rule.regex)) {
      const value = m[1] ?? m[0];
      if (value === "") continue;
      const start = m.indices?.[m[1] === undefined ? 0 : 1]?.[0] ?? m.index;
      spans.push({ start, end: start + value.length, variable: rule.variable });
    }
  }
  if (spans.length === 0) return undefined;
  spans.sort((a, b) => a.start - b.start);
  let out = '"';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue; // overlaps an earlier span: already hidden
    out += escapeBytes(bytes.subarray(at, s.start)) + "${" + s.variable + "}";
    at = s.end;
  }
  return out + escapeBytes(bytes.subarray(at)) + '"';
}
