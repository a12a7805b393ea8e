/**
 * HTTP/1.1 on a byte stream, for the client: serialises a request and reads a response
 * head and body (Content-Length, chunked, or until close), with size caps.
 *
 * @module
 */

/** A response head as received. */
export interface ResponseHead {
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /** The status code. */
  status: number;
  /** The reason phrase. */
  reason: string;
  /** The header fields in order, names as sent. */
  rawHeaders: [string, string][];
}

/** The server broke the protocol (bad status line, bad chunk size, a head over the cap). */
export class HttpProtocolError extends Error {
  override name = "HttpProtocolError";
}

/** A buffered reader over a byte stream. */
export class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  /** When the first byte arrived (`performance.now()`), once it has. */
  firstByteAt?: number;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<boolean> {
    const { done, value } = await this.#reader.read();
    if (done) return false;
    this.firstByteAt ??= performance.now();
    if (this.#buf.byteLength === 0) this.#buf = value;
    else {
      const next = new Uint8Array(this.#buf.byteLength + value.byteLength);
      next.set(this.#buf);
      next.set(value, this.#buf.byteLength);
      this.#buf = next;
    }
    return true;
  }

  /** Reads through the first `\r\n\r\n` (or `\n\n`), at most `max` bytes; undefined at EOF. */
  async readHead(max: number): Promise<Uint8Array | undefined> {
    let from = 0;
    while (true) {
      const end = findHeadEnd(this.#buf, from);
      if (end >= 0) return this.#take(end);
      if (this.#buf.byteLength > max) {
        throw new HttpProtocolError(`response head over ${max} bytes`);
      }
      from = Math.max(0, this.#buf.byteLength - 3);
      if (!(await this.#fill())) {
        if (this.#buf.byteLength === 0) return undefined;
        throw new HttpProtocolError("connection closed inside the response head");
      }
    }
  }

  /** Reads one line (without its CRLF), at most `max` bytes. */
  async readLine(max: number): Promise<string> {
    while (true) {
      const nl = this.#buf.indexOf(10);
      if (nl >= 0) {
        const line = this.#take(nl + 1);
        return new TextDecoder().decode(line).replace(/\r?\n$/, "");
      }
      if (this.#buf.byteLength > max) throw new HttpProtocolError(`line over ${max} bytes`);
      if (!(await this.#fill())) {
        throw new HttpProtocolError("connection closed inside a chunk header");
      }
    }
  }

  /**
   * Reads exactly `n` bytes. Each received byte is copied once, into the result: a large
   * body costs linear time (the buffer is not grown and copied per read).
   */
  async readExactly(n: number): Promise<Uint8Array> {
    if (this.#buf.byteLength >= n) return this.#take(n);
    const out = new Uint8Array(n);
    let have = this.#buf.byteLength;
    out.set(this.#buf);
    this.#buf = new Uint8Array(0);
    while (have < n) {
      const { done, value } = await this.#reader.read();
      if (done) {
        throw new HttpProtocolError(`connection closed after ${have} of ${n} body bytes`);
      }
      this.firstByteAt ??= performance.now();
      const used = Math.min(value.byteLength, n - have);
      out.set(used === value.byteLength ? value : value.subarray(0, used), have);
      have += used;
      if (used < value.byteLength) this.#buf = value.subarray(used);
    }
    return out;
  }

  /** Reads until the stream ends, at most `max` bytes (chunks joined once, at the end). */
  async readToEnd(max: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = this.#buf.byteLength > 0 ? [this.#buf] : [];
    let total = this.#buf.byteLength;
    this.#buf = new Uint8Array(0);
    while (true) {
      if (total > max) throw new HttpProtocolError(`response body over ${max} bytes`);
      const { done, value } = await this.#reader.read();
      if (done) break;
      this.firstByteAt ??= performance.now();
      chunks.push(value);
      total += value.byteLength;
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = from; i < buf.byteLength; i++) {
    if (buf[i] !== 10) continue;
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

/** Parses a response head. */
export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const text = new TextDecoder("latin1").decode(bytes);
  const lines = text.split(/\r?\n/);
  const statusLine = lines[0] ?? "";
  const m = /^(HTTP\/\d(?:\.\d)?) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new HttpProtocolError(`bad status line "${statusLine.slice(0, 80)}"`);
  const rawHeaders: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpProtocolError(`bad header line "${line.slice(0, 80)}"`);
    rawHeaders.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { version: m[1]!, status: Number(m[2]), reason: m[3] ?? "", rawHeaders };
}

/** Reads the body that follows `head`, by the rules of RFC 9112 §6.3. */
export async function readBody(
  reader: ByteReader,
  head: ResponseHead,
  method: string,
  maxBytes: number,
): Promise<Uint8Array> {
  if (method === "HEAD" || head.status < 200 || head.status === 204 || head.status === 304) {
    return new Uint8Array(0);
  }
  const get = (name: string) =>
    head.rawHeaders.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  const te = get("transfer-encoding").join(",").toLowerCase();
  if (te.split(",").map((s) => s.trim()).at(-1) === "chunked") {
    return await readChunked(reader, maxBytes);
  }
  const cl = get("content-length");
  if (cl.length > 0) {
    const n = Number(cl[0]);
    if (!/^\d+$/.test(cl[0]!) || cl.some((v) => v !== cl[0])) {
      throw new HttpProtocolError(`bad content-length "${cl.join(", ")}"`);
    }
    if (n > maxBytes) {
      throw new HttpProtocolError(`response body of ${n} bytes is over the ${maxBytes} byte cap`);
    }
    return await reader.readExactly(n);
  }
  return await reader.readToEnd(maxBytes);
}

async function readChunked(reader: ByteReader, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const line = await reader.readLine(4096);
    const m = /^([0-9a-fA-F]+)(;.*)?$/.exec(line.trim());
    if (!m) throw new HttpProtocolError(`bad chunk size line "${line.slice(0, 40)}"`);
    const size = parseInt(m[1]!, 16);
    if (size === 0) break;
    total += size;
    if (total > maxBytes) throw new HttpProtocolError(`response body over ${maxBytes} bytes`);
    parts.push(await reader.readExactly(size));
    const crlf = await reader.readLine(2);
    if (crlf !== "") throw new HttpProtocolError("missing CRLF after a chunk");
  }
  // trailers
  for (let i = 0; i < 100; i++) if ((await reader.readLine(8192)) === "") break;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Serialises a request head. Header values must not hold CR or LF. */
export function serializeRequestHead(
  method: string,
  target: string,
  headers: [string, string][],
): Uint8Array {
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of headers) {
    if (/[\r\n]/.test(k + v)) throw new TypeError(`Header "${k}" holds a line break`);
    s += `${k}: ${v}\r\n`;
  }
  return new TextEncoder().encode(s + "\r\n");
}
