/**
 * What every httpbin-style endpoint shares: the context it is called with, and the helpers
 * that build its answers (JSON, text, an empty status, an echo held against the memory
 * budget).
 *
 * @module
 */
import type { HttpLimits } from "./limits.ts";
import { heldBody, type MemoryBudget } from "./memory_budget.ts";

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

/**
 * An endpoint: the request, its context and the path segments after the endpoint's name,
 * percent-decoded ({@linkcode decodeSegment}).
 */
export type Endpoint = (
  req: Request,
  ctx: EndpointContext,
  params: string[],
) => Response | Promise<Response>;

const JSON_TYPE = "application/json";
/** The content type Flask gives a body it was not told the type of. */
export const HTML_TYPE = "text/html; charset=utf-8";

/** A JSON answer (pretty-printed, newline-terminated). */
export function json(value: unknown, status = 200, extra: HeadersInit = {}): Response {
  const headers = new Headers(extra);
  headers.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(value, null, 2) + "\n", { status, headers });
}

/** A plain-text answer. */
export function text(status: number, body: string, type = "text/plain; charset=utf-8"): Response {
  return new Response(body, { status, headers: { "content-type": type } });
}

/** The 404 of a path no endpoint has. */
export function notFound(): Response {
  return text(404, "not found\n");
}

/**
 * A body-less answer with Flask's default content type, as httpbin's `status_code()` (none
 * for 304, whose entity headers Werkzeug removes).
 */
export function empty(status: number, extra: HeadersInit = {}): Response {
  const headers = new Headers(
    status === 304 ? {} : { "content-type": HTML_TYPE },
  );
  for (const [k, v] of new Headers(extra)) headers.set(k, v);
  return new Response(null, { status, headers });
}

/**
 * The JSON answer of an echo, which may be as large as the request body: held against the
 * server's memory budget until the client has taken it (503 when it does not fit).
 */
export function echo(value: unknown, ctx: EndpointContext, extra: HeadersInit = {}): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
  const headers = new Headers(extra);
  headers.set("content-type", JSON_TYPE);
  if (!ctx.budget) return new Response(bytes, { headers });
  if (!ctx.budget.tryTake(bytes.byteLength)) return ctx.budget.refusal();
  headers.set("content-length", String(bytes.byteLength));
  return new Response(heldBody(bytes, ctx.budget, bytes.byteLength), { headers });
}

/**
 * A redirect to `location` (302 unless told): with Flask's "Redirecting..." page as
 * `redirect()` makes it, or body-less (`page` false) as httpbin's hand-made ones.
 */
export function redirect(location: string, status = 302, page = true): Response {
  if (!page) return empty(status, { location });
  const href = location.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return new Response(
    `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n` +
      `<p>You should be redirected automatically to the target URL: <a href="${href}">${href}</a>. ` +
      `If not, click the link.\n`,
    { status, headers: { "content-type": HTML_TYPE, location } },
  );
}

/** Base64 of bytes, in slices (no argument-count limit). */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** A decimal count from 0 to `max`, or undefined. */
export function parseCount(text: string | undefined, max: number): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** The `chunk_size` query parameter: at least 1, 10 KiB when absent, at most 64 KiB. */
export function chunkSize(query: URLSearchParams): number {
  const asked = Math.trunc(Number(query.get("chunk_size") ?? 10240)) || 1;
  return Math.min(Math.max(1, asked), 64 * 1024);
}

/**
 * A percent-decoded path segment; bytes that are not UTF-8 become U+FFFD (as Werkzeug
 * decodes them), so no segment makes an endpoint throw.
 */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < segment.length; i++) {
      const hex = segment.slice(i + 1, i + 3);
      if (segment[i] === "%" && /^[0-9a-f]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(...new TextEncoder().encode(segment[i]));
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
}
