/**
 * The built-in HTTP server as a plain `(req, info) => Promise<Response>` handler: limits,
 * request recording, scripted mock routes, static files under a root, and the
 * httpbin-style endpoints, in that order. Testable without sockets.
 *
 * @module
 */
import { httpbin } from "./httpbin.ts";
import { type HttpLimits, resolveLimits } from "./limits.ts";
import { MemoryBudget } from "./memory_budget.ts";
import { mockResponse, MockRoutes } from "./mock_routes.ts";
import { answerWebSocket } from "./ws_routes.ts";
import { RequestLog } from "./request_log.ts";
import { StaticFiles } from "./static_files.ts";

/**
 * Options of {@linkcode createHttpHandler}.
 *
 * @example Static files and a small body limit
 * ```ts
 * import type { HttpHandlerOptions } from "@wireplay/wireplay/http";
 * const options: HttpHandlerOptions = { root: "public", limits: { maxBodyBytes: 1024 } };
 * // createHttpHandler(options)
 * ```
 */
export interface HttpHandlerOptions {
  /** Serve the files under this directory (before the httpbin endpoints). */
  root?: string;
  /**
   * Re-check a served file's size and mtime at most this often, ms (default 0: every
   * request). See `StaticFilesOptions.revalidateMs`.
   */
  revalidateMs?: number;
  /**
   * Watch the root and answer small unchanged files from memory with no system call (see
   * `StaticFilesOptions.watch`; default false). Call the handler's `close()`.
   */
  watch?: boolean;
  /** Scripted routes; a new empty set when omitted. */
  routes?: MockRoutes;
  /** Where received requests are recorded; a new log when omitted. */
  log?: RequestLog;
  /** Size and time limits. */
  limits?: Partial<HttpLimits>;
  /** Answer the httpbin-style endpoints (default true). */
  httpbin?: boolean;
  /** Record requests in the log (default true). */
  record?: boolean;
  /** Aborted when the server shuts down: cuts delays short. */
  signal?: AbortSignal;
  /** Maps the peer address `Deno.serve` saw to the real client's (set behind a guard). */
  clientOf?: (peer: Deno.NetAddr) => Deno.NetAddr | undefined;
}

/**
 * Connection details a handler may receive (what `Deno.serve` passes).
 *
 * @example Pass the peer's address
 * ```ts
 * import type { HandlerInfo } from "@wireplay/wireplay/http";
 * const info: HandlerInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50000 } };
 * ```
 */
export interface HandlerInfo {
  /** The peer's address. */
  remoteAddr?: Deno.Addr;
}

/**
 * The handler, with the state a script inspects.
 *
 * @example Call the handler without a socket
 * ```ts
 * import { createHttpHandler, type HttpHandler } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * const handler: HttpHandler = createHttpHandler();
 * const res = await handler(new Request("http://localhost/status/418"));
 * assertEquals(res.status, 418);
 * ```
 */
