/**
 * httpbin-style endpoints of the built-in HTTP server (`/get`, `/status/:code`,
 * `/delay/:s`, `/bytes/:n`, `/basic-auth/:u/:p`, …), documented in `lib/http/README.md`.
 *
 * @module
 */
import { deleteCookie, getCookies, setCookie, STATUS_TEXT } from "@std/http";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { tryUtf8 } from "../../bytes/text.ts";
import type { HttpLimits } from "./limits.ts";
import { heldBody, type MemoryBudget } from "./memory_budget.ts";
import { abortableSleep } from "./mock_routes.ts";

/** What an endpoint gets besides the request. */
export interface EndpointContext {
  /** The parsed request URL. */
  url: URL;
  /** The request body, already read (empty when none). */
  body: Uint8Array;
  /** The peer's IP address, when known. */
  remoteIp?: string;
  /** The server's limits (delays and generated sizes are capped by them). */
  limits: HttpLimits;
  /** Aborts when the server shuts down or the client goes away. */
  signal?: AbortSignal;
  /** The server's memory budget: an echo answer is held against it until it is sent. */
  budget?: MemoryBudget;
}

type Endpoint = (
  req: Request,
  ctx: EndpointContext,
  params: string[],
) => Response | Promise<Response>;

const METHOD_ECHO: Record<string, string> = {
  get: "GET",
  post: "POST",
  put: "PUT",
  patch: "PATCH",
  delete: "DELETE",
};

