/**
 * The WPFT/1 wire format of `send-file` / `recv-file` (pure: encoders and decoders,
 * no I/O). See `docs/file-transfer.md` for the prose description.
 *
 * ```
 * sender → receiver  OFFER   "WPFT" 01 01 size:u64 nameLen:u16 name
 * receiver → sender  ACCEPT  "WPFT" 01 02 offset:u64 prefixSha256[32]
 *                 or REFUSE  "WPFT" 01 05 code:u8 msgLen:u16 msg
 * sender → receiver  START   03 offset:u64        then size-offset raw data bytes
 * sender → receiver  DONE    04 sha256[32]        SHA-256 of all `size` bytes
 * receiver → sender  VERDICT 06 status:u8 msgLen:u16 msg
 * ```
 *
 * @module
 */

/** The four magic bytes opening the first message in each direction. */
export const MAGIC: Uint8Array = new TextEncoder().encode("WPFT");
/** The protocol version. */
export const VERSION = 1;
/** Longest file name in bytes. */
export const MAX_NAME_BYTES = 255;
/** Longest message text in bytes (REFUSE, VERDICT). */
export const MAX_MESSAGE_BYTES = 1024;
/** Largest file size the format carries exactly (2^53 - 1). */
export const MAX_SIZE = Number.MAX_SAFE_INTEGER;

/** Message type codes. */
export const TYPE = { offer: 1, accept: 2, start: 3, done: 4, refuse: 5, verdict: 6 } as const;

/** Why a receiver refuses an offer. */
export const REFUSE = {
  /** The file exists and overwriting was not allowed. */
  exists: 1,
  /** The name is empty, `.`, `..` or has control characters. */
  badName: 2,
  /** The file is larger than the receiver accepts. */
  tooLarge: 3,
  /** Unsupported version. */
  version: 4,
  /** The same name is being received right now, or another local reason. */
  busy: 5,
  /** Not enough free space in the receiver's folder. */
  noSpace: 6,
} as const;

/** The receiver's final word. */
export const VERDICT = {
  /** Verified and renamed into place. */
  ok: 0,
  /** The SHA-256 did not match: the partial file was removed. */
  hashMismatch: 1,
  /** The receiver could not write or rename the file (sent early, while data is still
   * coming, when a write fails: the sender stops sending). */
  writeFailed: 2,
} as const;

/** A decoded OFFER. */
export interface Offer {
  size: number;
  name: string;
}

/** A decoded answer to an OFFER. */
export type Answer =
  | { kind: "accept"; offset: number; prefixSha256: Uint8Array }
  | { kind: "refuse"; code: number; message: string };

/** A decoded VERDICT. */
export interface Verdict {
  status: number;
  message: string;
}

/** A violation of the protocol by the peer; the connection is abandoned. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** The peer speaks another version of the protocol. */
export class VersionError extends ProtocolError {
  override name = "VersionError";
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function header(
  type: number,
  bodyLength: number,
): { bytes: Uint8Array; view: DataView; at: number } {
  const bytes = new Uint8Array(6 + bodyLength);
  bytes.set(MAGIC, 0);
  bytes[4] = VERSION;
  bytes[5] = type;
  return { bytes, view: new DataView(bytes.buffer), at: 6 };
}

function text(message: string, max: number): Uint8Array {
  let b = enc.encode(message);
  if (b.length > max) b = b.subarray(0, max);
  return b;
}

/** Encodes an OFFER. */
export function encodeOffer(offer: Offer): Uint8Array {
  const name = enc.encode(offer.name);
  if (name.length < 1 || name.length > MAX_NAME_BYTES) {
    throw new RangeError(
      `Cannot offer "${offer.name}": the name must be 1 to ${MAX_NAME_BYTES} bytes`,
    );
  }
  if (!Number.isSafeInteger(offer.size) || offer.size < 0) {
    throw new RangeError(`Cannot offer size ${offer.size}`);
  }
  const h = header(TYPE.offer, 8 + 2 + name.length);
  h.view.setBigUint64(6, BigInt(offer.size));
  h.view.setUint16(14, name.length);
  h.bytes.set(name, 16);
  return h.bytes;
}

/** Encodes an ACCEPT: the receiver holds `offset` bytes whose SHA-256 is `prefixSha256`. */
export function encodeAccept(offset: number, prefixSha256: Uint8Array): Uint8Array {
  const h = header(TYPE.accept, 8 + 32);
  h.view.setBigUint64(6, BigInt(offset));
  h.bytes.set(prefixSha256.subarray(0, 32), 14);
  return h.bytes;
}

/** Encodes a REFUSE with a code from {@linkcode REFUSE} and a human message. */
export function encodeRefuse(code: number, message: string): Uint8Array {
  const m = text(message, MAX_MESSAGE_BYTES);
  const h = header(TYPE.refuse, 1 + 2 + m.length);
  h.bytes[6] = code;
  h.view.setUint16(7, m.length);
  h.bytes.set(m, 9);
  return h.bytes;
}

/** Encodes START: data follows from `offset`. */
export function encodeStart(offset: number): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = TYPE.start;
  new DataView(b.buffer).setBigUint64(1, BigInt(offset));
  return b;
}