export interface HttpHandler {
  (req: Request, info?: HandlerInfo): Response | Promise<Response>;
  /** The scripted routes. */
  readonly routes: MockRoutes;
  /** The received requests. */
  readonly log: RequestLog;
  /** The limits in force. */
  readonly limits: HttpLimits;
  /** The static root (a real path), when files are served. */
  readonly root?: string;
  /** Stops watching the root (with `watch`); nothing else to release. */
  close(): Promise<void>;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Builds the built-in server's handler.
 *
 * @example Ask it without a socket
 * ```ts
 * import { createHttpHandler } from "./handler.ts";
 * import { assertEquals } from "@std/assert";
 * const handler = createHttpHandler();
 * const res = await handler(new Request("http://localhost/status/418"));
 * assertEquals(res.status, 418);
 * await res.body?.cancel();
 * ```
 */
export function createHttpHandler(opts: HttpHandlerOptions = {}): HttpHandler {
  const limits = resolveLimits(opts.limits);
  const budget = new MemoryBudget(limits.maxBufferedBytes);
  const routes = opts.routes ?? new MockRoutes();
  const log = opts.log ?? new RequestLog(limits.maxLoggedRequests);
  const files = opts.root !== undefined
    ? new StaticFiles(opts.root, { revalidateMs: opts.revalidateMs, watch: opts.watch })
    : undefined;
  const useHttpbin = opts.httpbin ?? true;
  const record = opts.record ?? true;
  const signal = opts.signal;
  const clientOf = opts.clientOf;
  const remoteOf = (info: HandlerInfo | undefined): Deno.NetAddr | undefined => {
    const addr = peerOf(info);
    return addr && clientOf ? clientOf(addr) ?? addr : addr;
  };

  const dispatch = (
    req: Request,
    method: string,
    info: HandlerInfo | undefined,
    pathname: string,
    search: string,
    body: Uint8Array,
  ): Response | Promise<Response> => {
    if (!record) return answer(req, method, info, pathname, search, body);
    const started = performance.now();
    const remote = remoteOf(info);
    // a copy when cut: a view would keep the whole body alive as long as the log
    const keep = body.byteLength > limits.maxLoggedBodyBytes
      ? body.slice(0, limits.maxLoggedBodyBytes)
      : body;
    const entry = log.add({
      method,
      path: pathname,
      query: search.slice(1),
      // copied now: a request's headers cannot be read once it has been answered
      headers: new Headers(req.headers),
      body: keep,
      bodyTruncated: keep !== body,
      remote: remote ? formatRemote(remote) : undefined,
      time: Date.now(),
    });
    // the status goes into the log once the response (its head) is produced: the access line
    const done = (status: number) => log.answered(entry, status, performance.now() - started);
    const res = answer(req, method, info, pathname, search, body);
    if (res instanceof Response) {
      done(res.status);
      return res;
    }
    return res.then((r) => {
      done(r.status);
      return r;
    }, (e) => {
      done(500); // what Deno.serve answers for a handler that failed
      throw e;
    });
  };

  const answer = (
    req: Request,
    method: string,
    info: HandlerInfo | undefined,
    pathname: string,
    search: string,
    body: Uint8Array,
  ): Response | Promise<Response> => {
    try {
      const upgraded = answerWebSocket(req, routes, pathname, signal);
      if (upgraded) return upgraded;
      if (routes.size > 0) {
        const hit = routes.match(method, pathname);
        if (hit) {
          // the context is built only for a response with placeholders
          return mockResponse(
            hit.response,
            () => ({
              params: hit.params,
              request: req,
              bodyText: () => new TextDecoder().decode(body),
            }),
            limits.maxDelayMs,
            signal,
          );
        }
      }
      if (files) {
        const res = files.serve(req, pathname, search, method);
        if (res !== undefined) return res;
      }
      if (useHttpbin) {
        const url = new URL(req.url);
        const res = httpbin(req, {
          url,
          body,
          remoteIp: remoteOf(info)?.hostname,
          limits,
          signal,
          budget,
        });
        if (res) return res;
      }
      return new Response("not found\n", {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    } catch (e) {
      return new Response(`internal error: ${(e as Error).message}\n`, { status: 500 });
    }
  };

  const withBody = async (
    req: Request,
    method: string,
    info: HandlerInfo | undefined,
    pathname: string,
    search: string,
  ): Promise<Response> => {
    const read = await readBody(req, limits, budget);
    if (read instanceof Response) return read;
    try {
      return await dispatch(req, method, info, pathname, search, read);
    } finally {
      budget.give(read.byteLength); // an answer built from it holds its own share
    }
  };

  // Not async: a fixed route or a cached file answers synchronously, which Deno.serve
  // handles fastest.
  const handler = (req: Request, info?: HandlerInfo): Promise<Response> | Response => {
    const { pathname, search } = splitUrl(req.url);
    const method = req.method;
    // the request line's size, counted against maxHeaderBytes. The header fields themselves
    // are capped by Deno.serve (about 64 KiB in all, answered with 400 and a closed
    // connection); iterating them here would cost more than the rest of a fixed route.
    if (method.length + pathname.length + search.length + 12 > limits.maxHeaderBytes) {
      return closing(431, "request header fields too large\n");
    }
    // GET and HEAD bodies are not read (nor is their presence asked for: that costs time)
    if (method !== "GET" && method !== "HEAD" && req.body) {
      return withBody(req, method, info, pathname, search);
    }
    return dispatch(req, method, info, pathname, search, EMPTY);
  };
  const close = async () => await files?.close();
  return Object.assign(handler, { routes, log, limits, root: files?.root, close });
}

/** The path and query (with `?`) of an absolute URL, without parsing all of it. */
export function splitUrl(url: string): { pathname: string; search: string } {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash < 0) return { pathname: "/", search: "" };
  const hash = url.indexOf("#", slash);
  const end = hash < 0 ? url.length : hash;
  const q = url.indexOf("?", slash);
  if (q < 0 || q > end) return { pathname: url.slice(slash, end), search: "" };
  return { pathname: url.slice(slash, q), search: url.slice(q, end) };
}

function peerOf(info: HandlerInfo | undefined): Deno.NetAddr | undefined {
  const addr = info?.remoteAddr;
  return addr && "hostname" in addr ? addr : undefined;
}

function formatRemote(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/**
 * Reads the body within the size cap, the request timeout and the server's memory budget
 * (the bytes stay taken from it: the caller gives them back), or returns the error
 * response (nothing taken).
 */
async function readBody(
  req: Request,
  limits: HttpLimits,
  budget: MemoryBudget,
): Promise<Uint8Array | Response> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBodyBytes) {
    await req.body?.cancel().catch(() => {});
    return closing(413, `request body over ${limits.maxBodyBytes} bytes\n`);
  }
  // a declared length is reserved whole before reading: concurrent bodies never each take
  // part of the budget and all fail half-read (admission, not a race to the cap)
  const reserved = declared !== null ? Number(declared) : 0;
  if (reserved > 0 && !budget.tryTake(reserved)) {
    await req.body?.cancel().catch(() => {});
    return budget.refusal();
  }
  const reader = req.body!.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  /** Bytes taken from the budget so far (the reservation, then any excess). */
  let taken = reserved;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, limits.requestTimeoutMs);
  let ok = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.byteLength > limits.maxBodyBytes) {
        await reader.cancel().catch(() => {});
        return closing(413, `request body over ${limits.maxBodyBytes} bytes\n`);
      }
      const excess = total + value.byteLength - taken;
      if (excess > 0) {
        if (!budget.tryTake(excess)) {
          await reader.cancel().catch(() => {});
          return budget.refusal();
        }
        taken += excess;
      }
      total += value.byteLength;
      chunks.push(value);
    }
    ok = !timedOut;
    // a body shorter than declared: the unused reservation goes back
    if (ok && taken > total) {
      budget.give(taken - total);
      taken = total;
    }
  } catch {
    return closing(
      timedOut ? 408 : 400,
      timedOut ? "request body timed out\n" : "bad request body\n",
    );
  } finally {
    clearTimeout(timer);
    if (!ok) budget.give(taken);
  }
  if (timedOut) return closing(408, "request body timed out\n");
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** An error response that also closes the connection. */
function closing(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
  });
}
