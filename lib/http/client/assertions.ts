/**
 * Assertions on an HTTP response (`expect status`, `expect header`, `expect body`,
 * `expect json`, `expect duration`) and captures from it. A failed assertion throws an
 * {@linkcode HttpAssertionError} whose message shows the request, the response (status,
 * headers, body excerpt) and what was expected.
 *
 * @module
 */
import { formatBody, formatRequestLine } from "./pretty.ts";
import { queryJsonPath } from "./jsonpath.ts";
import { describeMatcher, matchValue, stringify, type ValueMatcher } from "./matchers.ts";
import type { HttpResponse } from "./types.ts";
import { formatDuration } from "../../bytes/units.ts";

/**
 * An HTTP assertion that did not hold.
 *
 * @example What a failed assertion says
 * ```ts
 * import { expectStatus, HttpAssertionError, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * import { assertEquals, assertThrows } from "@std/assert";
 * const e = assertThrows(() => expectStatus(res, 404), HttpAssertionError);
 * assertEquals([e.assertion, e.actual], ["status == 404", "200 OK"]);
 * ```
 */
export class HttpAssertionError extends Error {
  /** Always `"HttpAssertionError"`. */
  override name = "HttpAssertionError";
  /** Makes the error from the assertion, what was found and the response. */
  constructor(
    /** What was asserted, as a script writes it: `status == 200`. */
    readonly assertion: string,
    /** What was found instead, as text. */
    readonly actual: string,
    /** The response. */
    readonly response: HttpResponse,
  ) {
    super(formatAssertionFailure(assertion, actual, response));
  }
}

/** The failure text: the assertion, what was found, the request and a response excerpt. */
export function formatAssertionFailure(
  assertion: string,
  actual: string,
  res: HttpResponse,
): string {
  const lines = [
    `expected ${assertion}`,
    `     got ${actual}`,
    `request: ${formatRequestLine(res.request)}`,
    `response: ${res.httpVersion} ${res.status} ${res.statusText}`.trimEnd(),
  ];
  for (const [k, v] of res.rawHeaders.slice(0, 30)) lines.push(`  ${k}: ${v}`);
  if (res.rawHeaders.length > 30) lines.push(`  … ${res.rawHeaders.length - 30} more headers`);
  if (res.body.byteLength > 0) {
    lines.push("  body:");
    for (const l of formatBody(res, 600, 15).split("\n")) lines.push(`    ${l}`);
  }
  return lines.join("\n");
}

/**
 * Requires the status code.
 *
 * @throws {HttpAssertionError}
 *
 * @example Throws unless the status matches
 * ```ts
 * import { expectStatus, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * expectStatus(res, 200);
 * expectStatus(res, { op: "<", value: 300 });
 * ```
 */
export function expectStatus(res: HttpResponse, expected: number | ValueMatcher): void {
  const m: ValueMatcher = typeof expected === "number" ? { op: "==", value: expected } : expected;
  if (!matchValue(res.status, m)) {
    throw new HttpAssertionError(
      `status ${describeMatcher(m)}`,
      `${res.status} ${res.statusText}`.trim(),
      res,
    );
  }
}

/**
 * Requires a header (names are case-insensitive; repeated fields are joined with `, `).
 * A string matcher compares the whole value; use `~` for a search.
 *
 * @throws {HttpAssertionError}
 *
 * @example A header by regex
 * ```ts
 * import { expectHeader, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * expectHeader(res, "content-type", { op: "~", re: /json/ });
 * ```
 */
export function expectHeader(res: HttpResponse, name: string, m: ValueMatcher): void {
  const actual = res.headers.get(name) ?? undefined;
  if (!matchValue(actual, m)) {
    throw new HttpAssertionError(
      `header ${name} ${describeMatcher(m)}`,
      actual === undefined ? "no such header" : JSON.stringify(actual),
      res,
    );
  }
}

/**
 * Requires the body (as UTF-8 text; a binary body is compared as latin-1).
 *
 * @throws {HttpAssertionError}
 *
 * @example The body contains a word
 * ```ts
 * import { expectBody, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * expectBody(res, { op: "~", re: /slideshow/ });
 * ```
 */
