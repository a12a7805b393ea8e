/**
 * Script variables: `${name}`, `${name.field}`, `${v.1}`. An object's `$` field is
 * what the object itself reads as (a capture's whole match, a server's address).
 *
 * @module
 */
import { fromUtf8, utf8 } from "../bytes/text.ts";

/**
 * A variable's value.
 *
 * @example Values a variable can hold
 * ```ts
 * import type { Var } from "@wireplay/wireplay";
 * const values: Var[] = ["text", 42, true, new Uint8Array([1]), null, { port: 8080 }, [1, 2]];
 * ```
 */
export type Var = string | number | boolean | Uint8Array | null | undefined | VarObject | Var[];
/**
 * A structured value (captures, resources, HTTP responses).
 *
 * @example A structured value read as ${{c.port}}
 * ```ts
 * import type { VarObject } from "@wireplay/wireplay";
 * const c: VarObject = { local: "tcp://127.0.0.1:50123", port: 50123 };
 * ```
 */
export interface VarObject {
  /** A field, read as `${name.field}`. */
  [key: string]: Var;
}

/** Looks `path` (`a.b.c`) up; returns `{found: false}` when any step is missing. */
export function lookup(
  vars: Map<string, Var>,
  path: string,
): { found: true; value: Var } | { found: false } {
  const [head, ...rest] = path.split(".");
  if (!vars.has(head!)) return { found: false };
  let v: Var = vars.get(head!);
  for (const key of rest) {
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(key) || Number(key) >= v.length) return { found: false };
      v = v[Number(key)];
    } else if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
      if (!Object.hasOwn(v, key)) {
        const ci = Object.keys(v).find((k) => k.toLowerCase() === key.toLowerCase());
        if (ci === undefined) return { found: false };
        v = v[ci];
      } else v = v[key];
    } else return { found: false };
  }
  return { found: true, value: v };
}

/** The bytes a value interpolates as. */
export function varToBytes(v: Var): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return utf8(varToText(v));
}

/** The text a value interpolates as. */
export function varToText(v: Var): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return fromUtf8(v);
  if (Array.isArray(v)) return JSON.stringify(v.map(toJsonable));
  if ("$" in v) return varToText(v.$);
  return JSON.stringify(toJsonable(v));
}

/** A JSON-friendly copy of a value. */
export function toJsonable(v: Var): unknown {
  if (v instanceof Uint8Array) return fromUtf8(v);
  if (Array.isArray(v)) return v.map(toJsonable);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonable(x);
    return out;
  }
  return v;
}
