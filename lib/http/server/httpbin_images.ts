/**
 * `/image` (the type the `Accept` header prefers, as httpbin picks it) and
 * `/image/{png,jpeg,webp,svg}`: tiny valid images made here, byte by byte — an 8×8 PNG
 * gradient, an 8×8 grey baseline JPEG, an 8×8 lossless WebP and an SVG.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { notFound } from "./httpbin_context.ts";
import { statusResponse } from "./httpbin_status.ts";

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <rect width="64" height="64" rx="8" fill="#2a6"/>
  <path d="M12 20 L22 44 L32 26 L42 44 L52 20" fill="none" stroke="#fff" stroke-width="5"/>
</svg>
`;

const MAKERS: Record<string, [string, () => Uint8Array]> = {
  png: ["image/png", png],
  jpeg: ["image/jpeg", jpeg],
  webp: ["image/webp", webp],
  svg: ["image/svg+xml", () => new TextEncoder().encode(SVG)],
};

const made = new Map<string, Uint8Array>();

/** `/image` and `/image/{kind}`. */
export function imageEndpoint(req: Request, params: string[]): Response {
  if (params.length > 1) return notFound();
  const kind = params[0] ?? negotiate(req.headers.get("accept"));
  if (kind === undefined) return statusResponse(406);
  const maker = Object.hasOwn(MAKERS, kind) ? MAKERS[kind] : undefined;
  if (!maker) return notFound();
  let bytes = made.get(kind);
  if (!bytes) made.set(kind, bytes = maker[1]());
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": maker[0] },
  });
}

/** httpbin's choice: png without `Accept`; else webp, svg, jpeg, png in that order. */
function negotiate(accept: string | null): string | undefined {
  if (accept === null) return "png";
  const a = accept.toLowerCase();
  if (a.includes("image/webp")) return "webp";
  if (a.includes("image/svg+xml")) return "svg";
  if (a.includes("image/jpeg")) return "jpeg";
  if (a.includes("image/png") || a.includes("image/*")) return "png";
  return undefined;
}

/** An 8×8 RGB gradient PNG. */
function png(): Uint8Array {
  const size = 8;
  const raw = new Uint8Array(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3); // filter byte 0, then the pixels
    for (let x = 0; x < size; x++) {
      raw.set([32 + x * 28, 96 + y * 16, 200 - x * 12], row + 1 + x * 3);
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, size);
  view.setUint32(4, size);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter, no interlace
  return concat(
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  );
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat(new TextEncoder().encode(type), data);
  const out = new Uint8Array(12 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.byteLength);
  out.set(typed, 4);
  view.setUint32(8 + data.byteLength, crc32(typed));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/**
 * An 8×8 mid-grey baseline JPEG: one component, a quantisation table of ones, and Huffman
 * tables of one code each (DC difference 0, AC end-of-block), so the one block is two bits.
 */
function jpeg(): Uint8Array {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const oneCode = (tableClass: number) => [tableClass << 4, 1, ...new Array(15).fill(0), 0];
  return Uint8Array.from([
    0xff,
    0xd8, // SOI
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF
    ...segment(0xdb, [0, ...new Array(64).fill(1)]), // DQT 0
    ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8 bits, 8×8, 1 component
    ...segment(0xc4, oneCode(0)), // DHT DC 0
    ...segment(0xc4, oneCode(1)), // DHT AC 0
    ...segment(0xda, [1, 1, 0, 0, 63, 0]), // SOS
    0x3f, // DC "0", EOB "0", padded with ones
    0xff,
    0xd9, // EOI
  ]);
}

/** An 8×8 lossless WebP (VP8L) of one colour: every prefix code has a single symbol. */
function webp(): Uint8Array {
  const bits: number[] = [];
  const put = (value: number, n: number) => {
    for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
  };
  put(7, 14); // width - 1
  put(7, 14); // height - 1
  put(0, 1); // no alpha
  put(0, 3); // version 0
  put(0, 1); // no transform
  put(0, 1); // no colour cache
  put(0, 1); // no meta prefix codes
  for (const symbol of [0xaa, 0x22, 0x66, 0xff]) { // green, red, blue, alpha
    put(1, 1); // simple code
    put(0, 1); // one symbol
    put(1, 1); // 8-bit symbol
    put(symbol, 8);
  }
  put(1, 1); // distance: simple code, one 1-bit symbol 0
  put(0, 1);
  put(0, 1);
  put(0, 1);
  const data = new Uint8Array(1 + Math.ceil(bits.length / 8));
  data[0] = 0x2f; // VP8L signature
  bits.forEach((b, i) => (data[1 + (i >> 3)]! |= b << (i & 7)));
  const padded = data.byteLength % 2 ? concat(data, new Uint8Array(1)) : data;
  const vp8l = riffChunk("VP8L", data, padded);
  return concat(
    new TextEncoder().encode("RIFF"),
    le32(4 + vp8l.byteLength),
    new TextEncoder().encode("WEBP"),
    vp8l,
  );
}

function riffChunk(type: string, data: Uint8Array, padded: Uint8Array): Uint8Array {
  return concat(new TextEncoder().encode(type), le32(data.byteLength), padded);
}

function le32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
