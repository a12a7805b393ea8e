/**
 * The httpbin endpoints of the built-in HTTP server — every one of httpbin's list (`/get`,
 * `/status/{codes}`, `/digest-auth/…`, `/range/{n}`, `/image`…) answering as httpbin does,
 * plus wireplay's own (`/api/data`, `/api/items`, `/bearer`…): the router, the methods each allows (405
 * otherwise, `OPTIONS` answered), httpbin's CORS headers, and the request-echo endpoints.
 * The endpoint table is in `docs/HTTP.md`.
 *
 * @module
 */
import { deleteCookie, getCookies, setCookie } from "@std/http";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import {
  chunkSize,
  decodeSegment,
  echo,
  empty,
  type Endpoint,
  type EndpointContext,
  HTML_TYPE,
  json,
  notFound,
  parseCount,
  redirect,
  text,
} from "./httpbin_context.ts";
import { digestAuth } from "./httpbin_digest.ts";
import {
  base64Endpoint,
  denyEndpoint,
  formEndpoint,
  linksEndpoint,
  robotsEndpoint,
  utf8Endpoint,
  xmlEndpoint,
} from "./httpbin_documents.ts";
import { imageEndpoint } from "./httpbin_images.ts";
import { rangeEndpoint } from "./httpbin_range.ts";
import { describe, type RequestKey } from "./httpbin_request.ts";
import { statusEndpoint, statusResponse } from "./httpbin_status.ts";
import { abortableSleep } from "./mock_routes.ts";
import { apiEndpoint } from "./seed_api.ts";

export type { EndpointContext } from "./httpbin_context.ts";

/** The sample document of `/json` (the one httpbin serves). */
export const SAMPLE_JSON = {
  slideshow: {
    author: "Yours Truly",
    date: "date of publication",
    slides: [
      { title: "Wake up to WonderWidgets!", type: "all" },
      {
        items: ["Why <em>WonderWidgets</em> are great", "Who <em>buys</em> WonderWidgets"],
        title: "Overview",
        type: "all",
      },
    ],
    title: "Sample Slide Show",
  },
};

