/**
 * Turns proxied traffic into `.wire` statements as it happens: each client connection
 * becomes `connect ${target} as cN`, its bytes `send cN …`, the server's bytes
 * `expect cN …`, half-closes `shutdown cN` / `expect cN eof`, and `close cN`.
 * Statements are written in the order things happened (so a reply on one connection
 * caused by a request on another replays in the right order); adjacent chunks of one
 * connection in one direction are merged into one statement.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { concatBytes, isBinary } from "../bytes/text.ts";
import { formatPayload, formatRegex, formatString } from "../script/format.ts";
import { containsSecret, secretSafeEnd } from "../secrets/secrets.ts";
import { redactedLiteral, redactHeader, type RedactRule } from "./redact.ts";
import { generalise } from "../script/dynamic.ts";
import { RECORDING_HEADER } from "../script/parser.ts";
import type { Direction } from "./faults.ts";
import type { ProxyTap, TapConnection, TapEnd } from "./tap.ts";
import type { SideFiles } from "./recording_file.ts";

/** The most bytes one `send`/`expect` statement holds inline; longer runs are split. */
export const MAX_STATEMENT_BYTES = 128 * 1024;

/** Binary runs from this size go to a side file (with the `sideFiles` option). */
export const SIDE_FILE_MIN_BYTES = 16 * 1024;

/** The most bytes one side file holds; longer runs are split. */
export const SIDE_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The comment noting the pause before a server's answer (`# after 120ms`); `replay
 * --timing recorded` waits that long before sending it.
 */
export const AFTER_NOTE = "# after ";

/** Pauses shorter than this are not noted (ms). */
export const MIN_NOTED_PAUSE_MS = 10;

/** The comment prefix that keeps the exact bytes behind a generalised `expect`. */
export const AS_RECORDED = "# as recorded: ";

/**
 * Options for {@linkcode WireRecorder}.
 *
 * @example Record into a string
 * ```ts
 * import type { RecorderOptions } from "@wireplay/wireplay/proxy";
 * let recording = "";
 * const options: RecorderOptions = { upstream: "tcp://127.0.0.1:6379", write: (text) => (recording += text) };
 * // new WireRecorder(options)
 * ```
 */
export interface RecorderOptions {
  /** The upstream recorded, the default of `${target}`. */
  upstream: string;
  /** Writes text to the recording (called in order; must write it all before returning). */
  write: (text: string) => void;
  /** Keep dates, UUIDs and timestamps literal instead of regex matchers. */
  exact?: boolean;
  /** Write a merged statement after this long without more bytes (default 100ms). */
  idleFlushMs?: number;
  /** Options written after each `connect … as cN`, e.g. `ca "ca.pem"` or `insecure`. */
  connectOptions?: string;
  /** The clock for the header (tests). */
  now?: () => Date;
  /** The clock for `# after` pauses, ms (tests; default `performance.now`). */
  clock?: () => number;
  /**
   * Appends to an existing recording holding this many connections: no header, and
   * connection names continue from `c${connections + 1}`.
   */
  append?: { connections: number };
  /** Values written as `${VAR}` (`--redact-header`, `--redact`), listed in the header. */
  redact?: RedactRule[];
  /**
   * Where large binary payloads go instead of inline hex: a side file each, named in the
   * recording as `file "rec.d/c1-0001.bin"` (`openRecordingFile(path).sideFiles`).
   */
  sideFiles?: SideFiles;
}

interface ConnState {
  name: string;
  upEnded: boolean;
  downEnded: boolean;
  closed: boolean;
}

interface Pending {
  conn: ConnState;
  direction: Direction;
  parts: Uint8Array[];
  size: number;
  /** The pause before its first byte, ms. */
  pauseMs: number;
  /** Bulk binary growing into one side file: its bytes are `side[0, size)` (no `parts`). */
  side?: Uint8Array;
}

/** A pending run's bytes, in one array. */
function pendingBytes(p: Pending): Uint8Array {
  if (p.side) return p.side.subarray(0, p.size);
  return p.parts.length === 1 ? p.parts[0]! : concatBytes(p.parts);
}

/**
 * A {@linkcode ProxyTap} writing `.wire` statements.
 *
 * @example Record a conversation through a proxy
 * ```ts
 * import { connect, parseAddress, serve } from "@wireplay/wireplay";
 * import { startProxy, WireRecorder } from "@wireplay/wireplay/proxy";
 * import { assertStringIncludes } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * let text = "";
 * const recorder = new WireRecorder({ upstream: echo.address, write: (t) => (text += t) });
 * {
 *   await using proxy = await startProxy({
 *     listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *     upstream: { address: parseAddress(echo.address) },
 *     tap: recorder,
 *   });
 *   await using c = await connect(proxy.address);
 *   await c.send("PING\r\n");
 *   await c.line({ timeoutMs: 2000 });
 * }
 * recorder.finish();
 * assertStringIncludes(text, 'send c1 "PING\\r\\n"');
 * ```
 */
