/**
 * A small JSONPath: `$`, `.name`, `['name']`, `["name"]`, `[3]`, `[-1]`, `[*]` / `.*`,
 * `..name` (descendants) and `.length` on arrays and strings.
 *
 * @module
 */

/**
 * A JSONPath that does not parse.
 *
 * @example A path that does not parse
 * ```ts
 * import { JsonPathError, queryJsonPath } from "@wireplay/wireplay/http";
 * import { assertThrows } from "@std/assert";
 * assertThrows(() => queryJsonPath({}, "$.a["), JsonPathError);
 * ```
 */
export class JsonPathError extends SyntaxError {
  /** Always `"JsonPathError"`. */
  override name = "JsonPathError";
}

type Step =
  | { kind: "key"; key: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "descend"; key: string };

/**
 * Parses a path into steps.
 *
 * @throws {JsonPathError} naming the position of the mistake.
 */
export function parseJsonPath(path: string): Step[] {
  const fail = (at: number, why: string): never => {
    throw new JsonPathError(`Cannot parse JSONPath "${path}" at ${at + 1}: ${why}`);
  };
  let i = 0;
  if (path[0] === "$") i = 1;
  else fail(0, 'must start with "$"');
  const steps: Step[] = [];
  const name = /[A-Za-z0-9_$@:-]+/y;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      if (path[i + 1] === ".") {
        name.lastIndex = i + 2;
        const m = name.exec(path);
        if (!m) fail(i + 2, "expected a name after ..");
        steps.push({ kind: "descend", key: m![0] });
        i = name.lastIndex;
        continue;
      }
      if (path[i + 1] === "*") {
        steps.push({ kind: "all" });
        i += 2;
        continue;
      }
      name.lastIndex = i + 1;
      const m = name.exec(path);
      if (!m) fail(i + 1, "expected a name after .");
      steps.push({ kind: "key", key: m![0] });
      i = name.lastIndex;
    } else if (c === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) fail(i, "missing ]");
      const inner = path.slice(i + 1, close).trim();
      if (inner === "*") steps.push({ kind: "all" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: "key", key: inner.slice(1, -1) });
      else fail(i + 1, `"${inner}" is not an index, * or a quoted name`);
      i = close + 1;
    } else {
      fail(i, `unexpected "${c}"`);
    }
  }
  return steps;
}

/**
 * Evaluates a path against a value.
 *
 * @returns every value the path reaches (empty when it reaches none).
 *
 * @example
 * ```ts
 * import { queryJsonPath } from "./jsonpath.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(queryJsonPath({ items: [{ id: 7 }] }, "$.items[0].id"), [7]);
 * assertEquals(queryJsonPath({ items: [1, 2] }, "$.items.length"), [2]);
 * ```
 */
export function queryJsonPath(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step.kind) {
        case "key":
          if (step.key === "length" && (Array.isArray(v) || typeof v === "string")) {
            next.push(v.length);
          } else if (isObject(v) && Object.hasOwn(v, step.key)) next.push(v[step.key]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const idx = step.index < 0 ? v.length + step.index : step.index;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case "all":
          if (Array.isArray(v)) next.push(...v);
          else if (isObject(v)) next.push(...Object.values(v));
          break;
        case "descend":
          descend(v, step.key, next);
          break;
      }
    }
    current = next;
  }
  return current;
}

function descend(v: unknown, key: string, out: unknown[]): void {
  if (Array.isArray(v)) { for (const x of v) descend(x, key, out); }
  else if (isObject(v)) {
    if (Object.hasOwn(v, key)) out.push(v[key]);
    for (const x of Object.values(v)) descend(x, key, out);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
