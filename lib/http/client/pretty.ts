/**
 * Shows a response the way people like to read it: status line, headers, the body
 * pretty-printed as JSON, as text, or as a hex dump for binary data, long bodies cut with
 * a note, and the timing.
 *
 * @module
 */
import { hexdump } from "../../bytes/hexdump.ts";
import { formatBytes, formatDuration } from "../../bytes/units.ts";
import { maskSecretBytes } from "../../secrets/secrets.ts";
import type { HttpResponse, HttpTimings, SentRequest } from "./types.ts";

/**
 * Options of {@linkcode formatResponse}.
 *
 * @example Headers only
 * ```ts
 * import type { FormatResponseOptions } from "@wireplay/wireplay/http";
 * const options: FormatResponseOptions = { body: false, color: false };
 * // formatResponse(res, options)
 * ```
 */
export interface FormatResponseOptions {
  /** Show at most this many body bytes (default 4096). */
  maxBodyBytes?: number;
  /** Show at most this many body lines (default 100). */
  maxBodyLines?: number;
  /** Include the headers (default true). */
  headers?: boolean;
  /** Include the body (default true). */
  body?: boolean;
  /** Wrap in ANSI colours (default false). */
  color?: boolean;
}

/**
 * One line of timings: `12.3ms (dns 0.10ms, connect 0.32ms, tls 1.2ms, ttfb 9.8ms)`.
 *
 * @example One line of phase timings
 * ```ts
 * import { formatTimings, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const res = await httpRequest({ method: "GET", url: `${api.url}/json` });
 *
 * import { assertStringIncludes } from "@std/assert";
 * assertStringIncludes(formatTimings(res.timings), "connect");
 * ```
 */
export function formatTimings(t: HttpTimings): string {
  const parts = [`dns ${formatDuration(t.dnsMs)}`, `connect ${formatDuration(t.connectMs)}`];
  if (t.tlsMs > 0) parts.push(`tls ${formatDuration(t.tlsMs)}`);
  parts.push(`ttfb ${formatDuration(t.ttfbMs)}`);
  return `${formatDuration(t.totalMs)} (${parts.join(", ")})`;
}

/**
 * Formats a response for a person.
 *
 * @example
 * ```ts
 * import { formatResponse } from "./pretty.ts";
 * import { assertStringIncludes } from "@std/assert";
 * const body = new TextEncoder().encode('{"a":1}');
 * const text = formatResponse({
 *   status: 200, statusText: "OK", httpVersion: "HTTP/1.1", headers: new Headers(),
 *   rawHeaders: [["Content-Type", "application/json"]], body, text: '{"a":1}', json: { a: 1 },
 *   isJson: true, url: "http://x/", remoteIp: "127.0.0.1", redirects: [],
 *   timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 1, totalMs: 2 },
 *   request: { method: "GET", url: "http://x/", headers: [], body: new Uint8Array() },
 * });
 * assertStringIncludes(text, '"a": 1');
 * ```
 */
export function formatResponse(res: HttpResponse, opts: FormatResponseOptions = {}): string {
  const c = colors(opts.color ?? false);
  const statusColor = res.status >= 500
    ? c.red
    : res.status >= 400
    ? c.yellow
    : res.status >= 300
    ? c.cyan
    : c.green;
  const lines = [
    `${res.httpVersion} ${statusColor(`${res.status} ${res.statusText}`.trim())}  ${
      c.dim(formatTimings(res.timings))
    }`,
  ];
  if (res.redirects.length) {
    lines.push(c.dim(`(after ${res.redirects.length} redirect(s), now at ${res.url})`));
  }
  if (opts.headers ?? true) {
    for (const [k, v] of res.rawHeaders) lines.push(`${c.cyan(k)}: ${v}`);
  }
  if (res.saved) {
    lines.push("", c.dim(`(body: ${formatBytes(res.saved.bytes)} saved to ${res.saved.path})`));
  }
  if ((opts.body ?? true) && res.body.byteLength > 0) {
    lines.push("", formatBody(res, opts.maxBodyBytes ?? 4096, opts.maxBodyLines ?? 100));
  }
  return lines.join("\n");
}

/** Formats a body: pretty JSON, text, or a hex dump, cut with a note. */
export function formatBody(
  res: Pick<HttpResponse, "body" | "text" | "json" | "isJson">,
  maxBytes: number,
  maxLines: number,
): string {
  const total = res.body.byteLength;
  let out: string;
  if (res.isJson && res.text !== undefined && res.text.length <= 1024 * 1024) {
    out = JSON.stringify(res.json, null, 2);
  } else if (res.text !== undefined && !hasControlBytes(res.text)) {
    out = res.text;
  } else {
    const shown = Math.min(total, maxBytes);
    // masked as bytes: a text mask cannot see a secret written as hex digits
    const dump = hexdump(maskSecretBytes(res.body.subarray(0, shown)), shown).trimEnd();
    return shown < total
      ? `${dump}\n… ${formatBytes(total - shown)} more (${formatBytes(total)} in all) not shown`
      : dump;
  }
  let cut = false;
  if (out.length > maxBytes) {
    out = out.slice(0, maxBytes);
    cut = true;
  }
  const lines = out.split("\n");
  if (lines.length > maxLines) {
    out = lines.slice(0, maxLines).join("\n");
    cut = true;
  }
  if (cut) out += `\n… cut: ${formatBytes(total)} in all (print \${NAME.body} for everything)`;
  return out.replace(/\n$/, "");
}

/** One line describing a request: `GET http://… (3 headers, 12 B body)`. */
export function formatRequestLine(req: SentRequest): string {
  const body = req.body.byteLength ? `, ${formatBytes(req.body.byteLength)} body` : "";
  return `${req.method} ${req.url} (${req.headers.length} headers${body})`;
}

function hasControlBytes(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x08\x0e-\x1f\x7f]/.test(text);
}

function colors(on: boolean) {
  const wrap = (code: number) => (s: string) => on ? `\x1b[${code}m${s}\x1b[0m` : s;
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), cyan: wrap(36), dim: wrap(2) };
}
