/**
 * Performs one HTTP request with precise timings (DNS, connect, TLS, first byte, total):
 * query, headers, a body, JSON, a form or multipart, basic or bearer auth, a timeout,
 * optional redirect following, a cookie jar, a proxy (HTTP or SOCKS5), pinned addresses
 * (`resolve`), TLS verified against system roots plus given CAs, or `insecure`. HTTP/1.1
 * on our own reader; HTTP/2 when the server picks it by ALPN.
 *
 * @module
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { tryUtf8, utf8 } from "../../bytes/text.ts";
import { type BodyFile, openBodyFile } from "./body_file.ts";
import { type ClientConnection, ConnectError, isIp, openConnection } from "./connection.ts";
import { multipartBody, urlencodedBody } from "./form_body.ts";
import {
  type BodySink,
  ByteReader,
  HttpProtocolError,
  parseResponseHead,
  readBody,
  type ResponseHead,
  serializeRequestHead,
} from "./http1.ts";
import { parseProxy, proxyAuthorization, type ProxySpec, TunnelError } from "./tunnel.ts";
import type { HttpRequestOptions, HttpResponse } from "./types.ts";

/**
 * The request could not complete: DNS, connect, TLS, timeout or a protocol error.
 *
 * @example Nothing listens on the port
 * ```ts
 * import { HttpRequestError, httpRequest } from "@wireplay/wireplay/http";
 * import { assertEquals, assertRejects } from "@std/assert";
 * const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const url = `http://127.0.0.1:${l.addr.port}/`;
 * l.close();
 * const e = await assertRejects(() => httpRequest({ method: "GET", url }), HttpRequestError);
 * assertEquals(e.phase, "connect");
 * ```
 */
export class HttpRequestError extends Error {
  /** Always `"HttpRequestError"`. */
  override name = "HttpRequestError";
  /**
   * Makes the error.
   *
   * @param phase Where the request failed.
   * @param message What happened.
   * @param options The underlying error as `cause`.
   */
  constructor(
    /** Where it failed: the URL, DNS, connect, TLS, a timeout, HTTP itself, or the `saveTo` file. */
    readonly phase: "url" | "dns" | "connect" | "tls" | "timeout" | "protocol" | "save",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const MAX_HEAD_BYTES = 64 * 1024;

/** The `User-Agent` the client sends unless told otherwise. */
export const USER_AGENT = "wireplay/0.1";

/**
 * Sends one request and reads the whole response (its body held in memory up to
 * `maxBodyBytes`, or streamed to the `saveTo` file).
 *
 * @throws {HttpRequestError} when no response could be read (the phase says why).
 *
 * @example
 * ```ts
 * import { httpRequest } from "./request.ts";
 * import { createHttpHandler } from "../server/handler.ts";
 * import { assertEquals } from "@std/assert";
 * await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, createHttpHandler());
 * const res = await httpRequest({ method: "GET", url: `http://127.0.0.1:${server.addr.port}/json` });
 * assertEquals(res.status, 200);
 * ```
 */
export async function httpRequest(opts: HttpRequestOptions): Promise<HttpResponse> {
  const start = performance.now();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new HttpRequestError("timeout", `no response within ${timeoutMs}ms`)),
    timeoutMs,
  );
  const onOuter = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuter, { once: true });
  let saveTo: BodyFile | undefined;
  try {
    let url = buildUrl(opts);
    let method = opts.method.toUpperCase();
    const route = routeOf(opts);
    const encoded = await requestBody(opts);
    let body = encoded.body;
    let headers = requestHeaders(opts, encoded.contentType);
    const redirects: string[] = [];
    const max = opts.maxRedirects ?? 10;
    if (opts.saveTo !== undefined) saveTo = await openSaveTo(opts.saveTo);
    while (true) {
      const { followed: onward, ...res } = await once(
        method,
        url,
        headers,
        body,
        opts,
        route,
        abort.signal,
        start,
        saveTo,
      );
      if (!onward) {
        await saveTo?.commit();
        res.redirects = redirects;
        return res;
      }
      const location = res.headers.get("location")!;
      if (redirects.length >= max) {
        throw new HttpRequestError("protocol", `more than ${max} redirects (last to ${location})`);
      }
      const next = new URL(location, url);
      redirects.push(next.href);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = new Uint8Array(0);
        headers = headers.filter(([k]) =>
          !/^(content-type|content-length|transfer-encoding)$/i.test(k)
        );
      }
      if (next.host !== url.host || next.protocol !== url.protocol) {
        headers = headers.filter(([k]) => !/^(authorization|cookie|host)$/i.test(k));
      }
      url = next;
    }
  } catch (e) {
    if (abort.signal.aborted && abort.signal.reason instanceof HttpRequestError) {
      throw abort.signal.reason;
    }
    if (e instanceof HttpRequestError) throw e;
    if (e instanceof TunnelError) throw new HttpRequestError("url", e.message, { cause: e });
    if (e instanceof ConnectError) throw new HttpRequestError(e.phase, e.message, { cause: e });
    if (e instanceof HttpProtocolError) {
      throw new HttpRequestError("protocol", e.message, { cause: e });
    }
    if (abort.signal.aborted) {
      throw new HttpRequestError("timeout", "request aborted", { cause: e });
    }
    throw new HttpRequestError("protocol", (e as Error).message, { cause: e });
  } finally {
    await saveTo?.abort(); // nothing to do once committed
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuter);
  }
}

