/**
 * A minimal HTTP/1.1 client codec for the load generator: a pre-encoded request and an
 * incremental response parser (Content-Length, chunked, or close-delimited bodies) that
 * works on bytes and allocates little.
 *
 * @module
 */

/** The most header bytes one response may have. */
export const MAX_HEADER_BYTES = 64 * 1024;

/** What a benchmark request is. */
export interface HttpRequestSpec {
  url: string;
  method?: string;
  headers?: [string, string][];
  body?: Uint8Array;
}

/**
 * Encodes `spec` as HTTP/1.1 request bytes with `Host`, `Content-Length` when there is a
 * body, and keep-alive.
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./http_codec.ts";
 * import { assertEquals } from "@std/assert";
 * const text = new TextDecoder().decode(encodeRequest({ url: "http://a:8080/x?y=1" }));
 * assertEquals(text, "GET /x?y=1 HTTP/1.1\r\nhost: a:8080\r\nuser-agent: wireplay-bench\r\naccept: *\/*\r\n\r\n");
 * ```
 */
export function encodeRequest(spec: HttpRequestSpec): Uint8Array {
  const url = new URL(spec.url);
  const method = (spec.method ?? "GET").toUpperCase();
  const headers = new Map<string, string>();
  headers.set("host", url.host);
  headers.set("user-agent", "wireplay-bench");
  headers.set("accept", "*/*");
  for (const [k, v] of spec.headers ?? []) headers.set(k.toLowerCase(), v);
  if (spec.body && spec.body.byteLength > 0) {
    headers.set("content-length", String(spec.body.byteLength));
  }
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [k, v] of headers) head += `${k}: ${v}\r\n`;
  head += "\r\n";
  const h = new TextEncoder().encode(head);
  if (!spec.body || spec.body.byteLength === 0) return h;
  const out = new Uint8Array(h.byteLength + spec.body.byteLength);
  out.set(h);
  out.set(spec.body, h.byteLength);
  return out;
}

/** Thrown for a response the parser cannot read. */
export class HttpParseError extends Error {
  override name = "HttpParseError";
}

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

/**
 * Parses responses from a byte stream, one at a time. `feed` returns how many bytes of
 * the chunk it used; when `complete` is true, `status` and `keepAlive` describe the
 * response and {@linkcode reset} readies the parser for the next one.
 */
export class ResponseParser {
  status = 0;
  keepAlive = true;
  complete = false;
  /** Bytes of the current response (head + body). */
  bytes = 0;
  #state = State.Head;
  #head = new Uint8Array(MAX_HEADER_BYTES);
  #headLen = 0;
  #remaining = 0;
  #line = "";
  #isHead = false;

  /** `true` when the request was HEAD (no body follows). */
  set headRequest(v: boolean) {
    this.#isHead = v;
  }

  /** Readies for the next response. */
  reset(): void {
    this.status = 0;
    this.keepAlive = true;
    this.complete = false;
    this.bytes = 0;
    this.#state = State.Head;
    this.#headLen = 0;
    this.#remaining = 0;
    this.#line = "";
  }

  /** The peer closed: completes a close-delimited body, else throws. */
  end(): void {
    if (this.#state === State.UntilClose) {
      this.complete = true;
      this.keepAlive = false;
      return;
    }
    throw new HttpParseError("connection closed mid-response");
  }

  /** Consumes bytes of `chunk[from..to)`; returns the index after the last byte used. */
  feed(chunk: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to && !this.complete) {
      switch (this.#state) {
        case State.Head: {
          if (this.#headLen === 0) {
            // Fast path: the whole head is in this chunk; parse it in place.
            const stop = findHeadEnd(chunk, i, to);
            if (stop >= 0) {
              this.bytes += stop - i;
              this.#onHead(chunk, i, stop);
              i = stop;
              break;
            }
          }
          // Slow path: collect the head across chunks.
          const startAt = i;
          let found = -1;
          for (; i < to; i++) {
            const b = chunk[i]!;
            if (this.#headLen >= MAX_HEADER_BYTES) {
              throw new HttpParseError("response head too large");
            }
            this.#head[this.#headLen++] = b;
            if (
              b === 10 && this.#headLen >= 4 && this.#head[this.#headLen - 2] === 13 &&
              this.#head[this.#headLen - 3] === 10 && this.#head[this.#headLen - 4] === 13
            ) {
              found = ++i;
              break;
            }
          }
          this.bytes += i - startAt;
          if (found >= 0) this.#onHead(this.#head, 0, this.#headLen);
          break;
        }
        case State.Body: {
          const take = Math.min(this.#remaining, to - i);
          i += take;
          this.bytes += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.complete = true;
          break;
        }
        case State.UntilClose:
          this.bytes += to - i;
          i = to;
          break;
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const b = chunk[i++]!;
          this.bytes++;
          if (b !== 10) {
            if (this.#line.length > 1024) throw new HttpParseError("chunk line too long");
            if (b !== 13) this.#line += String.fromCharCode(b);
            break;
          }
          const line = this.#line;
          this.#line = "";
          if (this.#state === State.ChunkDataEnd) {
            if (line !== "") throw new HttpParseError("bad chunk end");
            this.#state = State.ChunkSize;
          } else if (this.#state === State.ChunkSize) {
            const size = parseInt(line.split(";")[0]!.trim(), 16);
            if (!Number.isFinite(size) || size < 0) {
              throw new HttpParseError(`bad chunk size "${line}"`);
            }
            if (size === 0) this.#state = State.Trailers;
            else {
              this.#remaining = size;
              this.#state = State.ChunkData;
            }
          } else if (line === "") this.complete = true; // end of trailers
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, to - i);
          i += take;
          this.bytes += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
      }
    }
    return i;
  }

