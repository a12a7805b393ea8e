/**
 * The request options and the response record of the HTTP client.
 *
 * @module
 */

import type { CookieJar } from "./cookies.ts";
import type { MultipartPart } from "./form_body.ts";

/**
 * One HTTP request, as the `http` statement and the API describe it.
 *
 * @example POST JSON with a bearer token
 * ```ts
 * import type { HttpRequestOptions } from "@wireplay/wireplay/http";
 * const request: HttpRequestOptions = {
 *   method: "POST",
 *   url: "http://127.0.0.1:8080/users",
 *   json: { name: "Ada" },
 *   bearer: "token",
 *   timeoutMs: 2000,
 * };
 * // await httpRequest(request)
 * ```
 */
export interface HttpRequestOptions {
  /** `GET`, `POST`, … (any token). */
  method: string;
  /** `http://` or `https://` URL. */
  url: string;
  /** Header fields in order; a `Host` here replaces the default. */
  headers?: [string, string][];
  /** Raw body bytes or text (UTF-8). */
  body?: Uint8Array | string;
  /** A value sent as JSON (sets `content-type: application/json` unless given). */
  json?: unknown;
  /** Query parameters appended to the URL. */
  query?: [string, string][];
  /** `Authorization: Basic …` from `user:pass`. */
  basicAuth?: string;
  /** `Authorization: Bearer …`. */
  bearer?: string;
  /** Give up after this many ms, all phases together (default 30 s). */
  timeoutMs?: number;
  /** Follow redirects (default false), at most `maxRedirects`. */
  follow?: boolean;
  /** Most redirects followed (default 10). */
  maxRedirects?: number;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** The trusted CA certificates, PEM text (instead of the built-in roots). */
  caCerts?: string[];
  /** A client certificate (PEM), for servers that ask for one. */
  cert?: string;
  /** The client certificate's private key (PEM). */
  key?: string;
  /** Largest response body held in memory, after decoding (default 64 MiB; see `saveTo`). */
  maxBodyBytes?: number;
  /**
   * Streams the final response's body to this file instead of holding it: no size cap, not
   * decoded (saved as received), written to a temp file renamed into place when complete
   * (a device such as `/dev/null` is written directly). `body` is then empty and `saved`
   * says where it went.
   */
  saveTo?: string;
  /** Decode `content-encoding` gzip/deflate/br (default true). */
  decode?: boolean;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** A form body, `application/x-www-form-urlencoded` (instead of `body`/`json`). */
  form?: [string, string][];
  /** A `multipart/form-data` body of fields and files (instead of `body`/`json`). */
  multipart?: MultipartPart[];
  /** Sends its cookies and stores the responses' `Set-Cookie`, redirects included. */
  cookieJar?: CookieJar;
  /** A proxy URL: `http://[user:pass@]host:port` (CONNECT for https), `socks5://…`, `socks5h://…`. */
  proxy?: string;
  /** `HOST:PORT:ADDR` entries: connect to ADDR for HOST:PORT, as curl's `--resolve`. */
  resolve?: string[];
  /** Offer HTTP/2 by ALPN over TLS (default true); HTTP/1.1 when the server does not pick it. */
  http2?: boolean;
}

/**
 * How long each phase of a request took, ms.
 *
 * @example Time spent before the first byte
 * ```ts
 * import type { HttpTimings } from "@wireplay/wireplay/http";
 * function waiting(t: HttpTimings): number {
 *   return t.ttfbMs - t.connectMs - t.tlsMs;
 * }
 * ```
 */
export interface HttpTimings {
  /** Name resolution. */
  dnsMs: number;
  /** TCP connect. */
  connectMs: number;
  /** TLS handshake (0 for http). */
  tlsMs: number;
  /** From sending the request to the first response byte. */
  ttfbMs: number;
  /** From the start to the last body byte, redirects included. */
  totalMs: number;
}

/**
 * What was sent, for failure messages and the REPL.
 *
 * @example What went on the wire
 * ```ts
 * import type { SentRequest } from "@wireplay/wireplay/http";
 * function head(r: SentRequest): string {
 *   return [`${r.method} ${r.url}`, ...r.headers.map(([k, v]) => `${k}: ${v}`)].join("\n");
 * }
 * ```
 */
export interface SentRequest {
  /** The method. */
  method: string;
  /** The full URL, query included. */
  url: string;
  /** The header fields sent. */
  headers: [string, string][];
  /** The body sent. */
  body: Uint8Array;
}

/**
 * A response, with everything a script asserts on.
 *
 * @example Status and time
 * ```ts
 * import type { HttpResponse } from "@wireplay/wireplay/http";
 * function line(res: HttpResponse): string {
 *   return `${res.status} ${res.statusText} in ${res.timings.totalMs} ms from ${res.remoteIp}`;
 * }
 * ```
 */
export interface HttpResponse {
  /** The status code. */
  status: number;
  /** The reason phrase. */
  statusText: string;
  /** `HTTP/1.1`, `HTTP/1.0` or `HTTP/2`. */
  httpVersion: string;
  /** The header fields (case-insensitive lookup). */
  headers: Headers;
  /** The header fields as received, in order. */
  rawHeaders: [string, string][];
  /** The body bytes, decoded from `content-encoding`. */
  body: Uint8Array;
  /** The body as UTF-8 text, when it is valid UTF-8. */
  text?: string;
  /** The body parsed as JSON, when it parses. */
  json?: unknown;
  /** Whether `json` holds a parsed value (JSON `null` included). */
  isJson: boolean;
  /** The URL of this (final) response. */
  url: string;
  /** The IP address that answered. */
  remoteIp: string;
  /** Phase timings. */
  timings: HttpTimings;
  /** The request that produced this response (the last one when redirects were followed). */
  request: SentRequest;
  /** The URLs redirected through, in order, when `follow` was on. */
  redirects: string[];
  /** Where the body went instead of `body`, with its size, when `saveTo` was given. */
  saved?: { path: string; bytes: number };
}
