/**
 * Scripted mock responses (`route NAME METHOD PATH STATUS [json|text] VALUE …`): path
 * parameters with `URLPattern`, a sequence of responses for repeated calls, headers and
 * a delay, and `{{…}}` placeholders filled from the request.
 *
 * @module
 */

/**
 * One scripted response.
 *
 * @example A JSON answer after 20 ms
 * ```ts
 * import type { MockResponse } from "@wireplay/wireplay/http";
 * const answer: MockResponse = { status: 201, kind: "json", body: '{"id": "{{id}}"}', delayMs: 20 };
 * // server.routes.add("POST", "/users/:id", answer)
 * ```
 */
export interface MockResponse {
  /** The status code. */
  status: number;
  /** The body: text (may hold `{{…}}` placeholders) or bytes. */
  body: string | Uint8Array;
  /** `json` sets `content-type: application/json`, `text` sets `text/plain`. */
  kind?: "json" | "text" | "bytes";
  /** Extra response headers. */
  headers?: [string, string][];
  /** Wait this long before answering, ms. */
  delayMs?: number;
  /** The server's scenario state after this response (`set state S`). */
  setState?: string;
}

/**
 * A route: a method (or `*`), a path pattern, and its responses in order.
 *
 * @example How often a route was called
 * ```ts
 * import type { MockRoute } from "@wireplay/wireplay/http";
 * function calls(route: MockRoute): string {
 *   return `${route.method} ${route.path}: ${route.calls} calls`;
 * }
 * ```
 */
export interface MockRoute {
  /** Upper-case method, or `*` for any. */
  method: string;
  /** The path pattern as written, e.g. `/users/:id`. */
  path: string;
  /** The responses; call N gets the Nth, the last one repeats. */
  responses: MockResponse[];
  /** How many requests this route answered. */
  calls: number;
  /** Answers only while the server's scenario state is this (`when state S`). */
  whenState?: string;
}

/** The scenario state every `serve http` server starts in. */
export const START_STATE = "start";

/**
 * What a placeholder can read from the request.
 *
 * @example Fill a template from the path
 * ```ts
 * import type { MockContext } from "@wireplay/wireplay/http";
 * function greet(ctx: MockContext): string {
 *   return `hello ${ctx.params.name ?? "stranger"}`;
 * }
 * ```
 */
export interface MockContext {
  /** Path parameters by name. */
  params: Record<string, string | undefined>;
  /** The request. */
  request: Request;
  /** The request body as text (`""` when none); a function, so it is decoded only when used. */
  bodyText: string | (() => string);
}

const NO_PARAMS: Record<string, string | undefined> = Object.freeze({}) as Record<
  string,
  string | undefined
>;

/**
 * The scripted routes of one server. The first matching route answers.
 *
 * @example Add a route to a running server
 * ```ts
 * import { httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * api.routes.add("GET", "/users/:id", { status: 200, kind: "json", body: '{"id": "{{id}}"}' });
 * const res = await httpRequest({ method: "GET", url: `${api.url}/users/7` });
 * assertEquals(res.json, { id: "7" });
 * ```
 */
export class MockRoutes {
  #routes: { route: MockRoute; pattern?: URLPattern }[] = [];
  /** The scenario state (WireMock scenarios): `when state` routes answer only in theirs. */
  state: string = START_STATE;
  #gated = 0;

