/**
 * The WebSocket wire format (RFC 6455): frames in and out, and the opening handshake's
 * key and accept values. Pure functions, no I/O; `ws_channel.ts` runs them over a stream.
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";

/** Frame opcodes. */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** One frame as read off the wire (payload unmasked). */
export interface WsFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
  /** Whether the sender masked it (clients must, servers must not). */
  masked: boolean;
}

/** A frame that breaks RFC 6455; the connection is to be failed (close 1002). */
export class WsProtocolError extends Error {
  override name = "WsProtocolError";
  constructor(message: string, readonly code = 1002) {
    super(message);
  }
}

/** The GUID RFC 6455 appends to the key. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64. */
export function newWsKey(): string {
  return encodeBase64(crypto.getRandomValues(new Uint8Array(16)));
}

/** The `Sec-WebSocket-Accept` a server answers for `key`. */
export async function wsAccept(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
  return encodeBase64(new Uint8Array(digest));
}

/**
 * Encodes one frame; `mask` (a client's frames) XORs the payload with a random key.
 *
 * @example
 * ```ts
 * import { encodeWsFrame, OPCODE } from "./ws_frame.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(encodeWsFrame(OPCODE.text, new TextEncoder().encode("hi")), Uint8Array.of(0x81, 2, 104, 105));
 * ```
 */
export function encodeWsFrame(
  opcode: number,
  payload: Uint8Array,
  options: { mask?: boolean; fin?: boolean } = {},
): Uint8Array {
  const n = payload.byteLength;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const maskBytes = options.mask ? 4 : 0;
  const out = new Uint8Array(2 + lengthBytes + maskBytes + n);
  out[0] = (options.fin === false ? 0 : 0x80) | opcode;
  const view = new DataView(out.buffer);
  if (lengthBytes === 0) out[1] = n;
  else if (lengthBytes === 2) {
    out[1] = 126;
    view.setUint16(2, n);
  } else {
    out[1] = 127;
    view.setBigUint64(2, BigInt(n));
  }
  const at = 2 + lengthBytes;
  if (options.mask) {
    out[1]! |= 0x80;
    const key = crypto.getRandomValues(new Uint8Array(4));
    out.set(key, at);
    for (let i = 0; i < n; i++) out[at + 4 + i] = payload[i]! ^ key[i & 3]!;
  } else out.set(payload, at);
  return out;
}

/**
 * Decodes the first frame of `bytes`: the frame and how many bytes it took, or undefined
 * when it is not complete yet.
 *
 * @throws {WsProtocolError} for reserved bits, a bad control frame or a frame over `limit`.
 */
export function decodeWsFrame(
  bytes: Uint8Array,
  limit: number,
): { frame: WsFrame; size: number } | undefined {
  if (bytes.byteLength < 2) return undefined;
  const b0 = bytes[0]!, b1 = bytes[1]!;
  if (b0 & 0x70) throw new WsProtocolError("a frame with reserved bits set (no extension agreed)");
  const fin = (b0 & 0x80) !== 0;
  const opcode = b0 & 0x0f;
  if (![0, 1, 2, 8, 9, 10].includes(opcode)) {
    throw new WsProtocolError(`unknown opcode 0x${opcode.toString(16)}`);
  }
  const masked = (b1 & 0x80) !== 0;
  let length = b1 & 0x7f;
  let at = 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (length === 126) {
    if (bytes.byteLength < 4) return undefined;
    length = view.getUint16(2);
    at = 4;
  } else if (length === 127) {
    if (bytes.byteLength < 10) return undefined;
    const big = view.getBigUint64(2);
    if (big > BigInt(limit)) {
      throw new WsProtocolError(`a frame of ${big} bytes (limit ${limit})`, 1009);
    }
    length = Number(big);
    at = 10;
  }
  if (opcode >= 8 && (length > 125 || !fin)) {
    throw new WsProtocolError("a control frame longer than 125 bytes or fragmented");
  }
  if (length > limit) {
    throw new WsProtocolError(`a frame of ${length} bytes (limit ${limit})`, 1009);
  }
  const keyAt = at;
  if (masked) at += 4;
  if (bytes.byteLength < at + length) return undefined;
  const payload = bytes.slice(at, at + length);
  if (masked) {
    for (let i = 0; i < length; i++) payload[i]! ^= bytes[keyAt + (i & 3)]!;
  }
  return { frame: { fin, opcode, payload, masked }, size: at + length };
}

/**
 * The whole size of the frame `bytes` starts with, once its header is complete (else
 * undefined): a reader holding chunks joins them only when the frame is all there.
 */
export function wsFrameSize(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < 2) return undefined;
  const masked = (bytes[1]! & 0x80) !== 0 ? 4 : 0;
  const len = bytes[1]! & 0x7f;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (len < 126) return 2 + masked + len;
  if (len === 126) return bytes.byteLength < 4 ? undefined : 4 + masked + view.getUint16(2);
  return bytes.byteLength < 10 ? undefined : 10 + masked + Number(view.getBigUint64(2));
}

/** A close frame's payload: the code (2 bytes) and a UTF-8 reason. */
export function closePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + r.byteLength);
  new DataView(out.buffer).setUint16(0, code);
  out.set(r, 2);
  return out;
}

/** Reads a close frame's payload: no code is 1005 (none given), as RFC 6455 says. */
export function parseClosePayload(p: Uint8Array): { code: number; reason: string } {
  if (p.byteLength < 2) return { code: 1005, reason: "" };
  return {
    code: (p[0]! << 8) | p[1]!,
    reason: new TextDecoder().decode(p.subarray(2)),
  };
}

/**
 * Joins frames into messages: data frames and their continuations become one message;
 * control frames pass through at once (they may come between fragments).
 */
export class WsMessageAssembler {
  #parts: Uint8Array[] = [];
  #size = 0;
  #opcode = 0;
  constructor(readonly limit: number) {}

  /** Feeds a frame; returns a whole message or control frame, or undefined. */
  push(frame: WsFrame): { opcode: number; payload: Uint8Array } | undefined {
    if (frame.opcode >= 8) return frame;
    if (frame.opcode === OPCODE.continuation) {
      if (this.#opcode === 0) throw new WsProtocolError("a continuation frame with no message");
    } else {
      if (this.#opcode !== 0) throw new WsProtocolError("a new message inside a fragmented one");
      this.#opcode = frame.opcode;
    }
    this.#size += frame.payload.byteLength;
    if (this.#size > this.limit) {
      throw new WsProtocolError(`a message over ${this.limit} bytes`, 1009);
    }
    this.#parts.push(frame.payload);
    if (!frame.fin) return undefined;
    const payload = this.#parts.length === 1 ? this.#parts[0]! : concatBytes(this.#parts);
    const opcode = this.#opcode;
    this.#parts = [];
    this.#size = 0;
    this.#opcode = 0;
    if (opcode === OPCODE.text && !isUtf8(payload)) {
      throw new WsProtocolError("a text message that is not UTF-8", 1007);
    }
    return { opcode, payload };
  }
}

function encodeBase64(b: Uint8Array): string {
  return btoa(String.fromCharCode(...b));
}

function isUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
