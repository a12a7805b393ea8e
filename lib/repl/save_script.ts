/**
 * Turns a {@linkcode Transcript} into a `.wire` script that replays the session: the
 * saved statements, plus `expect` lines for data that came back and that no saved
 * statement consumed, placed after the statement whose turn it arrived in. Pure apart
 * from reading the transcript.
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";
import { generalise } from "../script/dynamic.ts";
import type { HttpResponse } from "../http/client/types.ts";
import { formatPayload, formatRegex, formatString } from "../script/format.ts";
import { expectTarget } from "../script/grammar/process.ts";
import { looksBinary } from "./display.ts";
import { type ChannelRecord, streamBytes, type Transcript } from "./transcript.ts";

/** Options for {@linkcode buildScript}. */
export interface SaveOptions {
  /** Keep every byte literal (no regex for dates, timestamps, UUIDs, epoch times). */
  exact?: boolean;
  /** A comment line at the top (without `#`). */
  header?: string[];
  /**
   * Relative paths in statements were typed relative to `from` (the REPL's folder); the
   * script resolves them from `to` (its own folder): they are rewritten to match.
   */
  paths?: { from: string; to: string };
}

/** The most bytes of binary data in one generated `expect … hex` line. */
const HEX_CHUNK = 256;

interface Generated {
  after: number;
  channel: number;
  position: number;
  lines: string[];
}

/**
 * Builds the script text.
 *
 * @returns The `.wire` text (ends with a newline).
 */
export function buildScript(transcript: Transcript, options: SaveOptions = {}): string {
  const { entries } = transcript;
  const generated: Generated[] = [];
  transcript.channels.forEach((rec, channelIndex) => {
    for (const piece of uncovered(rec)) {
      generated.push({
        after: piece.after,
        channel: channelIndex,
        position: piece.start,
        lines: expectLines(rec, piece.start, piece.end, options.exact ?? false),
      });
    }
  });
  generated.sort((a, b) => a.after - b.after || a.channel - b.channel || a.position - b.position);

  const out: string[] = (options.header ?? []).map((h) => `# ${h}`);
  const ports: { name: string; port: number }[] = [];
  let g = 0;
  entries.forEach((entry, i) => {
    const closes = entry.node.kind === "close"
      ? (entry.node as unknown as { name: string }).name
      : undefined;
    const source = options.paths
      ? rebasePaths(entry.source, options.paths.from, options.paths.to)
      : entry.source;
    out.push(symbolize(source, ports, "statement"));
    if (closes) {
      for (let k = ports.length - 1; k >= 0; k--) if (ports[k]!.name === closes) ports.splice(k, 1);
    }
    ports.push(...entry.ports);
    if (entry.http) {
      for (const line of httpExpects(entry.http, options.exact ?? false)) {
        out.push(symbolize(line, ports, "expect"));
      }
    }
    while (g < generated.length && generated[g]!.after === i) {
      for (const line of generated[g]!.lines) out.push(symbolize(line, ports, "expect"));
      g++;
    }
  });
  return out.join("\n") + "\n";
}

/** The parts of a channel's data (from saved anchors) that no saved statement consumed. */
function uncovered(rec: ChannelRecord): { start: number; end: number; after: number }[] {
  const pieces: { start: number; end: number; after: number }[] = [];
  const total = rec.logged;
  rec.anchors.forEach((anchor, k) => {
    if (anchor.entry < 0) return;
    const end = Math.min(rec.anchors[k + 1]?.start ?? total, total);
    let at = anchor.start;
    for (const c of rec.consumed) {
      if (c.end <= at || c.start >= end) continue;
      if (c.start > at) pieces.push(placed(rec, at, c.start, anchor.entry));
      at = Math.max(at, c.end);
    }
    if (at < end) pieces.push(placed(rec, at, end, anchor.entry));
  });
  return pieces;
}

function placed(rec: ChannelRecord, start: number, end: number, anchorEntry: number) {
  let after = anchorEntry;
  for (const c of rec.consumed) if (c.end <= start && c.entry > after) after = c.entry;
  return { start, end, after };
}

function expectLines(rec: ChannelRecord, start: number, end: number, exact: boolean): string[] {
  if (rec.type === "datagram") {
    return rec.chunks.slice(start, end).map((d) =>
      `expect ${expectTarget(rec.name)} ${matcher(d, exact)}`
    );
  }
  const bytes = streamBytes(rec, start, end);
  const lines: string[] = [];
  for (const part of splitForExpect(bytes)) {
    lines.push(`expect ${expectTarget(rec.name)} ${matcher(part, exact)}`);
  }
  return lines;
}

/** The most JSON fields and body bytes one saved HTTP response pins. */
const MAX_JSON_FIELDS = 20;
const MAX_PINNED_BODY = 1024;

/**
 * `expect` lines that pin an HTTP response: its status, its content type, and its body —
 * top-level JSON fields (`expect json $.name == "alice"`; a dynamic value only `exists`),
 * or a short text body (dynamic values as a regex).
 */
