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
 * Version 2 (only when the sender asks for another hash than SHA-256) lists the hashes
 * the sender can verify with, in its order of preference; the receiver names the one it
 * picked, and the prefix digest and DONE are in that hash:
 *
 * ```
 * OFFER   "WPFT" 02 01 size:u64 nameLen:u16 name count:u8 (len:u8 hashName)×count
 * ACCEPT  "WPFT" 02 02 offset:u64 len:u8 hashName digestLen:u8 prefixDigest
 * REFUSE  "WPFT" 02 05 code:u8 msgLen:u16 msg      (a version-1 receiver refuses in 01)
 * DONE    04 digest[digestLen]
 * ```
 *
 * @module
 */

/** The four magic bytes opening the first message in each direction. */
export const MAGIC: Uint8Array = new TextEncoder().encode("WPFT");
/** The protocol version every peer speaks (SHA-256 only). */
export const VERSION = 1;
/** The version that negotiates the integrity hash. */
export const VERSION_HASHES = 2;
/** At most this many hash names in an OFFER. */
export const MAX_HASHES = 8;
/** A hash name: 1 to 32 of `a-z`, `0-9`, `-`. */
const HASH_NAME = /^[a-z0-9-]{1,32}$/;
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
  /** None of the offered hashes is one the receiver supports (version 2). */
  hash: 7,
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
  /** Version 2: the hashes the sender can verify with, preferred first (absent: SHA-256). */
  hashes?: string[];
}

/** A decoded answer to an OFFER: the receiver holds `offset` bytes whose digest in `hash` is
 * `prefixDigest` (`sha256` for a version-1 ACCEPT). */
export type Answer =
  | { kind: "accept"; offset: number; hash: string; prefixDigest: Uint8Array }
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
  version = VERSION,
): { bytes: Uint8Array; view: DataView; at: number } {
  const bytes = new Uint8Array(6 + bodyLength);
  bytes.set(MAGIC, 0);
  bytes[4] = version;
  bytes[5] = type;
  return { bytes, view: new DataView(bytes.buffer), at: 6 };
}

function text(message: string, max: number): Uint8Array {
  let b = enc.encode(message);
  if (b.length > max) b = b.subarray(0, max);
  return b;
}

function hashName(name: string): Uint8Array {
  if (!HASH_NAME.test(name)) throw new RangeError(`"${name}" is not a hash name`);
  return enc.encode(name);
}

/** Encodes an OFFER: version 1 without `hashes`, else version 2 listing them. */
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
  const hashes = offer.hashes?.map(hashName);
  if (hashes && (hashes.length < 1 || hashes.length > MAX_HASHES)) {
    throw new RangeError(`an offer lists 1 to ${MAX_HASHES} hashes`);
  }
  const list = hashes ? 1 + hashes.reduce((n, x) => n + 1 + x.length, 0) : 0;
  const h = header(TYPE.offer, 8 + 2 + name.length + list, hashes ? VERSION_HASHES : VERSION);
  h.view.setBigUint64(6, BigInt(offer.size));
  h.view.setUint16(14, name.length);
  h.bytes.set(name, 16);
  if (hashes) {
    let at = 16 + name.length;
    h.bytes[at++] = hashes.length;
    for (const x of hashes) {
      h.bytes[at++] = x.length;
      h.bytes.set(x, at);
      at += x.length;
    }
  }
  return h.bytes;
}

/**
 * Encodes an ACCEPT: the receiver holds `offset` bytes whose digest is `prefixDigest`.
 * Without `hash`, version 1 (a SHA-256 of 32 bytes); with it, version 2 naming the hash.
 */
export function encodeAccept(offset: number, prefixDigest: Uint8Array, hash?: string): Uint8Array {
  if (hash === undefined) {
    const h = header(TYPE.accept, 8 + 32);
    h.view.setBigUint64(6, BigInt(offset));
    h.bytes.set(prefixDigest.subarray(0, 32), 14);
    return h.bytes;
  }
  const name = hashName(hash);
  if (prefixDigest.length > 255) throw new RangeError("a digest is at most 255 bytes");
  const h = header(TYPE.accept, 8 + 1 + name.length + 1 + prefixDigest.length, VERSION_HASHES);
  h.view.setBigUint64(6, BigInt(offset));
  h.bytes[14] = name.length;
  h.bytes.set(name, 15);
  h.bytes[15 + name.length] = prefixDigest.length;
  h.bytes.set(prefixDigest, 16 + name.length);
  return h.bytes;
}