export function expectBody(res: HttpResponse, m: ValueMatcher): void {
  const actual = bodyText(res);
  if (!matchValue(actual, m)) {
    const shown = actual.length > 200
      ? JSON.stringify(actual.slice(0, 200)) + ` … (${actual.length} chars)`
      : JSON.stringify(actual);
    throw new HttpAssertionError(`body ${describeMatcher(m)}`, shown, res);
  }
}

/**
 * Requires a JSONPath value. A path reaching several values is compared as the array of
 * them; `exists` holds when it reaches any.
 *
 * @throws {HttpAssertionError} also when the body is not JSON.
 *
 * @example A JSONPath value
 * ```ts
 * import { expectJson, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * expectJson(res, "$.slideshow.author", { op: "==", value: "Yours Truly" });
 * ```
 */
export function expectJson(res: HttpResponse, path: string, m: ValueMatcher): void {
  const what = `json ${path} ${describeMatcher(m)}`;
  if (!res.isJson) throw new HttpAssertionError(what, "a body that is not JSON", res);
  const actual = jsonValue(res, path);
  if (!matchValue(actual, m)) {
    throw new HttpAssertionError(
      what,
      actual === undefined ? `nothing at ${path}` : stringify(actual),
      res,
    );
  }
}

/**
 * Requires the total duration to be below `ms` (or another numeric comparison).
 *
 * @throws {HttpAssertionError}
 *
 * @example Answered quickly
 * ```ts
 * import { expectDuration, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * expectDuration(res, "<", 5000);
 * ```
 */
export function expectDuration(res: HttpResponse, op: "<" | "<=" | ">" | ">=", ms: number): void {
  if (!matchValue(res.timings.totalMs, { op, value: ms })) {
    throw new HttpAssertionError(
      `duration ${op} ${formatDuration(ms)}`,
      formatDuration(res.timings.totalMs),
      res,
    );
  }
}

/**
 * The value a JSONPath reaches: one value, the array of several, or undefined for none.
 *
 * @example Read a value by JSONPath
 * ```ts
 * import { httpRequest, jsonValue, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * import { assertEquals } from "@std/assert";
 * assertEquals(jsonValue(res, "$.slideshow.title"), "Sample Slide Show");
 * ```
 */
export function jsonValue(res: Pick<HttpResponse, "json" | "isJson">, path: string): unknown {
  if (!res.isJson) return undefined;
  const found = queryJsonPath(res.json, path);
  return found.length === 0 ? undefined : found.length === 1 ? found[0] : found;
}

/**
 * The body as text: UTF-8 when valid, latin-1 otherwise.
 *
 * @example The body as text
 * ```ts
 * import { bodyText, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * import { assertStringIncludes } from "@std/assert";
 * assertStringIncludes(bodyText(res), "slideshow");
 * ```
 */
export function bodyText(res: Pick<HttpResponse, "body" | "text">): string {
  if (res.text !== undefined) return res.text;
  let s = "";
  for (const b of res.body) s += String.fromCharCode(b);
  return s;
}

/**
 * Captures from the body with a regex: the whole match and its groups (numbered and
 * named), or undefined when it does not match.
 *
 * @example Capture part of the body
 * ```ts
 * import { captureBody, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * import { assertEquals } from "@std/assert";
 * assertEquals(captureBody(res, /"author": "(?<who>[^"]+)"/)?.groups.who, "Yours Truly");
 * ```
 */
export function captureBody(
  res: HttpResponse,
  re: RegExp,
): { whole: string; groups: Record<string, string | undefined> } | undefined {
  const m = new RegExp(re.source, re.flags.replace("g", "")).exec(bodyText(res));
  if (!m) return undefined;
  const groups: Record<string, string | undefined> = {};
  m.forEach((g, i) => {
    if (i > 0) groups[String(i)] = g;
  });
  for (const [k, v] of Object.entries(m.groups ?? {})) groups[k] = v;
  return { whole: m[0], groups };
}