  /**
   * Adds a response for METHOD PATH. Adding to an existing METHOD PATH appends to its
   * sequence, so the first call gets the first response, the second the second, and so on.
   *
   * @throws {TypeError} when `path` is not a valid path pattern.
   */
  add(method: string, path: string, response: MockResponse, whenState?: string): MockRoute {
    const m = method.toUpperCase();
    const existing = this.#routes.find((r) =>
      r.route.method === m && r.route.path === path && r.route.whenState === whenState
    );
    if (existing) {
      existing.route.responses.push(response);
      return existing.route;
    }
    if (!path.startsWith("/")) throw new TypeError(`Route path "${path}" must start with "/"`);
    let pattern: URLPattern | undefined;
    if (/[:*(){}?+\\]/.test(path)) {
      try {
        pattern = new URLPattern({ pathname: path });
      } catch (e) {
        throw new TypeError(`Route path "${path}" is not a valid pattern: ${(e as Error).message}`);
      }
    }
    const route: MockRoute = {
      method: m,
      path,
      responses: [response],
      calls: 0,
      ...(whenState !== undefined ? { whenState } : {}),
    };
    this.#routes.push({ route, pattern });
    if (whenState !== undefined) this.#gated++;
    return route;
  }

  /** Removes every route. */
  clear(): void {
    this.#routes = [];
    this.#gated = 0;
  }

  /** The routes, in the order they were added. */
  get routes(): readonly MockRoute[] {
    return this.#routes.map((r) => r.route);
  }

  /** Whether any route is defined (a fast path for the handler). */
  get size(): number {
    return this.#routes.length;
  }

  /**
   * Finds the route for a request and picks the response for this call.
   *
   * @returns the route, the response and the path parameters, or undefined when none matches.
   */
  match(
    method: string,
    pathname: string,
  ):
    | { route: MockRoute; response: MockResponse; params: Record<string, string | undefined> }
    | undefined {
    // a route for the current scenario state wins over one without a state
    if (this.#gated > 0) {
      return this.#find(method, pathname, true) ?? this.#find(method, pathname, false);
    }
    return this.#find(method, pathname, false);
  }

  #find(
    method: string,
    pathname: string,
    gated: boolean,
  ):
    | { route: MockRoute; response: MockResponse; params: Record<string, string | undefined> }
    | undefined {
    for (const { route, pattern } of this.#routes) {
      if (
        route.method !== "*" && route.method !== method &&
        !(route.method === "GET" && method === "HEAD")
      ) {
        continue;
      }
      if (gated ? route.whenState !== this.state : route.whenState !== undefined) continue;
      let params: Record<string, string | undefined> = NO_PARAMS;
      if (pattern) {
        const m = pattern.exec({ pathname });
        if (!m) continue;
        params = m.pathname.groups;
      } else if (pathname !== route.path) continue;
      const response = route.responses[Math.min(route.calls, route.responses.length - 1)]!;
      route.calls++;
      if (response.setState !== undefined) this.state = response.setState;
      return { route, response, params };
    }
    return undefined;
  }
}

/**
 * Fills `{{name}}` placeholders: a path parameter by name, `{{query.k}}`, `{{header.k}}`,
 * `{{method}}`, `{{path}}`, `{{body}}`, `{{json.a.b}}` (a field of a JSON request body;
 * objects as JSON). Unknown names become `""`.
 *
 * @example
 * ```ts
 * import { fillTemplate } from "./mock_routes.ts";
 * import { assertEquals } from "@std/assert";
 * const request = new Request("http://x/users/7?q=a");
 * assertEquals(fillTemplate("{{id}} {{query.q}}", { params: { id: "7" }, request, bodyText: "" }), "7 a");
 * ```
 */
export function fillTemplate(text: string, ctx: MockContext): string {
  if (!text.includes("{{")) return text;
  const url = new URL(ctx.request.url);
  return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_all, name: string) => {
    if (name === "method") return ctx.request.method;
    if (name === "path") return url.pathname;
    if (name === "body") return typeof ctx.bodyText === "string" ? ctx.bodyText : ctx.bodyText();
    if (name.startsWith("query.")) return url.searchParams.get(name.slice(6)) ?? "";
    if (name.startsWith("header.")) return ctx.request.headers.get(name.slice(7)) ?? "";
    if (name.startsWith("json.")) {
      return jsonField(typeof ctx.bodyText === "string" ? ctx.bodyText : ctx.bodyText(), name);
    }
    const v = ctx.params[name];
    return v === undefined ? "" : decodeURIComponent(v);
  });
}