/** Encodes a REFUSE with a code from {@linkcode REFUSE} and a human message. */
export function encodeRefuse(code: number, message: string, version = VERSION): Uint8Array {
  const m = text(message, MAX_MESSAGE_BYTES);
  const h = header(TYPE.refuse, 1 + 2 + m.length, version);
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

/** Encodes DONE with the digest of the whole file (SHA-256 in version 1). */
export function encodeDone(digest: Uint8Array): Uint8Array {
  const b = new Uint8Array(1 + digest.length);
  b[0] = TYPE.done;
  b.set(digest, 1);
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

async function readPreamble(
  r: ExactReader,
  expect: number[],
  versions: number[],
): Promise<{ type: number; version: number }> {
  const p = await r.readExact(6);
  for (let i = 0; i < 4; i++) {
    if (p[i] !== MAGIC[i]) throw new ProtocolError("the peer does not speak WPFT (bad magic)");
  }
  const version = p[4]!;
  if (!versions.includes(version)) {
    throw new VersionError(
      `the peer speaks WPFT version ${version}, this speaks ${versions.join(" and ")}`,
    );
  }
  const type = p[5]!;
  if (!expect.includes(type)) throw new ProtocolError(`unexpected message type ${type}`);
  return { type, version };
}

async function readHashName(r: ExactReader): Promise<string> {
  const len = (await r.readExact(1))[0]!;
  const bytes = len > 0 ? await r.readExact(len) : new Uint8Array(0);
  const name = String.fromCharCode(...bytes);
  if (!HASH_NAME.test(name)) {
    throw new ProtocolError(`bad hash name (${len} bytes): only a-z, 0-9 and -, 1 to 32 bytes`);
  }
  return name;
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

/** Reads an OFFER of version 1 or 2 (the receiver's first read). */
export async function readOffer(r: ExactReader): Promise<Offer> {
  const { version } = await readPreamble(r, [TYPE.offer], [VERSION, VERSION_HASHES]);
  const size = u64(await r.readExact(8));
  const name = await readText(r, MAX_NAME_BYTES);
  if (name.length === 0) throw new ProtocolError("empty file name");
  if (version === VERSION) return { size, name };
  const count = (await r.readExact(1))[0]!;
  if (count < 1 || count > MAX_HASHES) {
    throw new ProtocolError(`an offer lists 1 to ${MAX_HASHES} hashes, not ${count}`);
  }
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) hashes.push(await readHashName(r));
  return { size, name, hashes };
}

/**
 * Reads an ACCEPT or REFUSE (the sender's first read), after an OFFER of `version`: an
 * ACCEPT must be of that version; a REFUSE may be of version 1 (an older receiver).
 */
export async function readAnswer(r: ExactReader, version = VERSION): Promise<Answer> {
  const { type, version: got } = await readPreamble(
    r,
    [TYPE.accept, TYPE.refuse],
    [...new Set([VERSION, version])],
  );
  if (type === TYPE.accept && got !== version) {
    throw new ProtocolError(`an ACCEPT of version ${got} answers an OFFER of version ${version}`);
  }
  if (type === TYPE.accept && got === VERSION) {
    const b = await r.readExact(40);
    return { kind: "accept", offset: u64(b), hash: "sha256", prefixDigest: b.slice(8, 40) };
  }
  if (type === TYPE.accept) {
    const offset = u64(await r.readExact(8));
    const hash = await readHashName(r);
    const len = (await r.readExact(1))[0]!;
    const prefixDigest = len > 0 ? await r.readExact(len) : new Uint8Array(0);
    return { kind: "accept", offset, hash, prefixDigest };
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

/** Reads DONE; returns the sender's digest (`digestLength` bytes) of the whole file. */
export async function readDone(r: ExactReader, digestLength = 32): Promise<Uint8Array> {
  const b = await r.readExact(1 + digestLength);
  if (b[0] !== TYPE.done) throw new ProtocolError(`expected DONE, got message type ${b[0]}`);
  return b.slice(1);
}

/** Reads VERDICT. */
export async function readVerdict(r: ExactReader): Promise<Verdict> {
  const b = await r.readExact(2);
  if (b[0] !== TYPE.verdict) throw new ProtocolError(`expected VERDICT, got message type ${b[0]}`);
  return { status: b[1]!, message: await readText(r, MAX_MESSAGE_BYTES) };
}
