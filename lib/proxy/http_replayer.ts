/**
 * Serves recorded HTTP exchanges to a client connection: reads requests one by one
 * (keep-alive or not), answers each with the recorded response of a matching request
 * (each served once unless repeated or reused), forwards unseen ones when a forwarder is
 * given (new episodes), and answers anything else with a `404` naming the closest
 * recorded request and the difference.
 *
 * @module
 */
import type { StreamBuffer } from "../transport/stream_buffer.ts";
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import {
  awaitsContinue,
  type HttpRequest,
  readRequest,
  requestCloses,
  withoutInterim,
} from "./http_message.ts";
import { closest, differences, type HttpMatchRule, requestLine } from "./http_match.ts";
import type { HttpExchange } from "./http_plan.ts";

/** The exchanges and how many times each may still be served. */
export class ExchangePool {
  readonly exchanges: HttpExchange[];
  #remaining: number[];
  #reuse: boolean;
  readonly rule: HttpMatchRule;

  constructor(exchanges: HttpExchange[], rule: HttpMatchRule, repeat = 1, reuse = false) {
    this.exchanges = exchanges;
    this.rule = rule;
    this.#reuse = reuse;
    this.#remaining = exchanges.map(() => repeat);
  }

  /** How many servings remain before every exchange was served (Infinity with reuse). */
  get total(): number {
    return this.#reuse ? Infinity : this.#remaining.reduce((a, b) => a + b, 0);
  }

  /** Adds an exchange learnt while running (new episodes); it was served once already. */
  add(exchange: HttpExchange): void {
    this.exchanges.push(exchange);
    this.#remaining.push(0);
  }

  /** Takes the first recorded exchange matching `req` that may still be served. */
  take(req: HttpRequest): HttpExchange | undefined {
    let fallback: number | undefined;
    for (let i = 0; i < this.exchanges.length; i++) {
      if (differences(this.exchanges[i]!.request, req, this.rule).length > 0) continue;
      if (this.#remaining[i]! > 0) {
        this.#remaining[i]!--;
        return this.exchanges[i];
      }
      fallback ??= i;
    }
    return this.#reuse && fallback !== undefined ? this.exchanges[fallback] : undefined;
  }

  /** The near-miss report for an unmatched request: one line per fact. */
  nearMiss(req: HttpRequest, file: string): { closest: string; lines: string[] } {
    const c = closest(this.exchanges.map((e) => e.request), req, this.rule);
    if (!c) return { closest: "(nothing recorded)", lines: ["the recording holds no request"] };
    const e = this.exchanges[c.index]!;
    const at = `${e.conn}, ${file}:${e.node.span.line}`;
    const lines = c.diffs.length === 0
      ? ["it was already served (--repeat N or --reuse serves it again)"]
      : c.diffs;
    return { closest: `${requestLine(e.request)} (${at})`, lines };
  }
}

/** What one request came to. */
export type HttpOutcome =
  | { kind: "served"; exchange: HttpExchange; request: HttpRequest }
  | { kind: "forwarded"; request: HttpRequest }
  | { kind: "missed"; request: HttpRequest; closest: string; lines: string[] }
  | { kind: "malformed"; reason: string; got: Uint8Array };

/** What {@linkcode serveHttp} needs. */
export interface HttpServeContext {
  pool: ExchangePool;
  file: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Waits before a response that had a recorded pause (timing), if set. */
  pause?: (ms: number | undefined) => Promise<void>;
  /** Forwards an unseen request; returns the response bytes and whether to close after. */
  forward?: (req: HttpRequest) => Promise<{ response: Uint8Array; close: boolean }>;
  onOutcome: (o: HttpOutcome) => void;
}

const encoder = new TextEncoder();

/** A `404` answer naming the closest recorded request. */
export function nearMissResponse(req: HttpRequest, closest: string, lines: string[]): Uint8Array {
  const body = encoder.encode(
    `wireplay replay: no recorded request matches ${requestLine(req)}\n` +
      `closest recorded: ${closest}\n` + lines.map((l) => `  ${l}\n`).join(""),
  );
  const head = `HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${body.byteLength}\r\nx-wireplay: no-match\r\n\r\n`;
  const out = new Uint8Array(head.length + body.byteLength);
  out.set(encoder.encode(head));
  out.set(body, head.length);
  return out;
}

const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * Reads the next request; null at a clean end (closed or idle between requests). A
 * client waiting for `100 Continue` gets it (`continued` calls back).
 */
function nextRequest(
  conn: ByteDuplex,
  buffer: StreamBuffer,
  ctx: HttpServeContext,
  continued: () => void,
): Promise<HttpRequest | null> {
  let sent = false;
  return buffer.until<HttpRequest | null>({
    describe: () => "an HTTP request",
    check(b) {
      if (b.length === 0) return b.ended ? { done: null } : undefined;
      let r: HttpRequest | undefined;
      try {
        r = readRequest(b.unread);
      } catch (e) {
        return { fail: (e as Error).message };
      }
      if (r) {
        b.discard(r.raw.byteLength);
        return { done: r };
      }
      if (!sent && awaitsContinue(b.unread)) {
        sent = true;
        continued();
        writeAll(conn, CONTINUE).catch(() => {/* the read fails next */});
      }
      return undefined;
    },
  }, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }).catch((e) => {
    if (buffer.length === 0 || (e as Error).message === "cancelled") return null;
    throw e;
  });
}

/** Serves requests on one connection until the client closes or a response closes it. */
export async function serveHttp(
  conn: ByteDuplex,
  buffer: StreamBuffer,
  ctx: HttpServeContext,
): Promise<void> {
  while (!ctx.signal.aborted) {
    let req: HttpRequest | null;
    let continued = false;
    try {
      req = await nextRequest(conn, buffer, ctx, () => (continued = true));
    } catch (e) {
      ctx.onOutcome({
        kind: "malformed",
        reason: (e as Error).message,
        got: buffer.unread.slice(),
      });
      return;
    }
    if (!req) return;
    const hit = ctx.pool.take(req);
    if (hit) {
      await ctx.pause?.(hit.delayMs);
      // the recorded 100 Continue was sent already
      await writeAll(conn, continued ? withoutInterim(hit.response) : hit.response);
      ctx.onOutcome({ kind: "served", exchange: hit, request: req });
      if (hit.closeAfter || requestCloses(req)) return;
      continue;
    }
    if (ctx.forward) {
      const { response, close } = await ctx.forward(req);
      await writeAll(conn, continued ? withoutInterim(response) : response);
      ctx.onOutcome({ kind: "forwarded", request: req });
      if (close || requestCloses(req)) return;
      continue;
    }
    const miss = ctx.pool.nearMiss(req, ctx.file);
    await writeAll(conn, nearMissResponse(req, miss.closest, miss.lines));
    ctx.onOutcome({ kind: "missed", request: req, ...miss });
    if (requestCloses(req)) return;
  }
}