export function httpExpects(res: HttpResponse, exact: boolean): string[] {
  const lines = [`expect status ${res.status}`];
  const type = res.headers.get("content-type");
  if (type) lines.push(`expect header content-type ${formatString(type)}`);
  const json = res.isJson ? res.json : undefined;
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    let n = 0;
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || n++ >= MAX_JSON_FIELDS) continue;
      const path = `$.${key}`;
      if (typeof value === "string") {
        const dynamic = !exact && "regex" in generalise(new TextEncoder().encode(value));
        lines.push(
          dynamic ? `expect json ${path} exists` : `expect json ${path} == ${formatString(value)}`,
        );
      } else if (typeof value === "number" || typeof value === "boolean") {
        lines.push(`expect json ${path} == ${value}`);
      } else lines.push(`expect json ${path} exists`);
    }
  } else if (res.text !== undefined && res.body.byteLength <= MAX_PINNED_BODY && res.text !== "") {
    lines.push(`expect body ${matcher(res.body, exact)}`);
  }
  return lines;
}

/** Splits text after each newline, binary data into chunks of {@linkcode HEX_CHUNK} bytes. */
export function splitForExpect(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (looksBinary(bytes)) {
    for (let i = 0; i < bytes.byteLength; i += HEX_CHUNK) {
      parts.push(bytes.subarray(i, i + HEX_CHUNK));
    }
    return parts;
  }
  let from = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] === 0x0a) {
      parts.push(bytes.subarray(from, i + 1));
      from = i + 1;
    }
  }
  if (from < bytes.byteLength) parts.push(bytes.subarray(from));
  return parts;
}

/** An expect matcher for bytes: a literal, or an anchored regex when values are dynamic. */
export function matcher(bytes: Uint8Array, exact: boolean): string {
  if (!exact) {
    const g = generalise(bytes);
    // a variable-width value at the very end could match before all of it arrived
    if ("regex" in g && !endsVariable(bytes)) return formatRegex(g.regex);
  }
  return formatPayload(bytes);
}

function endsVariable(bytes: Uint8Array): boolean {
  const text = new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.byteLength - 40)));
  return /\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/.test(text) &&
    !/ GMT$/.test(text);
}

/** Path arguments (`file`, `ca`, `cert`, `key`, `record`, `root`), quoted or bare. */
const PATH_ARG = /(\b(?:file|ca|cert|key|record|root)\s+)(?:"((?:[^"\\$]|\\.)*)"|([^\s"'$#]+))/g;

/**
 * Rewrites relative path arguments typed relative to `from` so they resolve the same
 * from `to`; absolute paths, `~/…` and paths with `${…}` stay as they are.
 *
 * @example
 * ```ts
 * import { rebasePaths } from "./save_script.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(rebasePaths('http POST u file "a/b.txt"', "/w", "/w/tests"), 'http POST u file "../a/b.txt"');
 * ```
 */
export function rebasePaths(line: string, from: string, to: string): string {
  const rebase = (all: string, keyword: string, quoted?: string, bare?: string) => {
    const p = quoted ?? bare ?? "";
    if (!p || isAbsolute(p) || p.startsWith("~")) return all;
    const moved = relative(to, resolve(from, p)) || ".";
    return quoted !== undefined ? `${keyword}"${moved}"` : `${keyword}${moved}`;
  };
  if (!/\bmultipart\b/.test(line)) return line.replace(PATH_ARG, rebase);
  // `multipart … file "NAME" "PATH"`: the path is the second string, not the field name
  return line.replace(
    MULTIPART_OR_PATH_ARG,
    (all, partKeyword?: string, partPath?: string, keyword?: string, q?: string, b?: string) =>
      partKeyword !== undefined ? rebase(all, partKeyword, partPath) : rebase(all, keyword!, q, b),
  );
}

/** A multipart file part (`file "NAME" "PATH"`), tried before the other path arguments. */
const MULTIPART_OR_PATH_ARG = new RegExp(
  `(\\bfile\\s+"(?:[^"\\\\]|\\\\.)*"\\s+)"((?:[^"\\\\$]|\\\\.)*)"|${PATH_ARG.source}`,
  "g",
);

/**
 * Writes ports that were asked for as 0, and the local ports of connections, symbolically
 * wherever they appear (`:41234`, `port is 41234`, `port=41234`): `${srv.port}` in
 * statements and text literals, `\d{1,5}` in generated regexes.
 */
export function symbolize(
  line: string,
  ports: readonly { name: string; port: number }[],
  what: "statement" | "expect",
): string {
  let out = line;
  for (const { name, port } of ports) {
    const re = new RegExp(`(?<![\\d.])${port}(?![\\d])`, "g");
    if (!re.test(out)) continue;
    if (what === "expect") {
      const m = /^(expect \S+ )(.*)$/.exec(out);
      if (!m) continue;
      const value = m[2]!;
      if (value.startsWith('"')) out = m[1]! + value.replace(re, `\${${name}.port}`);
      else if (value.startsWith("/")) out = m[1]! + value.replace(re, "\\d{1,5}");
    } else out = out.replace(re, `\${${name}.port}`);
  }
  return out;
}