  #onHead(b: Uint8Array, from: number, to: number): void {
    // "HTTP/1.x NNN"
    if (
      to - from < 12 || b[from] !== 0x48 || b[from + 1] !== 0x54 || b[from + 2] !== 0x54 ||
      b[from + 3] !== 0x50 || b[from + 4] !== 0x2f || b[from + 5] !== 0x31 || b[from + 6] !== 0x2e
    ) {
      throw new HttpParseError(
        `bad status line "${latin1(b, from, Math.min(to, from + 60)).split("\r")[0]}"`,
      );
    }
    const d0 = b[from + 9]! - 48, d1 = b[from + 10]! - 48, d2 = b[from + 11]! - 48;
    if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      throw new HttpParseError("bad status code");
    }
    this.status = d0 * 100 + d1 * 10 + d2;
    let length = -1;
    let chunked = false;
    let close = b[from + 7] === 0x30; // HTTP/1.0
    let line = from;
    // Walk the header lines.
    while (line < to) {
      let eol = line;
      while (eol < to && b[eol] !== 10) eol++;
      // Only names starting with c or t matter: other lines are not searched for a colon.
      const first = b[line]! | 0x20;
      const colon = first === 0x63 || first === 0x74 ? indexOfByte(b, 0x3a, line, eol) : -1;
      if (colon > line) {
        // The values are read as bytes: no strings per response.
        const name = headerName(b, line, colon);
        if (name === 1) length = decimalValue(b, colon + 1, eol);
        else if (name === 2) chunked = containsToken(b, colon + 1, eol, CHUNKED);
        else if (name === 3) {
          if (containsToken(b, colon + 1, eol, CLOSE)) close = true;
          else if (containsToken(b, colon + 1, eol, KEEP_ALIVE)) close = false;
        }
      }
      line = eol + 1;
    }
    this.keepAlive = !close;
    const noBody = this.#isHead || this.status === 204 || this.status === 304 ||
      (this.status >= 100 && this.status < 200);
    if (noBody) this.complete = true;
    else if (chunked) this.#state = State.ChunkSize;
    else if (length >= 0 && Number.isFinite(length)) {
      this.#remaining = length;
      this.#state = State.Body;
      if (length === 0) this.complete = true;
    } else {
      this.#state = State.UntilClose;
      this.keepAlive = false;
    }
  }
}

/** Index after the first CRLFCRLF in `b[from..to)`, or -1. */
function findHeadEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from + 3; i < to; i++) {
    if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i + 1;
  }
  return -1;
}

function indexOfByte(b: Uint8Array, v: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === v) return i;
  return -1;
}

/**
 * The decimal number in `b[from..to)` between optional spaces, tabs and a CR; NaN when
 * there is anything else (or no digit).
 */
function decimalValue(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (b[i] === 0x20 || b[i] === 0x09)) i++;
  let end = to;
  while (end > i && (b[end - 1] === 0x20 || b[end - 1] === 0x09 || b[end - 1] === 0x0d)) end--;
  if (i === end) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** Whether `b[from..to)` contains `token` (lowercase ASCII), compared case-insensitively. */
function containsToken(b: Uint8Array, from: number, to: number, token: Uint8Array): boolean {
  const n = token.length;
  for (let i = from; i + n <= to; i++) {
    let k = 0;
    while (k < n && (b[i + k]! | 0x20) === token[k]) k++;
    if (k === n) return true;
  }
  return false;
}

const CHUNKED = bytesOf("chunked");
const CLOSE = bytesOf("close");
const KEEP_ALIVE = bytesOf("keep-alive");
const CONTENT_LENGTH = bytesOf("content-length");
const TRANSFER_ENCODING = bytesOf("transfer-encoding");
const CONNECTION = bytesOf("connection");

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** 1 content-length, 2 transfer-encoding, 3 connection, 0 anything else. */
function headerName(b: Uint8Array, from: number, to: number): number {
  const n = to - from;
  const eq = (name: Uint8Array) => {
    if (n !== name.length) return false;
    for (let k = 0; k < n; k++) if ((b[from + k]! | 0x20) !== name[k]) return false;
    return true;
  };
  if (n === 14 && eq(CONTENT_LENGTH)) return 1;
  if (n === 17 && eq(TRANSFER_ENCODING)) return 2;
  if (n === 10 && eq(CONNECTION)) return 3;
  return 0;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}