async function openSaveTo(path: string): Promise<BodyFile> {
  try {
    return await openBodyFile(path);
  } catch (e) {
    throw new HttpRequestError("save", `cannot write "${path}": ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Whether `follow` takes this response on to its `Location`. */
function followed(opts: HttpRequestOptions, head: ResponseHead): boolean {
  return !!opts.follow && [301, 302, 303, 307, 308].includes(head.status) &&
    head.rawHeaders.some(([k, v]) => k.toLowerCase() === "location" && v !== "");
}

/** The request URL with `query` appended. */
export function buildUrl(opts: Pick<HttpRequestOptions, "url" | "query">): URL {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new HttpRequestError("url", `"${opts.url}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpRequestError("url", `"${opts.url}" is not an http:// or https:// URL`);
  }
  for (const [k, v] of opts.query ?? []) url.searchParams.append(k, v);
  return url;
}

/** Where requests go besides the URL: a proxy and pinned addresses. */
interface Route {
  proxy?: ProxySpec;
  resolve?: Map<string, string>;
}

function routeOf(opts: HttpRequestOptions): Route {
  const route: Route = {};
  if (opts.proxy !== undefined) route.proxy = parseProxy(opts.proxy);
  if (opts.resolve?.length) {
    route.resolve = new Map();
    for (const entry of opts.resolve) {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5}):(.+)$/.exec(entry);
      const addr = m?.[3]?.replace(/^\[|\]$/g, "");
      if (!m || !addr || !isIp(addr) || Number(m[2]) > 65535) {
        throw new HttpRequestError("url", `resolve "${entry}" is not HOST:PORT:ADDR (ADDR an IP)`);
      }
      route.resolve.set(`${m[1]!.replace(/^\[|\]$/g, "").toLowerCase()}:${Number(m[2])}`, addr);
    }
  }
  return route;
}

async function requestBody(
  opts: HttpRequestOptions,
): Promise<{ body: Uint8Array; contentType?: string }> {
  const kinds = [opts.json !== undefined, opts.body !== undefined, !!opts.form, !!opts.multipart];
  if (kinds.filter(Boolean).length > 1) {
    throw new HttpRequestError("url", "one body per request (body, json, form or multipart)");
  }
  if (opts.json !== undefined) {
    return { body: utf8(JSON.stringify(opts.json)), contentType: "application/json" };
  }
  if (opts.form) return urlencodedBody(opts.form);
  if (opts.multipart) return await multipartBody(opts.multipart);
  if (opts.body === undefined) return { body: new Uint8Array(0) };
  return { body: typeof opts.body === "string" ? utf8(opts.body) : opts.body };
}

function requestHeaders(opts: HttpRequestOptions, contentType?: string): [string, string][] {
  const given = opts.headers ?? [];
  const has = (name: string) => given.some(([k]) => k.toLowerCase() === name);
  const out: [string, string][] = [];
  if (!has("user-agent")) out.push(["User-Agent", USER_AGENT]);
  if (!has("accept")) out.push(["Accept", "*/*"]);
  if (opts.basicAuth !== undefined && !has("authorization")) {
    out.push(["Authorization", `Basic ${btoa(String.fromCharCode(...utf8(opts.basicAuth)))}`]);
  }
  if (opts.bearer !== undefined && !has("authorization")) {
    out.push(["Authorization", `Bearer ${opts.bearer}`]);
  }
  if (contentType !== undefined && !has("content-type")) out.push(["Content-Type", contentType]);
  out.push(...given);
  return out;
}

