/**
 * httpbin's description of a request (its `get_dict`): `url`, `args`, `headers`, `origin`,
 * `method`, and the body as `data`, `form`, `files` and `json`, with httpbin's rules —
 * header names in Title-Case (as WSGI gives them), proxy headers hidden unless `?show_env`,
 * repeated keys as lists, and a form body shown in `form`/`files`, not in `data`.
 *
 * @module
 */
import { tryUtf8 } from "../../bytes/text.ts";
import { type EndpointContext, toBase64 } from "./httpbin_context.ts";

/** The keys a description can have. */
export type RequestKey = "url" | "args" | "headers" | "origin" | "method" | BodyKey;
type BodyKey = "data" | "form" | "files" | "json";

/** Headers a proxy in front of httpbin adds; hidden unless the query has `show_env`. */
const ENV_HEADERS = new Set([
  "x-varnish",
  "x-request-start",
  "x-heroku-queue-depth",
  "x-real-ip",
  "x-forwarded-proto",
  "x-forwarded-protocol",
  "x-forwarded-ssl",
  "x-heroku-queue-wait-time",
  "x-forwarded-for",
  "x-heroku-dynos-in-use",
  "x-forwarded-port",
  "x-request-id",
  "via",
  "total-route-time",
  "connect-time",
]);

/** The request as httpbin shows it, with exactly `keys`, in that order. */
export async function describe(
  req: Request,
  ctx: EndpointContext,
  keys: readonly RequestKey[],
): Promise<Record<string, unknown>> {
  const body = keys.some((k) => k === "data" || k === "form" || k === "files" || k === "json")
    ? await bodyParts(req, ctx)
    : undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    switch (key) {
      case "url":
        out.url = ctx.url.href;
        break;
      case "args":
        out.args = flatten(ctx.url.searchParams);
        break;
      case "headers":
        out.headers = requestHeaders(req, ctx);
        break;
      case "origin":
        out.origin = req.headers.get("x-forwarded-for") ?? ctx.remoteIp ?? "";
        break;
      case "method":
        out.method = req.method;
        break;
      default:
        out[key] = body![key];
    }
  }
  return out;
}

/** The request headers, names in Title-Case, proxy headers hidden unless `?show_env`. */
export function requestHeaders(req: Request, ctx: EndpointContext): Record<string, string> {
  const showEnv = ctx.url.searchParams.has("show_env");
  const out: Record<string, string> = {};
  for (const [k, v] of req.headers) {
    if (!showEnv && ENV_HEADERS.has(k)) continue;
    out[titleCase(k)] = v;
  }
  return out;
}

/** `x-b3-traceid` → `X-B3-Traceid`, as Python's `str.title()` on a WSGI header name. */
export function titleCase(name: string): string {
  return name.toLowerCase().replace(/[a-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1));
}

/** Pairs as an object: one value as a string, repeated keys as a list. */
function flatten(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * The body as `data`, `form`, `files` and `json`. A form body (urlencoded or multipart) is
 * parsed into `form` and `files` and leaves `data` empty and `json` null, as Flask does;
 * any other body is `data` (UTF-8 text, else a base64 data URL) and `json` when it parses.
 */
async function bodyParts(req: Request, ctx: EndpointContext): Promise<Record<BodyKey, unknown>> {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  const out: Record<BodyKey, unknown> = { data: "", form: {}, files: {}, json: null };
  if (type.startsWith("application/x-www-form-urlencoded")) {
    out.form = flatten(new URLSearchParams(tryUtf8(ctx.body) ?? ""));
    return out;
  }
  if (type.startsWith("multipart/form-data")) {
    const parts = await multipart(ctx.body, req.headers.get("content-type")!);
    if (parts) return { ...out, ...parts };
  }
  const textBody = tryUtf8(ctx.body);
  out.data = textBody ?? `data:application/octet-stream;base64,${toBase64(ctx.body)}`;
  if (textBody) {
    try {
      out.json = JSON.parse(textBody);
    } catch { /* not JSON */ }
  }
  return out;
}

/**
 * `form` and `files` of a `multipart/form-data` body (files as text when they are UTF-8,
 * else as a base64 data URL), or undefined when it is not valid multipart.
 */
async function multipart(
  body: Uint8Array,
  type: string,
): Promise<{ form: unknown; files: unknown } | undefined> {
  let data: FormData;
  try {
    data = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": type },
    }).formData();
  } catch {
    return undefined;
  }
  const form: [string, string][] = [];
  const files: [string, string][] = [];
  for (const [name, value] of data) {
    if (typeof value === "string") form.push([name, value]);
    else {
      const bytes = new Uint8Array(await value.arrayBuffer());
      files.push([
        name,
        tryUtf8(bytes) ??
          `data:${value.type || "application/octet-stream"};base64,${toBase64(bytes)}`,
      ]);
    }
  }
  return { form: flatten(form), files: flatten(files) };
}
