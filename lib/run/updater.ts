/**
 * `wireplay test --update`: when a literal expectation no longer matches, record what the
 * live service sent instead, and rewrite the script's literals in place (atomically).
 *
 * @module
 */
import type { ValueNode } from "../script/ast.ts";
import { formatPayload } from "../script/format.ts";
import { maskScript } from "../secrets/secrets.ts";
import type { StreamBuffer } from "../transport/stream_buffer.ts";
import type { Session } from "./session.ts";

const KEY = "wireplay.updater";
/** What a rewritable literal looks like where it stands in the file. */
const LITERAL_RE = /^(hex\s*)?("[^]*"|'[^]*')$/;

/** One literal to rewrite. */
export interface Replacement {
  line: number;
  col: number;
  endCol: number;
  text: string;
}

/** Collects replacements while a script runs in update mode. */
export class ExpectationUpdater {
  readonly replacements: Replacement[] = [];

  /** Puts the session in update mode. */
  attach(session: Session): void {
    session.state.set(KEY, this);
  }

  /** The updater of a session in update mode. */
  static of(session: Session): ExpectationUpdater | undefined {
    return session.state.get(KEY) as ExpectationUpdater | undefined;
  }

  /** True for a value written as a plain literal (no interpolation), which can be rewritten. */
  static canRewrite(node: ValueNode): boolean {
    return node.type === "hex" || node.type === "raw" ||
      (node.type === "string" && node.parts.every((p) => "bytes" in p));
  }

  /**
   * Records that `node` should now read as `bytes`. A literal inside a loop is rewritten
   * once, to what its first run received.
   */
  replace(node: ValueNode, bytes: Uint8Array): void {
    const { line, col } = node.span;
    if (this.replacements.some((r) => r.line === line && r.col === col)) return;
    // a secret that came back is written as ${NAME}, never as its value
    this.replacements.push({ ...node.span, text: maskScript(formatPayload(bytes)) });
  }

  /** Applies the replacements to the script's source text. */
  apply(source: string): string {
    const lines = source.split("\n");
    const byLine = [...this.replacements].sort((a, b) => b.line - a.line || b.col - a.col);
    for (const r of byLine) {
      const l = lines[r.line - 1];
      // a literal made from several lines (a heredoc) has no place of its own in the file
      if (l === undefined || !LITERAL_RE.test(l.slice(r.col - 1, r.endCol - 1))) continue;
      lines[r.line - 1] = l.slice(0, r.col - 1) + r.text + l.slice(r.endCol - 1);
    }
    return lines.join("\n");
  }
}

/**
 * Waits until no new byte has arrived for `quietMs` (or `maxMs` passed), then takes what
 * now stands where the stale literal `old` stood: through the first newline when `old`
 * ended with one (a line protocol answers line by line), otherwise everything unread.
 */
export async function takeWhenQuiet(
  buffer: StreamBuffer,
  old: Uint8Array,
  quietMs = 250,
  maxMs = 5000,
): Promise<Uint8Array> {
  const started = performance.now();
  let seen = -1;
  while (performance.now() - started < maxMs && !buffer.ended) {
    if (buffer.received === seen) break;
    seen = buffer.received;
    await new Promise((r) => setTimeout(r, quietMs));
  }
  if (old.at(-1) === 0x0a) {
    const nl = buffer.unread.indexOf(0x0a);
    if (nl >= 0) return buffer.consume(nl + 1);
  }
  return buffer.drain();
}