async function once(
  method: string,
  url: URL,
  headers: [string, string][],
  body: Uint8Array,
  opts: HttpRequestOptions,
  route: Route,
  signal: AbortSignal,
  start: number,
  saveTo?: BodyFile,
): Promise<HttpResponse & { followed: boolean }> {
  const tls = url.protocol === "https:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  const conn = await openConnection({
    host,
    port,
    tls,
    caCerts: opts.caCerts,
    insecure: opts.insecure,
    cert: opts.cert,
    key: opts.key,
    proxy: route.proxy,
    resolve: route.resolve,
    alpn: opts.http2 === false ? undefined : ["h2", "http/1.1"],
  }, signal);
  const onAbort = () => conn.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const sent: [string, string][] = [];
    if (!headers.some(([k]) => k.toLowerCase() === "host")) sent.push(["Host", url.host]);
    sent.push(...headers.filter(([k]) => !/^(connection|content-length)$/i.test(k)));
    const jarCookies = opts.cookieJar?.header(url);
    if (jarCookies !== undefined) sent.push(["Cookie", jarCookies]);
    const absoluteForm = route.proxy?.kind === "http" && !tls;
    const proxyAuth = absoluteForm ? proxyAuthorization(route.proxy!) : undefined;
    if (proxyAuth) sent.push(["Proxy-Authorization", proxyAuth]);
    const userConnection = headers.find(([k]) => k.toLowerCase() === "connection");
    sent.push(["Connection", userConnection?.[1] ?? "close"]);
    if (body.byteLength > 0 || ["POST", "PUT", "PATCH"].includes(method)) {
      sent.push(["Content-Length", String(body.byteLength)]);
    }
    const sentAt = performance.now();
    const maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    // the final response's body goes to the file; a redirect's is read and dropped
    const sinkFor = (head: ResponseHead) => followed(opts, head) ? undefined : saveTo;
    const { head: respHead, body: raw, size, firstByteAt } = conn.h2Socket
      // node:http2 loads with the first HTTP/2 exchange (start-up)
      ? await (await import("./http2.ts")).h2Exchange(
        conn.h2Socket,
        method,
        url,
        sent,
        body,
        maxBody,
        signal,
        sinkFor,
      )
      : await http1Exchange(
        conn,
        method,
        absoluteForm ? url.href : url.pathname + url.search,
        sent,
        body,
        maxBody,
        sinkFor,
      );
    const isFollowed = followed(opts, respHead);
    const savedHere = saveTo && !isFollowed ? saveTo : undefined;
    let bytes = raw;
    const end = performance.now();
    const responseHeaders = new Headers();
    for (const [k, v] of respHead.rawHeaders) {
      try {
        responseHeaders.append(k, v);
      } catch { /* a header name Headers refuses; kept in rawHeaders */ }
    }
    opts.cookieJar?.store(
      url,
      respHead.rawHeaders.filter(([k]) => k.toLowerCase() === "set-cookie").map(([, v]) => v),
    );
    const encoding = responseHeaders.get("content-encoding")?.trim().toLowerCase();
    if ((opts.decode ?? true) && encoding && bytes.byteLength > 0 && !savedHere) {
      bytes = decodeBody(bytes, encoding, maxBody);
    }
    const text = tryUtf8(bytes);
    let json: unknown;
    let isJson = false;
    if (text !== undefined && text.trim() !== "") {
      try {
        json = JSON.parse(text);
        isJson = true;
      } catch { /* not JSON */ }
    }
    return {
      status: respHead.status,
      statusText: respHead.reason,
      httpVersion: respHead.version,
      headers: responseHeaders,
      rawHeaders: respHead.rawHeaders,
      body: bytes,
      text,
      json,
      isJson,
      url: url.href,
      remoteIp: conn.remoteIp,
      timings: {
        ...conn.timings,
        ttfbMs: (firstByteAt ?? end) - sentAt,
        totalMs: end - start,
      },
      request: { method, url: url.href, headers: sent, body },
      redirects: [],
      ...(savedHere ? { saved: { path: savedHere.path, bytes: size } } : {}),
      followed: isFollowed,
    };
  } finally {
    signal.removeEventListener("abort", onAbort);
    conn.close();
  }
}

/** What an exchange read: the head, the body held (or empty when streamed) and its size. */
interface Exchanged {
  head: ResponseHead;
  body: Uint8Array;
  size: number;
  firstByteAt?: number;
}

/**
 * One HTTP/1.1 exchange on `conn`: the head and body out, the final response in, its body
 * held or streamed to the sink `sinkFor(head)` gives.
 */
async function http1Exchange(
  conn: ClientConnection,
  method: string,
  target: string,
  sent: [string, string][],
  body: Uint8Array,
  maxBody: number,
  sinkFor: (head: ResponseHead) => BodySink | undefined,
): Promise<Exchanged> {
  const head = serializeRequestHead(method, target, sent);
  const reader = new ByteReader(conn.source ?? conn.readable);
  const writing = (async () => {
    await conn.write(head);
    if (body.byteLength) await conn.write(body);
  })();
  writing.catch(() => {}); // a server may answer and close before reading the body
  let respHead;
  do {
    const bytes = await reader.readHead(MAX_HEAD_BYTES);
    if (!bytes) throw new HttpProtocolError("connection closed before any response");
    respHead = parseResponseHead(bytes);
  } while (respHead.status >= 100 && respHead.status < 200 && respHead.status !== 101);
  const read = await readBody(reader, respHead, method, maxBody, sinkFor(respHead));
  return { head: respHead, body: read.bytes, size: read.size, firstByteAt: reader.firstByteAt };
}

/** Decodes a `content-encoding` (gzip, x-gzip, deflate, br), capped at `max` bytes. */
export function decodeBody(bytes: Uint8Array, encoding: string, max: number): Uint8Array {
  const opts = { maxOutputLength: max };
  try {
    switch (encoding) {
      case "gzip":
      case "x-gzip":
        return new Uint8Array(gunzipSync(bytes, opts));
      case "deflate":
        return new Uint8Array(inflateSync(bytes, opts));
      case "br":
        return new Uint8Array(brotliDecompressSync(bytes, opts));
      default:
        return bytes;
    }
  } catch (e) {
    throw new HttpProtocolError(`cannot decode ${encoding} body: ${(e as Error).message}`);
  }
}
