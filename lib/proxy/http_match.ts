/**
 * How `replay` matches an HTTP request to a recorded one: by method, path, query
 * (order-independent) and body unless told otherwise (`--match`, `--ignore-header`,
 * `--ignore-query`), and the near-miss report when nothing matches: the closest
 * recorded request and what differs. Pure.
 *
 * @module
 */
import { escapeForDisplay } from "../bytes/escape.ts";
import { UsageError } from "../errors.ts";
import { type HttpRequest, requestHeader } from "./http_message.ts";

/**
 * What two requests must share to match.
 *
 * @example Match on method and path only
 * ```ts
 * import type { HttpMatchRule } from "@wireplay/wireplay/proxy";
 * const rule: HttpMatchRule = { method: true, path: true, query: false, body: false, headers: [], ignoreHeaders: [], ignoreQuery: [] };
 * ```
 */
export interface HttpMatchRule {
  /** Compare the method. */
  method: boolean;
  /** Compare the path. */
  path: boolean;
  /** Compare the query parameters. */
  query: boolean;
  /** Compare the body. */
  body: boolean;
  /** Headers compared (lower case); `*` compares every recorded header. */
  headers: string[];
  /** Headers never compared (lower case). */
  ignoreHeaders: string[];
  /** Query parameters never compared. */
  ignoreQuery: string[];
}

/** How a recording is matched: HTTP-aware (`http`) or byte-exact (`bytes`). */
export interface MatchChoice {
  mode: "auto" | "bytes";
  http: HttpMatchRule;
}

/** The default: method, path, query and body; no header. */
export function defaultHttpRule(): HttpMatchRule {
  return {
    method: true,
    path: true,
    query: true,
    body: true,
    headers: [],
    ignoreHeaders: [],
    ignoreQuery: [],
  };
}

const PARTS = ["method", "path", "query", "body", "headers", "bytes", "http"] as const;

/**
 * Reads `--match` (`method,path,query,body,headers:NAME…`, `headers` for all, `bytes`
 * for byte-exact, `http` for the default) and the ignore lists.
 *
 * @throws {UsageError} naming the flag on an unknown part.
 */
export function parseMatchChoice(
  match: string | undefined,
  ignoreHeaders: string[] = [],
  ignoreQuery: string[] = [],
): MatchChoice {
  const http = defaultHttpRule();
  http.ignoreHeaders = ignoreHeaders.map((h) => h.toLowerCase());
  http.ignoreQuery = ignoreQuery;
  if (match === undefined) return { mode: "auto", http };
  const parts = match.split(/[,\s]+/).filter(Boolean);
  if (parts.includes("bytes")) {
    if (parts.length > 1) throw new UsageError("bytes stands alone", { where: "--match" });
    return { mode: "bytes", http };
  }
  http.method =
    http.path =
    http.query =
    http.body =
      false;
  for (const p of parts) {
    const [name, arg] = p.split(":", 2) as [string, string | undefined];
    if (!(PARTS as readonly string[]).includes(name)) {
      throw new UsageError(
        `unknown part "${name}" (method, path, query, body, headers[:NAME], http, bytes)`,
        { where: "--match" },
      );
    }
    if (name === "http") Object.assign(http, { method: true, path: true, query: true, body: true });
    else if (name === "headers") http.headers.push(arg ? arg.toLowerCase() : "*");
    else http[name as "method" | "path" | "query" | "body"] = true;
  }
  return { mode: "auto", http };
}

function sortedQuery(q: [string, string][], ignore: string[]): string[] {
  return q.filter(([k]) => !ignore.includes(k)).map(([k, v]) => `${k}=${v}`).sort();
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** The body compared: JSON with sorted keys when it parses, else the bytes as text. */
function canonicalBody(body: Uint8Array): string {
  const text = utf8.decode(body);
  const t = text.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.stringify(sortKeys(JSON.parse(text)));
    } catch { /* not JSON */ }
  }
  return text;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function show(text: string, max = 60): string {
  return `"${escapeForDisplay(new TextEncoder().encode(text), max)}"`;
}

/**
 * What differs between a recorded request and one received, under `rule`: one short
 * phrase each, empty when they match. Path differences come first (they weigh most).
 */
export function differences(
  recorded: HttpRequest,
  got: HttpRequest,
  rule: HttpMatchRule,
): string[] {
  const out: string[] = [];
  if (rule.path && recorded.path !== got.path) {
    out.push(`path ${show(got.path)} (recorded ${show(recorded.path)})`);
  }
  if (rule.method && recorded.method !== got.method) {
    out.push(`method ${got.method} (recorded ${recorded.method})`);
  }
  if (rule.query) {
    const a = sortedQuery(recorded.query, rule.ignoreQuery);
    const b = sortedQuery(got.query, rule.ignoreQuery);
    const missing = a.filter((x) => !b.includes(x));
    const extra = b.filter((x) => !a.includes(x));
    if (missing.length || extra.length) {
      out.push(
        `query ${[...extra.map((x) => `+${x}`), ...missing.map((x) => `-${x}`)].join(" ")}` +
          " (+ sent, - recorded)",
      );
    }
  }
  for (const name of rule.headers) {
    const names = name === "*" ? recorded.headers.map(([k]) => k) : [name];
    for (const n of names) {
      if (rule.ignoreHeaders.includes(n)) continue;
      const a = requestHeader(recorded, n);
      const b = requestHeader(got, n);
      if (a !== b) {
        out.push(
          `header ${n}: ${b === undefined ? "absent" : show(b)} (recorded ${
            a === undefined ? "absent" : show(a)
          })`,
        );
      }
    }
  }
  if (rule.body) {
    const a = canonicalBody(recorded.body);
    const b = canonicalBody(got.body);
    if (a !== b) out.push(`body ${show(b)} (recorded ${show(a)})`);
  }
  return out;
}

/** A request as one short line: `GET /users?id=1`. */
export function requestLine(req: HttpRequest): string {
  return `${req.method} ${req.target}`;
}

/**
 * The recorded request closest to `got`: fewest differences, a different path counting
 * double. Returns its index and the differences.
 */
export function closest(
  recorded: HttpRequest[],
  got: HttpRequest,
  rule: HttpMatchRule,
): { index: number; diffs: string[] } | undefined {
  let best: { index: number; diffs: string[]; score: number } | undefined;
  recorded.forEach((r, index) => {
    const diffs = differences(r, got, rule);
    const score = diffs.length + (diffs.some((d) => d.startsWith("path ")) ? 1 : 0);
    if (!best || score < best.score) best = { index, diffs, score };
  });
  return best && { index: best.index, diffs: best.diffs };
}