export class WireRecorder implements ProxyTap {
  #o: RecorderOptions;
  #conns = new Map<number, ConnState>();
  #count = 0;
  #pending: Pending | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;
  #clock: () => number;
  #lastAt: number;
  /** Statements written so far. */
  statements = 0;

  /** Writes the recording's header through `options.write`; statements follow as traffic passes. */
  constructor(options: RecorderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? (() => performance.now());
    this.#lastAt = this.#clock();
    if (options.append) {
      this.#count = options.append.connections;
      return;
    }
    const when = (options.now ?? (() => new Date()))().toISOString();
    this.#o.write(
      `${RECORDING_HEADER} at ${when} through ${options.upstream}\n` +
        `# replay as client: wireplay run FILE --var target=ADDR\n` +
        `# replay as server: wireplay replay FILE --listen ADDR\n` +
        redactHeader(options.redact ?? []) +
        `default target = "${options.upstream.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"\n`,
    );
  }

  /** The number of connections recorded. */
  get connections(): number {
    return this.#count;
  }

  open(conn: TapConnection): void {
    if (this.#finished) return;
    this.flush();
    this.#lastAt = this.#clock();
    const state: ConnState = {
      name: `c${++this.#count}`,
      upEnded: false,
      downEnded: false,
      closed: false,
    };
    this.#conns.set(conn.id, state);
    this.#emit(
      `\n# connection ${this.#count} from ${conn.client}\n` +
        `connect \${target} as ${state.name}${
          this.#o.connectOptions ? ` ${this.#o.connectOptions}` : ""
        }\n`,
    );
  }

  data(conn: TapConnection, direction: Direction, bytes: Uint8Array): void | Promise<void> {
    const state = this.#conns.get(conn.id);
    if (!state || this.#finished || bytes.byteLength === 0) return;
    let p = this.#pending;
    if (p && (p.conn !== state || p.direction !== direction)) {
      this.flush();
      p = undefined;
    }
    let offset = 0;
    const now = this.#clock();
    let pauseMs = now - this.#lastAt;
    this.#lastAt = now;
    while (offset < bytes.byteLength) {
      if (!p) {
        p = this.#pending = { conn: state, direction, parts: [], size: 0, pauseMs };
        pauseMs = 0; // a continuation of a split run follows without a pause
      }
      const cap = p.side ? SIDE_FILE_MAX_BYTES : MAX_STATEMENT_BYTES;
      const take = Math.min(bytes.byteLength - offset, cap - p.size);
      if (p.side) p.side.set(bytes.subarray(offset, offset + take), p.size);
      else p.parts.push(bytes.slice(offset, offset + take));
      p.size += take;
      offset += take;
      if (p.size >= cap && !p.side && this.#o.sideFiles) {
        const whole = pendingBytes(p);
        if (isBulkBinary(whole)) {
          // a full statement of bulk binary: it grows into one side file, in one buffer
          p.side = this.#o.sideFiles.buffer?.(SIDE_FILE_MAX_BYTES) ??
            new Uint8Array(SIDE_FILE_MAX_BYTES);
          p.side.set(whole);
          p.parts = [];
          continue;
        }
        p.parts = [whole];
      }
      if (p.size >= cap) {
        p = this.#cut();
        // (a secret longer than a statement cannot be held back)
        if (p && p.size >= cap) p = void this.flush();
      }
    }
    if (this.#pending && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#cut();
      }, this.#o.idleFlushMs ?? 100);
    }
    return this.#o.sideFiles?.ready();
  }

  /**
   * Writes the pending statement, except trailing bytes that are the start of a secret:
   * they stay pending, so that a secret arriving in pieces is written whole (as
   * `${NAME}`). The next bytes in that direction, or any other event, write them.
   */
  #cut(): Pending | undefined {
    const p = this.#pending;
    if (!p) return undefined;
    const bytes = pendingBytes(p);
    const end = secretSafeEnd(bytes);
    if (end === bytes.byteLength) {
      this.flush();
      return undefined;
    }
    if (end === 0) return p;
    if (!p.side) p.parts = [bytes.subarray(0, end)];
    p.size = end;
    this.flush();
    const rest = bytes.slice(end);
    return this.#pending = {
      conn: p.conn,
      direction: p.direction,
      parts: [rest],
      size: rest.byteLength,
      pauseMs: 0,
    };
  }

  eof(conn: TapConnection, direction: Direction): void {
    const state = this.#conns.get(conn.id);
    if (!state || this.#finished) return;
    this.flush();
    if (direction === "down") {
      state.downEnded = true;
      this.#emit(`expect ${state.name} eof\n`);
    } else {
      state.upEnded = true;
      if (state.downEnded) {
        state.closed = true;
        this.#emit(`close ${state.name}\n`);
      } else this.#emit(`shutdown ${state.name}\n`);
    }
  }

  close(conn: TapConnection, how: TapEnd): void {
    const state = this.#conns.get(conn.id);
    if (!state || this.#finished) return;
    this.#conns.delete(conn.id);
    this.flush();
    if (state.closed) return;
    state.closed = true;
    const note = how === "closed" ? "" : `# ${state.name} ended: ${how}\n`;
    this.#emit(`${note}close ${state.name}\n`);
  }

  /**
   * Writes one statement about a connection (`line` gets its name, e.g. `c1`) after what
   * is pending: for taps that understand a protocol (WebSocket messages, `ws_record.ts`).
   */
  statement(conn: TapConnection, line: (name: string) => string): void {
    const state = this.#conns.get(conn.id);
    if (!state || this.#finished) return;
    this.flush();
    this.#lastAt = this.#clock();
    this.#emit(`${line(state.name)}\n`);
  }

  /** Writes the merged statement waiting for more bytes, if any. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    const bytes = pendingBytes(p);
    const redacted = redactedLiteral(bytes, this.#o.redact ?? []);
    const side = !redacted && this.#o.sideFiles && bytes.byteLength >= SIDE_FILE_MIN_BYTES &&
        (p.side ? !containsSecret(bytes) : isBulkBinary(bytes))
      ? `file ${formatString(this.#o.sideFiles.add(p.conn.name, bytes))}`
      : undefined;
    if (p.direction === "up") {
      this.#emit(`send ${p.conn.name} ${side ?? redacted ?? payloadLiteral(bytes)}\n`);
      return;
    }
    if (p.pauseMs >= MIN_NOTED_PAUSE_MS) {
      this.#o.write(`${AFTER_NOTE}${Math.round(p.pauseMs)}ms\n`);
    }
    if (side ?? redacted) {
      this.#emit(`expect ${p.conn.name} ${side ?? redacted}\n`);
      return;
    }
    // a secret inside is written as its literal (then ${NAME}), never inside a regex
    const g = this.#o.exact || containsSecret(bytes) ? undefined : generalise(bytes);
    if (g && "regex" in g) {
      this.#emit(
        `${AS_RECORDED}expect ${p.conn.name} ${payloadLiteral(bytes)}\n` +
          `expect ${p.conn.name} ${formatRegex(g.regex)}\n`,
      );
    } else this.#emit(`expect ${p.conn.name} ${payloadLiteral(bytes)}\n`);
  }

  /** Writes what is pending and stops recording (later events are ignored). */
  finish(): void {
    this.flush();
    this.#finished = true;
  }

  #emit(text: string): void {
    this.statements++;
    this.#o.write(text);
  }
}

/**
 * `hex "deadbeef…"` through the native hex encoder: bulk binary traffic is formatted at
 * memory speed (the spaces `toHex` puts between bytes are optional in the language).
 */
function hexLiteral(bytes: Uint8Array): string {
  return `hex "${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}"`;
}

/**
 * Bulk binary, written as hex inline or as a side file: 1 KiB or more, not text, no
 * secret inside (a secret is written as `${NAME}`, inline), and printable characters in
 * fewer than 90% of 4096 bytes sampled across it (else a string literal reads better).
 */
function isBulkBinary(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 1024 || !isBinary(bytes) || containsSecret(bytes)) return false;
  let printable = 0;
  const step = Math.max(1, Math.floor(bytes.byteLength / 4096));
  let seen = 0;
  for (let i = 0; i < bytes.byteLength; i += step, seen++) {
    const b = bytes[i]!;
    if ((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13) printable++;
  }
  return printable / seen < 0.9;
}

/** A payload literal: like `formatPayload`, with a fast path for large binary chunks. */
export function payloadLiteral(bytes: Uint8Array): string {
  return isBulkBinary(bytes) ? hexLiteral(bytes) : formatPayload(bytes);
}
