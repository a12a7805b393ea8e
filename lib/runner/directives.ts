/**
 * Header comments that tell the test runner about a script:
 * `# @skip REASON` skips it; `# @needs VAR…` skips it unless every VAR is given with
 * `--var` (for scripts that talk to a real service, like `--var redis=tcp://…`).
 *
 * @module
 */

/** What a script's header says. */
export interface Directives {
  skip?: string;
  needs: string[];
}

/** Reads the directives from the leading comment lines of a script. */
export function readDirectives(text: string): Directives {
  const d: Directives = { needs: [] };
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === "") continue;
    if (!t.startsWith("#")) break;
    const m = /^#\s*@(\w+)\s*(.*)$/.exec(t);
    if (!m) continue;
    if (m[1] === "skip") d.skip = m[2] || "skipped";
    if (m[1] === "needs") d.needs.push(...m[2]!.split(/[\s,]+/).filter(Boolean));
  }
  return d;
}
