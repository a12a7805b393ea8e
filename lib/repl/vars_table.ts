/**
 * The `:vars` listing: every variable, with resources shown as their fields
 * (`srv.port = 41234`). Pure apart from reading the session.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import type { Session } from "../run/session.ts";
import type { Var } from "../run/vars.ts";

/** The longest value shown (the rest is cut with `…`). */
const MAX_VALUE = 120;

/** One value as shown: strings quoted and escaped, bytes as `<N bytes>`. */
export function showVar(v: Var): string {
  if (typeof v === "string") {
    return JSON.stringify(v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) + "…" : v);
  }
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes> "${escapeForDisplay(v, 60)}"`;
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${v.length} items]`;
  if (v !== null && typeof v === "object") return "{…}";
  return String(v);
}

/** Lines `name = value`, objects flattened one level (`name.field = value`). */
export function varsTable(session: Session): string {
  const lines: string[] = [];
  for (const [name, v] of [...session.vars].sort(([a], [b]) => a.localeCompare(b))) {
    if (v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v)) {
      // a resource's fields are read live (ports, addresses)
      const live = session.resources.get(name)?.vars() ?? v;
      for (const [k, field] of Object.entries(live)) {
        lines.push(`${k === "$" ? name : `${name}.${k}`} = ${showVar(field)}`);
      }
    } else lines.push(`${name} = ${showVar(v)}`);
  }
  return lines.length ? lines.join("\n") : "(no variables)";
}
