/**
 * HTTP/1.x message framing over raw bytes, for replay: where a request or a response
 * ends (Content-Length, chunked, no body, or until close), and the parts a request is
 * matched on (method, path, query, headers, body). Pure: no I/O.
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";

/**
 * A parsed HTTP/1.x request.
 *
 * @example A request line
 * ```ts
 * import type { HttpRequest } from "@wireplay/wireplay/proxy";
 * function requestLine(r: HttpRequest): string {
 *   return `${r.method} ${r.target} ${r.version}`;
 * }
 * ```
 */
export interface HttpRequest {
  /** The method, e.g. `GET`. */
  method: string;
  /** The request target as sent, e.g. `/users?id=1`. */
  target: string;
  /** The path without the query. */
  path: string;
  /** Query parameters in the order sent (decoded). */
  query: [string, string][];
  /** The HTTP version, e.g. `HTTP/1.1`. */
  version: string;
  /** Headers in the order sent; names in lower case. */
  headers: [string, string][];
  /** The body, de-chunked. */
  body: Uint8Array;
  /** The whole message as sent. */
  raw: Uint8Array;
}

const latin1 = new TextDecoder("latin1");
const REQUEST_LINE = /^([A-Z][A-Z0-9_-]*) (\S+) (HTTP\/1\.[01])$/;
const STATUS_LINE = /^(HTTP\/1\.[01]) (\d{3})(?: .*)?$/;

/** True when `bytes` (possibly only the first few) start like an HTTP/1.x request. */
export function looksLikeHttpRequest(bytes: Uint8Array): boolean {
  const head = latin1.decode(bytes.subarray(0, Math.min(bytes.byteLength, 2048)));
  const nl = head.indexOf("\n");
  if (nl < 0) return /^[A-Z][A-Z0-9_-]{0,15}( \S*)?$/.test(head) && head.length > 0;
  return REQUEST_LINE.test(head.slice(0, nl).replace(/\r$/, ""));
}

/** The end of the head (index after the blank line), or -1 while incomplete. */
function headEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 1 < bytes.byteLength; i++) {
    if (bytes[i] === 10) {
      if (bytes[i + 1] === 10) return i + 2;
      if (bytes[i + 1] === 13 && bytes[i + 2] === 10) return i + 3;
    }
  }
  return -1;
}

interface Head {
  start: string;
  headers: [string, string][];
  end: number;
}

function parseHead(bytes: Uint8Array): Head | undefined {
  const end = headEnd(bytes);
  if (end < 0) return undefined;
  const lines = latin1.decode(bytes.subarray(0, end)).split(/\r?\n/);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new SyntaxError(`malformed header line "${line.slice(0, 80)}"`);
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { start: lines[0]!, headers, end };
}

function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k === name)?.[1];
}

/**
 * Where a chunked body starting at `from` ends (after the last chunk and trailers), and
 * its data; undefined while incomplete.
 */