/** Encodes DONE with the SHA-256 of the whole file. */
export function encodeDone(sha256: Uint8Array): Uint8Array {
  const b = new Uint8Array(33);
  b[0] = TYPE.done;
  b.set(sha256.subarray(0, 32), 1);
  return b;
}

/** Encodes a VERDICT. */
export function encodeVerdict(status: number, message: string): Uint8Array {
  const m = text(message, MAX_MESSAGE_BYTES);
  const b = new Uint8Array(4 + m.length);
  b[0] = TYPE.verdict;
  b[1] = status;
  new DataView(b.buffer).setUint16(2, m.length);
  b.set(m, 4);
  return b;
}

/** Reads exact byte counts from a source; what {@linkcode readOffer} and friends need. */
export interface ExactReader {
  /** Resolves with exactly `n` bytes, or throws on end of stream. */
  readExact(n: number): Promise<Uint8Array>;
}

async function readPreamble(r: ExactReader, expect: number[]): Promise<number> {
  const p = await r.readExact(6);
  for (let i = 0; i < 4; i++) {
    if (p[i] !== MAGIC[i]) throw new ProtocolError("the peer does not speak WPFT (bad magic)");
  }
  if (p[4] !== VERSION) {
    throw new VersionError(`the peer speaks WPFT version ${p[4]}, this is version ${VERSION}`);
  }
  const type = p[5]!;
  if (!expect.includes(type)) throw new ProtocolError(`unexpected message type ${type}`);
  return type;
}

function u64(b: Uint8Array, at = 0): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at);
  if (v > BigInt(MAX_SIZE)) throw new ProtocolError(`number ${v} is too large`);
  return Number(v);
}

async function readText(r: ExactReader, max: number): Promise<string> {
  const lenBytes = await r.readExact(2);
  const len = (lenBytes[0]! << 8) | lenBytes[1]!;
  if (len > max) throw new ProtocolError(`text of ${len} bytes is over the limit of ${max}`);
  const bytes = len > 0 ? await r.readExact(len) : new Uint8Array(0);
  try {
    return dec.decode(bytes);
  } catch {
    throw new ProtocolError("text is not valid UTF-8");
  }
}

/** Reads an OFFER (the receiver's first read). */
export async function readOffer(r: ExactReader): Promise<Offer> {
  await readPreamble(r, [TYPE.offer]);
  const size = u64(await r.readExact(8));
  const name = await readText(r, MAX_NAME_BYTES);
  if (name.length === 0) throw new ProtocolError("empty file name");
  return { size, name };
}

/** Reads an ACCEPT or REFUSE (the sender's first read). */
export async function readAnswer(r: ExactReader): Promise<Answer> {
  const type = await readPreamble(r, [TYPE.accept, TYPE.refuse]);
  if (type === TYPE.accept) {
    const b = await r.readExact(40);
    return { kind: "accept", offset: u64(b), prefixSha256: b.slice(8, 40) };
  }
  const code = (await r.readExact(1))[0]!;
  return { kind: "refuse", code, message: await readText(r, MAX_MESSAGE_BYTES) };
}

/** Reads START; returns the offset data starts at. */
export async function readStart(r: ExactReader): Promise<number> {
  const b = await r.readExact(9);
  if (b[0] !== TYPE.start) throw new ProtocolError(`expected START, got message type ${b[0]}`);
  return u64(b, 1);
}

/** Reads DONE; returns the sender's SHA-256 of the whole file. */
export async function readDone(r: ExactReader): Promise<Uint8Array> {
  const b = await r.readExact(33);
  if (b[0] !== TYPE.done) throw new ProtocolError(`expected DONE, got message type ${b[0]}`);
  return b.slice(1);
}

/** Reads VERDICT. */
export async function readVerdict(r: ExactReader): Promise<Verdict> {
  const b = await r.readExact(2);
  if (b[0] !== TYPE.verdict) throw new ProtocolError(`expected VERDICT, got message type ${b[0]}`);
  return { status: b[1]!, message: await readText(r, MAX_MESSAGE_BYTES) };
}