const HELLO_HTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>wireplay</title></head>
<body><h1>Hello from wireplay</h1>
<p>Try <a href="/get">/get</a>, <a href="/api/data">/api/data</a>, <a href="/api/items">/api/items</a>, <a href="/headers">/headers</a>.</p>
</body></html>
`;

/** httpbin's keys for `/get`, the body methods, `/anything` and `/delay`. */
const GET_KEYS: RequestKey[] = ["url", "args", "headers", "origin"];
const BODY_KEYS: RequestKey[] = [
  "url",
  "args",
  "form",
  "data",
  "origin",
  "headers",
  "files",
  "json",
];
const ANYTHING_KEYS: RequestKey[] = [...BODY_KEYS, "method"];
const DELAY_KEYS: RequestKey[] = ["url", "args", "form", "data", "origin", "headers", "files"];

/** Cookies a proxy in front of httpbin sets; hidden by `/cookies` unless `?show_env`. */
const ENV_COOKIES = [
  "_gauges_unique",
  "_gauges_unique_year",
  "_gauges_unique_month",
  "_gauges_unique_day",
  "_gauges_unique_hour",
  "__utmz",
  "__utma",
  "__utmb",
];

/** The methods httpbin routes that take more than GET. */
const ALL = ["GET", "POST", "PUT", "DELETE", "PATCH", "TRACE"];

interface Route {
  /** Allowed methods (HEAD and OPTIONS come with GET); `"any"` for every method. */
  methods: string[] | "any";
  fn: Endpoint;
}

const get = (fn: Endpoint): Route => ({ methods: ["GET"], fn });

const ROUTES: Record<string, Route> = {
  "": get(() => text(200, HELLO_HTML, HTML_TYPE)),
  api: { methods: ["GET", "POST"], fn: apiEndpoint },
  get: get(async (req, ctx, p) => p.length ? notFound() : json(await describe(req, ctx, GET_KEYS))),
  post: bodyEcho("POST"),
  put: bodyEcho("PUT"),
  patch: bodyEcho("PATCH"),
  delete: bodyEcho("DELETE"),
  anything: {
    methods: "any",
    fn: async (req, ctx) => echo(await describe(req, ctx, ANYTHING_KEYS), ctx),
  },
  status: {
    methods: ALL,
    fn: (_req, _ctx, p) => p.length === 1 ? statusEndpoint(p[0]!) : notFound(),
  },
  delay: {
    methods: ALL,
    fn: async (req, ctx, p) => {
      const seconds = Number(p[0]);
      if (p.length !== 1 || !Number.isFinite(seconds) || seconds < 0) {
        return text(400, "delay must be seconds\n");
      }
      await abortableSleep(Math.min(seconds * 1000, ctx.limits.maxDelayMs), ctx.signal);
      return echo(await describe(req, ctx, DELAY_KEYS), ctx);
    },
  },
  headers: get(async (req, ctx) => json(await describe(req, ctx, ["headers"]))),
  ip: get(async (req, ctx) => json(await describe(req, ctx, ["origin"]))),
  "user-agent": get((req) => json({ "user-agent": req.headers.get("user-agent") })),
  uuid: get(() => json({ uuid: crypto.randomUUID() })),
  json: get(() => json(SAMPLE_JSON)),
  html: get(() => text(200, HELLO_HTML, HTML_TYPE)),
  xml: get(xmlEndpoint),
  "robots.txt": get(robotsEndpoint),
  deny: get(denyEndpoint),
  encoding: get((_req, _ctx, p) => p.join("/") === "utf8" ? utf8Endpoint() : notFound()),
  forms: get((_req, _ctx, p) => p.join("/") === "post" ? formEndpoint() : notFound()),
  base64: get((_req, _ctx, p) => base64Endpoint(p)),
  links: get((_req, _ctx, p) => linksEndpoint(p)),
  image: get((req, _ctx, p) => imageEndpoint(req, p)),
  range: get(rangeEndpoint),
  bytes: get((_req, ctx, p) => generatedBytes(ctx, p, false)),
  "stream-bytes": get((_req, ctx, p) => generatedBytes(ctx, p, true)),
  stream: get(async (req, ctx, p) => {
    const asked = parseCount(p[0], Number.MAX_SAFE_INTEGER);
    if (asked === undefined || p.length !== 1) return notFound();
    const n = Math.min(asked, 100);
    const base = await describe(req, ctx, GET_KEYS);
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i >= n) return c.close();
        c.enqueue(enc.encode(JSON.stringify({ ...base, id: i++ }) + "\n"));
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  }),
  drip: get(drip),
  redirect: get((_req, ctx, p) => {
    const n = redirectCount(p);
    if (n instanceof Response) return n;
    const absolute = ctx.url.searchParams.get("absolute")?.toLowerCase() === "true";
    const origin = absolute ? ctx.url.origin : "";
    if (n === 1) return redirect(`${origin}/get`);
    return redirect(`${origin}/${absolute ? "absolute" : "relative"}-redirect/${n - 1}`);
  }),
  "relative-redirect": get((_req, _ctx, p) => {
    const n = redirectCount(p);
    if (n instanceof Response) return n;
    return redirect(n === 1 ? "/get" : `/relative-redirect/${n - 1}`, 302, false);
  }),
  "absolute-redirect": get((_req, ctx, p) => {
    const n = redirectCount(p);
    if (n instanceof Response) return n;
    const origin = ctx.url.origin;
    return redirect(n === 1 ? `${origin}/get` : `${origin}/absolute-redirect/${n - 1}`);
  }),
  "redirect-to": {
    methods: ALL,
    fn: (_req, ctx) => {
      const to = ctx.url.searchParams.get("url");
      const asked = Number(ctx.url.searchParams.get("status_code") ?? 302);
      if (!to) return text(400, "needs ?url=\n");
      return redirect(to, asked >= 300 && asked < 400 ? asked : 302, false);
    },
  },
  cookies: get(cookies),
  "basic-auth": get((req, _ctx, p) => basicAuth(req, p, 401)),
  "hidden-basic-auth": get((req, _ctx, p) => basicAuth(req, p, 404)),
  "digest-auth": get((req, ctx, p) =>
    p.length >= 3 && p.length <= 5 ? digestAuth(req, ctx, p) : notFound()
  ),
  bearer: get((req) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
    if (m) return json({ authenticated: true, token: m[1] });
    return empty(401, { "www-authenticate": "Bearer" });
  }),
  gzip: get((req, ctx) => compressed(req, ctx, "gzip")),
  brotli: get((req, ctx) => compressed(req, ctx, "br")),
  deflate: get((req, ctx) => compressed(req, ctx, "deflate")),
  cache: get(async (req, ctx, p) => {
    if (p.length === 1) {
      const n = parseCount(p[0], Number.MAX_SAFE_INTEGER);
      if (n === undefined) return notFound();
      return json(await describe(req, ctx, GET_KEYS), 200, {
        "cache-control": `public, max-age=${n}`,
      });
    }
    if (p.length > 1) return notFound();
    if (req.headers.get("if-none-match") || req.headers.get("if-modified-since")) {
      return statusResponse(304);
    }
    return json(await describe(req, ctx, GET_KEYS), 200, {
      "last-modified": new Date().toUTCString(),
      etag: crypto.randomUUID().replaceAll("-", ""),
    });
  }),
  etag: get(async (req, ctx, p) => {
    if (p.length !== 1) return notFound();
    const tag = p[0]!;
    const noneMatch = entityTags(req.headers.get("if-none-match"));
    const match = entityTags(req.headers.get("if-match"));
    if (noneMatch.length) {
      if (noneMatch.includes(tag) || noneMatch.includes("*")) {
        const res = statusResponse(304);
        res.headers.set("etag", tag);
        return res;
      }
    } else if (match.length && !match.includes(tag) && !match.includes("*")) {
      return statusResponse(412);
    }
    return json(await describe(req, ctx, GET_KEYS), 200, { etag: tag });
  }),
  "response-headers": { methods: ["GET", "POST"], fn: responseHeaders },
};

/**
 * The endpoint names, for documentation and tests.
 *
 * @example Is an endpoint there
 * ```ts
 * import { HTTPBIN_ENDPOINTS } from "@wireplay/wireplay/http";
 * import { assert } from "@std/assert";
 * assert(HTTPBIN_ENDPOINTS.includes("get"));
 * ```
 */
export const HTTPBIN_ENDPOINTS: readonly string[] = Object.keys(ROUTES).filter((k) => k !== "");

/**
 * Answers a request with an httpbin endpoint, with httpbin's CORS headers.
 *
 * @returns the response, or undefined when no endpoint has this path.
 */
export function httpbin(
  req: Request,
  ctx: EndpointContext,
): Response | Promise<Response> | undefined {
  const segments = ctx.url.pathname.split("/").slice(1);
  if (segments.at(-1) === "" && segments.length > 1) segments.pop();
  const [first = "", ...rest] = segments;
  const route = Object.hasOwn(ROUTES, first) ? ROUTES[first] : undefined;
  if (!route) return undefined;
  const allowed = route.methods === "any" ? undefined : allowList(route.methods);
  let res: Response | Promise<Response>;
  if (req.method === "OPTIONS" && allowed) {
    res = withCors(req, empty(200, { allow: allowed.join(", ") }));
  } else if (allowed && !allowed.includes(req.method)) {
    res = text(
      405,
      "<!doctype html>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n",
      HTML_TYPE,
    );
    res.headers.set("allow", allowed.join(", "));
  } else res = route.fn(req, ctx, rest.map(decodeSegment));
  return res instanceof Promise ? res.then((r) => withCors(req, r)) : withCors(req, res);
}

/** The `Allow` list Flask gives a route: its methods, with HEAD for GET, and OPTIONS. */
function allowList(methods: string[]): string[] {
  const all = new Set(methods);
  if (all.has("GET")) all.add("HEAD");
  all.add("OPTIONS");
  return [...all].sort();
}

/** httpbin's CORS headers (and the preflight ones for OPTIONS). */
function withCors(req: Request, res: Response): Response {
  const h = res.headers; // every answer here is a `new Response`: its headers are mutable
  h.set("access-control-allow-origin", req.headers.get("origin") ?? "*");
  h.set("access-control-allow-credentials", "true");
  if (req.method === "OPTIONS") {
    h.set("access-control-allow-methods", "GET, POST, PUT, DELETE, PATCH, OPTIONS");
    h.set("access-control-max-age", "3600");
    const asked = req.headers.get("access-control-request-headers");
    if (asked !== null) h.set("access-control-allow-headers", asked);
  }
  return res;
}

function bodyEcho(method: string): Route {
  return {
    methods: [method],
    fn: async (req, ctx, p) =>
      p.length ? notFound() : echo(await describe(req, ctx, BODY_KEYS), ctx),
  };
}

/** The `n` of a redirect chain (1 to 100), or the answer to a bad one. */
function redirectCount(p: string[]): number | Response {
  if (p.length !== 1 || !/^\d+$/.test(p[0]!)) return notFound();
  const n = Number(p[0]);
  return n >= 1 && n <= 100 ? n : text(400, "n must be 1 to 100\n");
}

/** `/bytes/{n}` (one body with a length) and `/stream-bytes/{n}` (chunked, `chunk_size`). */
function generatedBytes(ctx: EndpointContext, p: string[], streamed: boolean): Response {
  const max = ctx.limits.maxGeneratedBytes;
  const n = parseCount(p[0], max);
  if (n === undefined || p.length !== 1) return text(400, `n must be 0 to ${max}\n`);
  const q = ctx.url.searchParams;
  const seed = q.get("seed");
  const next = seed !== null ? seededSource(Number(seed) >>> 0) : randomSource();
  const piece = streamed ? chunkSize(q) : 64 * 1024;
  let left = n;
  // made one piece per pull: a client that does not read holds one piece, not n bytes
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (left <= 0) return c.close();
      const bytes = next(Math.min(left, piece));
      left -= bytes.byteLength;
      c.enqueue(bytes);
    },
  }, { highWaterMark: 0 });
  const headers = new Headers({ "content-type": "application/octet-stream" });
  if (!streamed) headers.set("content-length", String(n));
  return new Response(body, { headers });
}

async function drip(_req: Request, ctx: EndpointContext): Promise<Response> {
  const q = ctx.url.searchParams;
  const durationMs = Math.min(Number(q.get("duration") ?? 2) * 1000, ctx.limits.maxDelayMs);
  const n = parseCount(q.get("numbytes") ?? "10", ctx.limits.maxGeneratedBytes);
  const code = Number(q.get("code") ?? 200);
  const delayMs = Math.min(Number(q.get("delay") ?? 0) * 1000, ctx.limits.maxDelayMs);
  if (n === undefined || n < 1) {
    return text(400, `numbytes must be an integer from 1 to ${ctx.limits.maxGeneratedBytes}\n`);
  }
  if (
    ![durationMs, code, delayMs].every((v) => Number.isFinite(v) && v >= 0) ||
    !Number.isInteger(code) || code < 200 || code > 599
  ) {
    return text(400, "bad drip parameters\n");
  }
  if (delayMs) await abortableSleep(delayMs, ctx.signal);
  if (code === 204 || code === 304) return new Response(null, { status: code }); // no body
  const steps = Math.min(n, 1000); // never more than 1000 writes
  const per = Math.floor(n / steps);
  let sent = 0;
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent >= n || ctx.signal?.aborted) return c.close();
      if (step > 0) await abortableSleep(durationMs / steps, ctx.signal);
      const size = step === steps - 1 ? n - sent : per;
      c.enqueue(new Uint8Array(size).fill(42));
      sent += size;
      step++;
    },
  });
  return new Response(body, {
    status: code,
    headers: { "content-type": "application/octet-stream", "content-length": String(n) },
  });
}

function cookies(req: Request, ctx: EndpointContext, p: string[]): Response {
  if (p.length === 0) {
    const all = getCookies(req.headers);
    if (!ctx.url.searchParams.has("show_env")) { for (const k of ENV_COOKIES) delete all[k]; }
    return json({ cookies: all });
  }
  const res = redirect("/cookies");
  if (p[0] === "set" && p.length === 1) {
    for (const [name, value] of ctx.url.searchParams) {
      setCookie(res.headers, { name, value, path: "/" });
    }
  } else if (p[0] === "set" && p.length === 3) {
    setCookie(res.headers, {
      name: p[1]!,
      value: p[2]!,
      path: "/",
    });
  } else if (p[0] === "delete" && p.length === 1) {
    for (const name of ctx.url.searchParams.keys()) deleteCookie(res.headers, name, { path: "/" });
  } else return notFound();
  return res;
}

/** `/basic-auth` (401 with a challenge when refused) and `/hidden-basic-auth` (404). */
function basicAuth(req: Request, p: string[], refusal: 401 | 404): Response {
  if (p.length !== 2) return notFound();
  const [user, pass] = p;
  const given = parseBasic(req.headers.get("authorization"));
  if (given && given.user === user && given.pass === pass) {
    return json({ authenticated: true, user });
  }
  return statusResponse(refusal);
}

async function compressed(
  req: Request,
  ctx: EndpointContext,
  encoding: "gzip" | "br" | "deflate",
): Promise<Response> {
  const key = encoding === "br" ? "brotli" : encoding === "gzip" ? "gzipped" : "deflated";
  const body = new TextEncoder().encode(
    JSON.stringify(
      { ...await describe(req, ctx, ["origin", "headers", "method"]), [key]: true },
      null,
      2,
    ) + "\n",
  );
  const packed = encoding === "gzip"
    ? gzipSync(body)
    : encoding === "br"
    ? brotliCompressSync(body)
    : deflateSync(body);
  return new Response(packed as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/json", "content-encoding": encoding },
  });
}

/**
 * `/response-headers?K=V…`: those headers, and a JSON body listing every header of the
 * answer (repeated ones as lists), `Content-Length` included — computed until it is stable.
 */
function responseHeaders(_req: Request, ctx: EndpointContext): Response {
  const headers = new Headers({ "content-type": "application/json" });
  const asked: Record<string, string | string[]> = {};
  for (const [k, v] of ctx.url.searchParams) {
    try {
      if (k.toLowerCase() === "content-type") headers.set(k, v);
      else headers.append(k, v);
    } catch {
      return text(400, `bad header "${k}"\n`);
    }
    const prev = asked[k];
    asked[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  let length = 0;
  let body = "";
  for (let i = 0; i < 5; i++) {
    const record: Record<string, string | string[]> = {
      "Content-Length": String(length),
      "Content-Type": headers.get("content-type")!,
      ...asked,
    };
    body = JSON.stringify(record, null, 2) + "\n";
    const next = new TextEncoder().encode(body).byteLength;
    if (next === length) break;
    length = next;
  }
  return new Response(body, { headers });
}

/** The entity tags of an `If-Match`/`If-None-Match` list, without quotes and `W/`. */
function entityTags(header: string | null): string[] {
  if (!header) return [];
  return header.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1"))
    .filter((t) => t !== "");
}

function parseBasic(header: string | null): { user: string; pass: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** Random bytes, `n` (at most 65536) at a time. */
function randomSource(): (n: number) => Uint8Array<ArrayBuffer> {
  return (n) => crypto.getRandomValues(new Uint8Array(n));
}

/** Deterministic bytes for `/bytes/:n?seed=S` (xorshift32), `n` at a time. */
function seededSource(seed: number): (n: number) => Uint8Array<ArrayBuffer> {
  let x = seed || 0x9e3779b9;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}