function chunkedEnd(
  bytes: Uint8Array,
  from: number,
): { end: number; body: Uint8Array } | undefined {
  const parts: Uint8Array[] = [];
  let at = from;
  while (true) {
    let nl = at;
    while (nl < bytes.byteLength && bytes[nl] !== 10) nl++;
    if (nl >= bytes.byteLength) return undefined;
    const size = parseInt(latin1.decode(bytes.subarray(at, nl)).split(";")[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new SyntaxError("malformed chunk size");
    at = nl + 1;
    if (size === 0) {
      // trailers until an empty line
      while (true) {
        let e = at;
        while (e < bytes.byteLength && bytes[e] !== 10) e++;
        if (e >= bytes.byteLength) return undefined;
        const empty = e === at || (e === at + 1 && bytes[at] === 13);
        at = e + 1;
        if (empty) return { end: at, body: concatBytes(parts) };
      }
    }
    if (at + size > bytes.byteLength) return undefined;
    parts.push(bytes.subarray(at, at + size));
    at += size;
    if (bytes[at] === 13) at++;
    if (at >= bytes.byteLength) return undefined;
    if (bytes[at] !== 10) throw new SyntaxError("chunk data not followed by CRLF");
    at++;
  }
}

/**
 * Reads one request from the front of `bytes`.
 *
 * @returns the request (with `raw.byteLength` its length), or undefined while incomplete.
 * @throws {SyntaxError} when the bytes are not an HTTP/1.x request.
 */
export function readRequest(bytes: Uint8Array): HttpRequest | undefined {
  const head = parseHead(bytes);
  if (!head) return undefined;
  const m = REQUEST_LINE.exec(head.start);
  if (!m) throw new SyntaxError(`not an HTTP/1.x request line: "${head.start.slice(0, 80)}"`);
  let end = head.end;
  let body: Uint8Array;
  if (/chunked/i.test(header(head.headers, "transfer-encoding") ?? "")) {
    const c = chunkedEnd(bytes, head.end);
    if (!c) return undefined;
    end = c.end;
    body = c.body;
  } else {
    const length = Number(header(head.headers, "content-length") ?? "0");
    if (!Number.isSafeInteger(length) || length < 0) throw new SyntaxError("bad Content-Length");
    if (bytes.byteLength < head.end + length) return undefined;
    end = head.end + length;
    body = bytes.subarray(head.end, end);
  }
  const target = m[2]!;
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? [] : [...new URLSearchParams(target.slice(q + 1))];
  return {
    method: m[1]!,
    target,
    path,
    query,
    version: m[3]!,
    headers: head.headers,
    body: body.slice(),
    raw: bytes.slice(0, end),
  };
}

/** The length of one response at the front of `bytes`; how it is framed. */
export interface ResponseFrame {
  /** Its length in bytes; for `untilClose`, all of `bytes`. */
  length: number;
  status: number;
  /** No length: the body runs until the server closes. */
  untilClose: boolean;
  /** The server said `Connection: close` (or HTTP/1.0 without keep-alive). */
  closes: boolean;
}

/**
 * Frames the response at the front of `bytes` (to a request with `method`). With `ended`
 * (the server closed after these bytes), a response without a length takes the rest.
 *
 * @returns the frame, or undefined while incomplete.
 * @throws {SyntaxError} when the bytes are not an HTTP/1.x response.
 */
export function frameResponse(
  bytes: Uint8Array,
  method: string,
  ended: boolean,
): ResponseFrame | undefined {
  let at = 0;
  // interim 1xx responses (not 101) belong to the same exchange
  while (true) {
    const head = parseHead(bytes.subarray(at));
    if (!head) return undefined;
    const m = STATUS_LINE.exec(head.start);
    if (!m) throw new SyntaxError(`not an HTTP/1.x status line: "${head.start.slice(0, 80)}"`);
    const status = Number(m[2]);
    const bodyStart = at + head.end;
    const connection = (header(head.headers, "connection") ?? "").toLowerCase();
    const closes = connection.includes("close") ||
      (m[1] === "HTTP/1.0" && !connection.includes("keep-alive"));
    if (status >= 100 && status < 200 && status !== 101) {
      at = bodyStart;
      continue;
    }
    const frame = (length: number, untilClose = false): ResponseFrame => ({
      length,
      status,
      untilClose,
      closes,
    });
    if (method === "HEAD" || status === 204 || status === 304 || status === 101) {
      return frame(bodyStart);
    }
    if (/chunked/i.test(header(head.headers, "transfer-encoding") ?? "")) {
      const c = chunkedEnd(bytes, bodyStart);
      return c ? frame(c.end) : undefined;
    }
    const cl = header(head.headers, "content-length");
    if (cl !== undefined) {
      const length = Number(cl);
      if (!Number.isSafeInteger(length) || length < 0) throw new SyntaxError("bad Content-Length");
      return bytes.byteLength >= bodyStart + length ? frame(bodyStart + length) : undefined;
    }
    return ended ? frame(bytes.byteLength, true) : undefined;
  }
}

/** The value of header `name` (lower case) in a request. */
export function requestHeader(req: HttpRequest, name: string): string | undefined {
  return header(req.headers, name.toLowerCase());
}

/** True when the client asked to close after this request. */
export function requestCloses(req: HttpRequest): boolean {
  const c = (requestHeader(req, "connection") ?? "").toLowerCase();
  return c.includes("close") || (req.version === "HTTP/1.0" && !c.includes("keep-alive"));
}

/**
 * True when `bytes` hold a complete request head asking `Expect: 100-continue` whose body
 * has not all arrived: the client waits for a `100 Continue` before sending it.
 */
export function awaitsContinue(bytes: Uint8Array): boolean {
  let head: Head | undefined;
  try {
    head = parseHead(bytes);
  } catch {
    return false;
  }
  if (!head || !/100-continue/i.test(header(head.headers, "expect") ?? "")) return false;
  try {
    return readRequest(bytes) === undefined;
  } catch {
    return false;
  }
}

/** A response without the interim `1xx` responses (not 101) at its front. */
export function withoutInterim(bytes: Uint8Array): Uint8Array {
  let at = 0;
  while (true) {
    const head = parseHead(bytes.subarray(at));
    const m = head && STATUS_LINE.exec(head.start);
    if (!head || !m || m[2]![0] !== "1" || m[2] === "101") return bytes.subarray(at);
    at += head.end;
  }
}