/** The sample document of `/api/data`. */
export const API_DATA = {
  items: [
    { id: 1, name: "alpha", tags: ["a", "first"] },
    { id: 2, name: "beta", tags: ["b"] },
    { id: 3, name: "gamma", tags: [] },
  ],
  count: 3,
  ok: true,
};

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
<p>Try <a href="/get">/get</a>, <a href="/api/data">/api/data</a>, <a href="/headers">/headers</a>.</p>
</body></html>
`;

const CACHE_EPOCH = new Date("2024-01-01T00:00:00Z").toUTCString();

const ENDPOINTS: Record<string, Endpoint> = {
  "": () => new Response(HELLO_HTML, { headers: { "content-type": "text/html; charset=utf-8" } }),
  api: (_req, _ctx, p) => p[0] === "data" && p.length === 1 ? json(API_DATA) : notFound(),
  get: methodEcho("get"),
  post: methodEcho("post"),
  put: methodEcho("put"),
  patch: methodEcho("patch"),
  delete: methodEcho("delete"),
  anything: async (req, ctx) => echo(await withForm(req, ctx, describe(req, ctx, true)), ctx),
  status: (_req, _ctx, p) => {
    const code = Number(p[0]);
    if (p.length !== 1 || !/^\d{3}$/.test(p[0] ?? "") || code < 200 || code > 599) {
      return text(400, "status must be a code from 200 to 599\n");
    }
    const headers = new Headers();
    if (code >= 300 && code < 400) headers.set("location", "/redirect/1");
    if (code === 401) headers.set("www-authenticate", 'Basic realm="wireplay"');
    if (code === 204 || code === 304) return new Response(null, { status: code, headers });
    return new Response(STATUS_TEXT[code] ?? "", { status: code, headers });
  },
  delay: async (req, ctx, p) => {
    const seconds = Number(p[0]);
    if (p.length !== 1 || !Number.isFinite(seconds) || seconds < 0) {
      return text(400, "delay must be seconds\n");
    }
    await abortableSleep(Math.min(seconds * 1000, ctx.limits.maxDelayMs), ctx.signal);
    return json(describe(req, ctx, false));
  },
  headers: (req) => json({ headers: headerRecord(req.headers) }),
  ip: (_req, ctx) => json({ origin: ctx.remoteIp ?? "" }),
  "user-agent": (req) => json({ "user-agent": req.headers.get("user-agent") ?? "" }),
  uuid: () => json({ uuid: crypto.randomUUID() }),
  json: () => json(SAMPLE_JSON),
  html: () => new Response(HELLO_HTML, { headers: { "content-type": "text/html; charset=utf-8" } }),
  bytes: (_req, ctx, p) => {
    const n = parseCount(p[0], ctx.limits.maxGeneratedBytes);
    if (n === undefined || p.length !== 1) {
      return text(400, `n must be 0 to ${ctx.limits.maxGeneratedBytes}\n`);
    }
    const seed = ctx.url.searchParams.get("seed");
    const next = seed !== null ? seededSource(Number(seed) >>> 0) : randomSource();
    let left = n;
    // made one piece per pull: a client that does not read holds one piece, not n bytes
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (left <= 0) return c.close();
        const piece = next(Math.min(left, 64 * 1024));
        left -= piece.byteLength;
        c.enqueue(piece);
      },
    }, { highWaterMark: 0 });
    return new Response(body, {
      headers: { "content-type": "application/octet-stream", "content-length": String(n) },
    });
  },
  stream: (req, ctx, p) => {
    const n = parseCount(p[0], 100);
    if (n === undefined || p.length !== 1) return text(400, "n must be 0 to 100\n");
    const base = describe(req, ctx, false);
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i >= n) return c.close();
        c.enqueue(enc.encode(JSON.stringify({ id: i++, ...base }) + "\n"));
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
  drip: async (_req, ctx) => {
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
  },
  redirect: (_req, _ctx, p) => {
    const n = parseCount(p[0], 100);
    if (n === undefined || n < 1 || p.length !== 1) return text(400, "n must be 1 to 100\n");
    return redirect(n === 1 ? "/get" : `/redirect/${n - 1}`);
  },
  "redirect-to": (_req, ctx) => {
    const to = ctx.url.searchParams.get("url");
    const code = Number(ctx.url.searchParams.get("status_code") ?? 302);
    if (!to || !(code >= 300 && code < 400)) {
      return text(400, "needs ?url= and a 3xx status_code\n");
    }
    return redirect(to, code);
  },
  cookies: (req, ctx, p) => {
    if (p.length === 0) return json({ cookies: getCookies(req.headers) });
    const headers = new Headers({ location: "/cookies" });
    if (p[0] === "set" && p.length === 1) {
      for (const [name, value] of ctx.url.searchParams) {
        setCookie(headers, { name, value, path: "/" });
      }
    } else if (p[0] === "set" && p.length === 3) {
      setCookie(headers, {
        name: decodeURIComponent(p[1]!),
        value: decodeURIComponent(p[2]!),
        path: "/",
      });
    } else if (p[0] === "delete" && p.length === 1) {
      for (const name of ctx.url.searchParams.keys()) deleteCookie(headers, name, { path: "/" });
    } else return notFound();
    return new Response(null, { status: 302, headers });
  },
  "basic-auth": (req, _ctx, p) => {
    if (p.length !== 2) return notFound();
    const [user, pass] = p.map((s) => decodeURIComponent(s));
    const given = parseBasic(req.headers.get("authorization"));
    if (given && given.user === user && given.pass === pass) {
      return json({ authenticated: true, user });
    }
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="wireplay"' },
    });
  },
  bearer: (req) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
    if (m) return json({ authenticated: true, token: m[1] });
    return new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } });
  },
  gzip: (req, ctx) => compressed(req, ctx, "gzip"),
  brotli: (req, ctx) => compressed(req, ctx, "br"),
  deflate: (req, ctx) => compressed(req, ctx, "deflate"),
  cache: (req, _ctx, p) => {
    if (p.length === 1) {
      const n = parseCount(p[0], 365 * 86400);
      if (n === undefined) return notFound();
      return json({ cached: true }, 200, { "cache-control": `public, max-age=${n}` });
    }
    if (p.length > 1) return notFound();
    if (req.headers.has("if-none-match") || req.headers.has("if-modified-since")) {
      return new Response(null, {
        status: 304,
        headers: { etag: '"wireplay-cache"', "last-modified": CACHE_EPOCH },
      });
    }
    return json({ cached: false }, 200, { etag: '"wireplay-cache"', "last-modified": CACHE_EPOCH });
  },
  "response-headers": (_req, ctx) => {
    const headers = new Headers({ "content-type": "application/json" });
    const record: Record<string, string> = {};
    for (const [k, v] of ctx.url.searchParams) {
      try {
        headers.append(k, v);
        record[k] = v;
      } catch {
        return text(400, `bad header "${k}"\n`);
      }
    }
    return new Response(JSON.stringify(record, null, 2) + "\n", { headers });
  },
};

/** The endpoint names, for documentation and tests. */
export const HTTPBIN_ENDPOINTS: readonly string[] = Object.keys(ENDPOINTS).filter((k) => k !== "");

/**
 * Answers a request with an httpbin-style endpoint.
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
  if (first === "anything") return ENDPOINTS.anything!(req, ctx, rest);
  const endpoint = Object.hasOwn(ENDPOINTS, first) ? ENDPOINTS[first] : undefined;
  if (!endpoint) return undefined;
  return endpoint(req, ctx, rest);
}

function methodEcho(name: string): Endpoint {
  const method = METHOD_ECHO[name]!;
  return (req, ctx, p) => {
    if (p.length) return notFound();
    if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
      return new Response("method not allowed\n", { status: 405, headers: { allow: method } });
    }
    const out = describe(req, ctx, method !== "GET");
    return method === "GET" ? json(out) : withForm(req, ctx, out).then((o) => echo(o, ctx));
  };
}

/** The httpbin description of a request: args, headers, origin, url, and the body forms. */
export function describe(
  req: Request,
  ctx: EndpointContext,
  withBody: boolean,
): Record<string, unknown> {
  const args: Record<string, string | string[]> = {};
  for (const [k, v] of ctx.url.searchParams) {
    const prev = args[k];
    args[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const out: Record<string, unknown> = {
    args,
    headers: headerRecord(req.headers),
    origin: ctx.remoteIp ?? "",
    url: ctx.url.href,
  };
  if (!withBody) return out;
  out.method = req.method;
  const type = req.headers.get("content-type") ?? "";
  const textBody = tryUtf8(ctx.body);
  out.data = textBody ?? `data:application/octet-stream;base64,${toBase64(ctx.body)}`;
  out.form = {};
  out.files = {};
  out.json = null;
  if (type.includes("application/x-www-form-urlencoded") && textBody !== undefined) {
    out.form = Object.fromEntries(new URLSearchParams(textBody));
  }
  if (textBody !== undefined && textBody.length > 0) {
    try {
      out.json = JSON.parse(textBody);
    } catch { /* not JSON */ }
  }
  return out;
}

/**
 * Fills `form` and `files` from a `multipart/form-data` body (files as text when they are
 * UTF-8, else as a base64 data URL), as httpbin does.
 */
async function withForm(
  req: Request,
  ctx: EndpointContext,
  out: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data") || ctx.body.byteLength === 0) return out;
  let data: FormData;
  try {
    data = await new Response(ctx.body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": type },
    })
      .formData();
  } catch {
    return out; // not valid multipart: `data` still shows the body
  }
  const form: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const [name, value] of data) {
    if (typeof value === "string") form[name] = value;
    else {
      const bytes = new Uint8Array(await value.arrayBuffer());
      files[name] = tryUtf8(bytes) ??
        `data:${value.type || "application/octet-stream"};base64,${toBase64(bytes)}`;
    }
  }
  return { ...out, form, files };
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) out[k] = v;
  return out;
}

function compressed(
  req: Request,
  ctx: EndpointContext,
  encoding: "gzip" | "br" | "deflate",
): Response {
  const key = encoding === "br" ? "brotli" : encoding === "gzip" ? "gzipped" : "deflated";
  const body = new TextEncoder().encode(
    JSON.stringify({ [key]: true, ...describe(req, ctx, false), method: req.method }, null, 2) +
      "\n",
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

function parseCount(text: string | undefined, max: number): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
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

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * The JSON answer of an echo, which may be as large as the request body: held against the
 * server's memory budget until the client has taken it (503 when it does not fit).
 */
function echo(value: unknown, ctx: EndpointContext): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
  const headers = { "content-type": "application/json" };
  if (!ctx.budget) return new Response(bytes, { headers });
  if (!ctx.budget.tryTake(bytes.byteLength)) return ctx.budget.refusal();
  return new Response(heldBody(bytes, ctx.budget, bytes.byteLength), {
    headers: { ...headers, "content-length": String(bytes.byteLength) },
  });
}

function json(value: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value, null, 2) + "\n", {
    status,
    headers: { "content-type": "application/json", ...extra },
  });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function notFound(): Response {
  return text(404, "not found\n");
}

function redirect(location: string, status = 302): Response {
  return new Response(null, { status, headers: { location } });
}
