/**
 * HTTP/1.1 on a byte stream, for the client: serialises a request and reads a response
 * head and body (Content-Length, chunked, or until close), held with size caps or streamed to
 * a sink.
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

/**
 * Reads straight into a caller's buffer (a `Deno.Conn`'s `read`): bytes land where they
 * belong, with no intermediate chunk. `null` at the end of the stream.
 */
export interface ByteSource {
  read(into: Uint8Array): Promise<number | null>;
}

/** Where a streamed body goes, piece by piece; `bytes` is reused once `write` resolves. */
export interface BodySink {
  write(bytes: Uint8Array): Promise<void>;
}

/** The size of a read when no destination is known yet (the head, a body read to the end). */
const READ_SIZE = 64 * 1024;
/** The reused buffer a body streamed to a sink is read through. */
const PIPE_SIZE = 1024 * 1024;

/** A buffered reader over a byte stream, or over a source that reads into given buffers. */
export class ByteReader {
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  #source?: ByteSource;
  #buf: Uint8Array = new Uint8Array(0);
  /** When the first byte arrived (`performance.now()`), once it has. */
  firstByteAt?: number;

  constructor(from: ReadableStream<Uint8Array> | ByteSource) {
    if (from instanceof ReadableStream) this.#reader = from.getReader();
    else this.#source = from;
  }

  /** The next bytes received (a fresh array), or undefined at the end. */
  async #next(): Promise<Uint8Array | undefined> {
    let value: Uint8Array | undefined;
    if (this.#source) {
      const into = new Uint8Array(READ_SIZE);
      const n = await this.#source.read(into);
      if (n !== null) value = into.subarray(0, n);
    } else {
      const r = await this.#reader!.read();
      if (!r.done) value = r.value;
    }
    if (value) this.firstByteAt ??= performance.now();
    return value;
  }

  /**
   * Reads at most `into.byteLength` bytes into `into` (buffered ones first); the count, or
   * null at the end. A source reads straight into `into`.
   */
  async #readInto(into: Uint8Array): Promise<number | null> {
    if (this.#buf.byteLength === 0 && this.#source) {
      const n = await this.#source.read(into);
      if (n !== null) this.firstByteAt ??= performance.now();
      return n;
    }
    if (this.#buf.byteLength === 0) {
      const value = await this.#next();
      if (!value) return null;
      this.#buf = value;
    }
    const n = Math.min(into.byteLength, this.#buf.byteLength);
    into.set(n === this.#buf.byteLength ? this.#buf : this.#buf.subarray(0, n));
    this.#buf = this.#buf.subarray(n);
    return n;
  }

  async #fill(): Promise<boolean> {
    const value = await this.#next();
    if (!value) return false;
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
   * Reads exactly `n` bytes. Each received byte is copied once, into the result (a source
   * reads into it directly): a large body costs linear time.
   */
  async readExactly(n: number): Promise<Uint8Array> {
    if (this.#buf.byteLength >= n) return this.#take(n);
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      const got = await this.#readInto(out.subarray(have));
      if (got === null) {
        throw new HttpProtocolError(`connection closed after ${have} of ${n} body bytes`);
      }
      have += got;
    }
    return out;
  }

  /** Passes exactly `n` bytes to `sink`, through one reused buffer; nothing is kept. */
  async pipeExactly(n: number, sink: BodySink): Promise<void> {
    const piece = new Uint8Array(Math.min(n, PIPE_SIZE));
    let have = 0;
    while (have < n) {
      const got = await this.#readInto(piece.subarray(0, Math.min(piece.byteLength, n - have)));
      if (got === null) {
        throw new HttpProtocolError(`connection closed after ${have} of ${n} body bytes`);
      }
      await sink.write(piece.subarray(0, got));
      have += got;
    }
  }

  /** Passes everything to `sink` until the stream ends; the byte count. */
  async pipeToEnd(sink: BodySink): Promise<number> {
    const piece = new Uint8Array(PIPE_SIZE);
    let total = 0;
    while (true) {
      const got = await this.#readInto(piece);
      if (got === null) return total;
      await sink.write(piece.subarray(0, got));
      total += got;
    }
  }

  /** Reads until the stream ends, at most `max` bytes (chunks joined once, at the end). */
  async readToEnd(max: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = this.#buf.byteLength > 0 ? [this.#buf] : [];
    let total = this.#buf.byteLength;
    this.#buf = new Uint8Array(0);
    while (true) {
      if (total > max) throw new HttpProtocolError(`response body over ${max} bytes`);
      const value = await this.#next();
      if (!value) break;
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

  /** Releases the stream (a source is closed by its owner). */
  async cancel(): Promise<void> {
    await this.#reader?.cancel().catch(() => {});
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

/** A body as read: held (`bytes`) or passed to a sink (`bytes` empty); `size` either way. */
export interface ReadBody {
  bytes: Uint8Array;
  size: number;
}

/**
 * Reads the body that follows `head`, by the rules of RFC 9112 §6.3: held in memory up to
 * `maxBytes`, or, given a `sink`, streamed to it piece by piece with no cap.
 */
export async function readBody(
  reader: ByteReader,
  head: ResponseHead,
  method: string,
  maxBytes: number,
  sink?: BodySink,
): Promise<ReadBody> {
  const none = { bytes: new Uint8Array(0), size: 0 };
  if (method === "HEAD" || head.status < 200 || head.status === 204 || head.status === 304) {
    return none;
  }
  const get = (name: string) =>
    head.rawHeaders.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  const te = get("transfer-encoding").join(",").toLowerCase();
  if (te.split(",").map((s) => s.trim()).at(-1) === "chunked") {
    return await readChunked(reader, maxBytes, sink);
  }
  const cl = get("content-length");
  if (cl.length > 0) {
    const n = Number(cl[0]);
    if (!/^\d+$/.test(cl[0]!) || cl.some((v) => v !== cl[0])) {
      throw new HttpProtocolError(`bad content-length "${cl.join(", ")}"`);
    }
    if (sink) {
      await reader.pipeExactly(n, sink);
      return { ...none, size: n };
    }
    if (n > maxBytes) throw overCap(n, maxBytes);
    return { bytes: await reader.readExactly(n), size: n };
  }
  if (sink) return { ...none, size: await reader.pipeToEnd(sink) };
  const bytes = await reader.readToEnd(maxBytes);
  return { bytes, size: bytes.byteLength };
}

function overCap(n: number, maxBytes: number): HttpProtocolError {
  return new HttpProtocolError(
    `response body of ${n} bytes is over the ${maxBytes} byte cap (save FILE streams it to a file)`,
  );
}

async function readChunked(
  reader: ByteReader,
  maxBytes: number,
  sink?: BodySink,
): Promise<ReadBody> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const line = await reader.readLine(4096);
    const m = /^([0-9a-fA-F]+)(;.*)?$/.exec(line.trim());
    if (!m) throw new HttpProtocolError(`bad chunk size line "${line.slice(0, 40)}"`);
    const size = parseInt(m[1]!, 16);
    if (size === 0) break;
    total += size;
    if (sink) await reader.pipeExactly(size, sink);
    else {
      if (total > maxBytes) throw new HttpProtocolError(`response body over ${maxBytes} bytes`);
      parts.push(await reader.readExactly(size));
    }
    const crlf = await reader.readLine(2);
    if (crlf !== "") throw new HttpProtocolError("missing CRLF after a chunk");
  }
  // trailers
  for (let i = 0; i < 100; i++) if ((await reader.readLine(8192)) === "") break;
  if (sink) return { bytes: new Uint8Array(0), size: total };
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return { bytes: out, size: total };
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
