/**
 * `/range/{n}`: `n` bytes of the alphabet (byte i is `a` + i mod 26, so every request sees
 * the same resource) with `Range` requests (RFC 9110, the strict parser of `range.ts`),
 * `ETag: range{n}`, streamed `chunk_size` bytes at a time over `duration` seconds.
 *
 * @module
 */
import { abortableSleep } from "./mock_routes.ts";
import { chunkSize, type EndpointContext, parseCount, text } from "./httpbin_context.ts";
import { parseRange } from "./range.ts";

/** Answers `/range/{n}`. */
export function rangeEndpoint(req: Request, ctx: EndpointContext, params: string[]): Response {
  const max = ctx.limits.maxGeneratedBytes;
  const n = parseCount(params[0], Number.MAX_SAFE_INTEGER);
  const common = { etag: `range${params[0]}`, "accept-ranges": "bytes" };
  if (params.length !== 1 || n === undefined) return text(404, "not found\n");
  if (n <= 0 || n > max) {
    const res = text(404, `number of bytes must be in the range (0, ${max}]`);
    for (const [k, v] of Object.entries(common)) res.headers.set(k, v);
    return res;
  }
  const q = ctx.url.searchParams;
  const chunk = chunkSize(q);
  const duration = Number(q.get("duration") ?? 0);
  if (!Number.isFinite(duration) || duration < 0) return text(400, "bad duration\n");
  const totalMs = Math.min(duration * 1000, ctx.limits.maxDelayMs);
  const header = req.headers.get("range");
  const asked = header === null ? "ignore" : parseRange(header, n);
  if (asked === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: {
        ...common,
        "content-type": "text/plain; charset=utf-8",
        "content-range": `bytes */${n}`,
        "content-length": "0",
      },
    });
  }
  // several ranges: the whole resource, as for static files
  const { start, end } = asked === "ignore" || asked.length > 1
    ? { start: 0, end: n - 1 }
    : asked[0]!;
  let at = start;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (at > end || ctx.signal?.aborted) return c.close();
      const size = Math.min(chunk, end + 1 - at);
      const piece = new Uint8Array(size);
      for (let i = 0; i < size; i++) piece[i] = 97 + (at + i) % 26;
      if (totalMs > 0) await abortableSleep(totalMs * size / n, ctx.signal);
      at += size;
      c.enqueue(piece);
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    status: start === 0 && end === n - 1 ? 200 : 206,
    headers: {
      ...common,
      "content-type": "application/octet-stream",
      "content-length": String(end + 1 - start),
      "content-range": `bytes ${start}-${end}/${n}`,
    },
  });
}
