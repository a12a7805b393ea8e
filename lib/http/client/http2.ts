/**
 * One HTTP/2 exchange on a TLS socket whose server chose `h2` by ALPN (`node:http2` over
 * the socket the client already opened and timed): the request's headers (lower case,
 * connection-specific ones dropped, `Host` as `:authority`) and body go out, the
 * response head and body (held up to a cap, or streamed to a sink) come back in the same
 * shape the HTTP/1.1 reader gives.
 *
 * @module
 */
import http2 from "node:http2";
import type tls from "node:tls";
import { type BodySink, HttpProtocolError, type ResponseHead } from "./http1.ts";

/** A response read over HTTP/2. */
export interface H2Exchange {
  head: ResponseHead;
  /** The body held (empty when it went to a sink). */
  body: Uint8Array;
  /** The body's size, held or streamed. */
  size: number;
  /** When the response head arrived (`performance.now()`). */
  firstByteAt: number;
}

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC =
  /^(connection|keep-alive|proxy-connection|transfer-encoding|upgrade|host)$/i;

/**
 * Sends one request over `socket` and reads the whole response: the body held up to
 * `maxBytes`, or passed to the sink `sinkFor(head)` gives (uncapped, the stream paused
 * while each piece is written).
 */
export function h2Exchange(
  socket: tls.TLSSocket,
  method: string,
  url: URL,
  headers: [string, string][],
  body: Uint8Array,
  maxBytes: number,
  signal: AbortSignal,
  sinkFor: (head: ResponseHead) => BodySink | undefined = () => undefined,
): Promise<H2Exchange> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url.origin, { createConnection: () => socket });
    let settled = false;
    const finish = (e: Error | undefined, value?: H2Exchange) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      session.close();
      socket.destroy();
      if (e) reject(e);
      else resolve(value!);
    };
    const onAbort = () => {
      session.destroy();
      finish(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    session.on("error", (e: Error) => finish(new HttpProtocolError(`HTTP/2: ${e.message}`)));
    const out: Record<string, string | string[]> = {
      ":method": method,
      ":path": url.pathname + url.search,
      ":scheme": "https",
      ":authority": headers.find(([k]) => k.toLowerCase() === "host")?.[1] ?? url.host,
    };
    for (const [k, v] of headers) {
      if (CONNECTION_SPECIFIC.test(k)) continue;
      const name = k.toLowerCase();
      const had = out[name];
      if (had === undefined) out[name] = v;
      else if (name === "cookie") out[name] = `${had}; ${v}`;
      else out[name] = [...(Array.isArray(had) ? had : [had]), v];
    }
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(out, { endStream: body.byteLength === 0 });
    } catch (e) {
      return finish(new HttpProtocolError(`HTTP/2: ${(e as Error).message}`));
    }
    req.on("error", (e: Error) => finish(new HttpProtocolError(`HTTP/2: ${e.message}`)));
    if (body.byteLength > 0) req.end(body);
    req.once("response", (h: http2.IncomingHttpHeaders) => {
      const firstByteAt = performance.now();
      const rawHeaders: [string, string][] = [];
      for (const [k, v] of Object.entries(h)) {
        if (k.startsWith(":") || v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [String(v)]) rawHeaders.push([k, one]);
      }
      const head: ResponseHead = {
        version: "HTTP/2",
        status: Number(h[":status"]),
        reason: "",
        rawHeaders,
      };
      const sink = method === "HEAD" ? undefined : sinkFor(head);
      const chunks: Uint8Array[] = [];
      let total = 0;
      let writing: Promise<void> = Promise.resolve();
      req.on("data", (c: Uint8Array) => {
        total += c.byteLength;
        if (sink) {
          req.pause();
          writing = writing.then(() => sink.write(c)).then(
            () => void req.resume(),
            (e: Error) => {
              req.close(http2.constants.NGHTTP2_CANCEL);
              finish(e);
            },
          );
          return;
        }
        if (total > maxBytes) {
          req.close(http2.constants.NGHTTP2_CANCEL);
          return finish(new HttpProtocolError(`response body over ${maxBytes} bytes`));
        }
        chunks.push(new Uint8Array(c));
      });
      req.once("end", async () => {
        await writing.catch(() => {}); // a failed write has finished already
        const bytes = new Uint8Array(sink ? 0 : total);
        let at = 0;
        for (const c of chunks) {
          bytes.set(c, at);
          at += c.byteLength;
        }
        finish(undefined, {
          head,
          body: method === "HEAD" ? new Uint8Array(0) : bytes,
          size: method === "HEAD" ? 0 : total,
          firstByteAt,
        });
      });
    });
  });
}