/** `json.a.0.b` of a JSON text: a string as is, anything else as JSON, `""` when absent. */
function jsonField(text: string, name: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "";
  }
  for (const key of name.split(".").slice(1)) {
    if (v === null || typeof v !== "object") return "";
    v = (v as Record<string, unknown>)[key];
  }
  if (v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * Builds the `Response` for a matched mock, after its delay (cut short by `signal`).
 * `ctx` may be a function: it is then called only when the response has placeholders to
 * fill, so a fixed mock allocates nothing for it.
 */
export function mockResponse(
  response: MockResponse,
  ctx: MockContext | (() => MockContext),
  maxDelayMs: number,
  signal?: AbortSignal,
): Response | Promise<Response> {
  const delay = response.delayMs === undefined ? 0 : Math.min(response.delayMs, maxDelayMs);
  if (delay > 0) return abortableSleep(delay, signal).then(() => buildResponse(response, ctx));
  return buildResponse(response, ctx);
}

function buildResponse(response: MockResponse, ctxOf: MockContext | (() => MockContext)): Response {
  const fixed = fixedResponse(response);
  if (fixed) return new Response(fixed.body, fixed.init);
  const ctx = typeof ctxOf === "function" ? ctxOf() : ctxOf;
  const headers = new Headers();
  if (response.kind === "json") headers.set("content-type", "application/json");
  else if (response.kind === "text") headers.set("content-type", "text/plain; charset=utf-8");
  else if (response.kind === "bytes") headers.set("content-type", "application/octet-stream");
  for (const [k, v] of response.headers ?? []) headers.append(k, fillTemplate(v, ctx));
  const body = typeof response.body === "string" ? fillTemplate(response.body, ctx) : response.body;
  const noBody = response.status === 204 || response.status === 304 || response.status < 200;
  return new Response(noBody ? null : body as BodyInit, { status: response.status, headers });
}

/** Sleeps `ms`, resolving early (without error) when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const FIXED = new WeakMap<
  MockResponse,
  { body: string | Uint8Array<ArrayBuffer> | null; init?: ResponseInit } | null
>();

/**
 * A response without placeholders, prepared once: the fast path for fixed mocks (a string
 * body and a plain header object are what `Response` builds fastest).
 */
function fixedResponse(
  r: MockResponse,
): { body: string | Uint8Array<ArrayBuffer> | null; init?: ResponseInit } | null {
  let fixed = FIXED.get(r);
  if (fixed !== undefined) return fixed;
  const templated = (typeof r.body === "string" && r.body.includes("{{")) ||
    (r.headers ?? []).some(([, v]) => v.includes("{{"));
  if (templated) fixed = null;
  else {
    const list: [string, string][] = [];
    // a string body without a content-type gets `text/plain;charset=UTF-8` from Response
    // itself, on its fastest path
    const textByDefault = r.kind === "text" && typeof r.body === "string" && r.body !== "";
    if (r.kind === "json") list.push(["content-type", "application/json"]);
    else if (r.kind === "text" && !textByDefault) {
      list.push(["content-type", "text/plain; charset=utf-8"]);
    } else if (r.kind === "bytes") list.push(["content-type", "application/octet-stream"]);
    list.push(...(r.headers ?? []));
    const names = new Set(list.map(([k]) => k.toLowerCase()));
    const headers: HeadersInit = names.size === list.length
      ? Object.fromEntries(list.map(([k, v]) => [k.toLowerCase(), v]))
      : list;
    const noBody = r.status === 204 || r.status === 304 || r.status < 200;
    const body = noBody ? null : typeof r.body === "string" ? r.body : new Uint8Array(r.body);
    const init = list.length
      ? { status: r.status, headers }
      : r.status === 200
      ? undefined
      : { status: r.status };
    fixed = { body, init };
  }
  FIXED.set(r, fixed);
  return fixed;
}
