/**
 * Generates large `.wire` recordings the way `wireplay record` writes them (the header, then
 * one connection of echo traffic: `send c1 …` and `expect c1 …` with the same bytes, at most
 * 128 KiB a statement), for the parser benchmark and the parser's linearity tests.
 *
 * Two payload kinds: `binary` (random bytes, written inline as `hex "…"`, as the recorder's
 * `payloadLiteral` does for binary chunks) and `text` (printable text with `\r\n`, quotes,
 * `$` and a few control bytes, written as an escaped `"…"` string).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { formatPayload } from "../lib/script/format.ts";

/** What a generated recording holds. */
export interface WireGenOptions {
  /** About how many bytes of script to write (it stops after the first chunk that reaches it). */
  bytes: number;
  /** The payload kind (default `binary`). */
  kind?: "binary" | "text";
  /** Bytes of payload per statement (default 128 KiB, the recorder's largest). */
  chunk?: number;
  /** A last line that does not parse (to time reaching a late error). */
  brokenLastLine?: boolean;
  /** The PRNG seed (default 1). */
  seed?: number;
}

/** The recorder's header (its literal text, so a change there does not move the benchmark). */
function header(): string {
  return "# recorded by wireplay record at 2026-01-01T00:00:00.000Z through tcp://127.0.0.1:7\n" +
    "# replay as client: wireplay run FILE --var target=ADDR\n" +
    "# replay as server: wireplay replay FILE --listen ADDR\n" +
    'default target = "tcp://127.0.0.1:7"\n' +
    "\n# connection 1 from tcp://127.0.0.1:40000\n" +
    "connect ${target} as c1\n";
}

const TEXT_ALPHABET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,:;"$\\\t';

/** A deterministic xorshift32 filler. */
function filler(seed: number): (out: Uint8Array, kind: "binary" | "text") => void {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return (out, kind) => {
    if (kind === "binary") {
      for (let i = 0; i < out.length; i++) out[i] = next() & 0xff;
      return;
    }
    for (let i = 0; i < out.length; i++) {
      const r = next();
      if (i % 80 === 78) out[i] = 13;
      else if (i % 80 === 79) out[i] = 10;
      else if ((r & 0x3ff) === 0) out[i] = 1; // an occasional control byte (\x01)
      else out[i] = TEXT_ALPHABET.charCodeAt((r >>> 10) % TEXT_ALPHABET.length);
    }
  };
}

/** The literal for one chunk, as the recorder writes it. */
function literal(bytes: Uint8Array, kind: "binary" | "text"): string {
  if (kind === "binary") {
    return `hex "${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}"`;
  }
  return formatPayload(bytes);
}

/** Yields the recording's text in pieces (one statement or the header each). */
export function* wireRecordingPieces(options: WireGenOptions): Generator<string> {
  const kind = options.kind ?? "binary";
  const chunk = new Uint8Array(options.chunk ?? 128 * 1024);
  const fill = filler(options.seed ?? 1);
  let written = 0;
  const emit = (s: string) => {
    written += s.length;
    return s;
  };
  yield emit(header());
  while (written < options.bytes) {
    fill(chunk, kind);
    const lit = literal(chunk, kind);
    yield emit(`send c1 ${lit}\n`);
    yield emit(`expect c1 ${lit}\n`);
  }
  yield "shutdown c1\nexpect c1 eof\nclose c1\n";
  if (options.brokenLastLine) yield 'send c1 "unterminated\n';
}

/** The whole recording as one string (for tests; use {@linkcode writeWireRecording} for 100 MB). */
export function wireRecording(options: WireGenOptions): string {
  return [...wireRecordingPieces(options)].join("");
}

/** Writes the recording to `path` (temp file, then rename); returns its size in bytes. */
export async function writeWireRecording(path: string, options: WireGenOptions): Promise<number> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  const encoder = new TextEncoder();
  let size = 0;
  {
    using file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    for (const piece of wireRecordingPieces(options)) {
      const bytes = encoder.encode(piece);
      let off = 0;
      while (off < bytes.byteLength) off += await file.write(bytes.subarray(off));
      size += bytes.byteLength;
    }
  }
  await Deno.rename(tmp, path);
  return size;
}
