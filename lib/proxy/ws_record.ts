/**
 * Records WebSocket connections as messages: a {@linkcode ProxyTap} in front of the
 * {@linkcode WireRecorder} that passes every connection through unchanged until a client's
 * `Upgrade: websocket` request is answered `101`; the upgrade stays HTTP bytes (send /
 * expect), then `websocket cN`, then each frame in either direction becomes a statement
 * (`send cN "text"`, `send cN binary …`, `expect cN message …`, `expect cN close 1000`).
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";
import { formatPayload } from "../script/format.ts";
import {
  decodeWsFrame,
  OPCODE,
  parseClosePayload,
  wsFrameSize,
  WsMessageAssembler,
} from "../transport/ws_frame.ts";
import type { Direction } from "./faults.ts";
import { payloadLiteral, type WireRecorder } from "./recorder.ts";
import type { ProxyTap, TapConnection, TapEnd } from "./tap.ts";

/** The largest message or HTTP head the tap decodes (larger: recorded as bytes). */
const LIMIT = 64 * 1024 * 1024;
const MAX_HEAD = 64 * 1024;

interface Side {
  /** Bytes not decoded yet, as they came (joined only once a frame is whole). */
  parts: Uint8Array[];
  size: number;
  /** Bytes needed before decoding is worth trying (the next frame's size, once known). */
  need: number;
  assembler: WsMessageAssembler;
}

interface State {
  phase: "http" | "head" | "ws" | "bytes";
  /** The client's first bytes (for `Upgrade: websocket`). */
  request: string;
  head: Uint8Array;
  up: Side;
  down: Side;
}

function side(): Side {
  return { parts: [], size: 0, need: 2, assembler: new WsMessageAssembler(LIMIT) };
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b.slice();
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.byteLength; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, i + 8192));
  }
  return s;
}

/** `send cN …` / `expect cN …` for one message or control frame. */
export function wsStatement(
  name: string,
  direction: Direction,
  opcode: number,
  payload: Uint8Array,
): string {
  const lit = payload.byteLength ? ` ${payloadLiteral(payload)}` : "";
  const close = () => {
    const c = parseClosePayload(payload);
    return c.code === 1005
      ? ""
      : ` ${c.code}${c.reason ? ` ${formatPayload(new TextEncoder().encode(c.reason))}` : ""}`;
  };
  if (direction === "up") {
    switch (opcode) {
      case OPCODE.text:
        return `send ${name} ${formatPayload(payload)}`;
      case OPCODE.binary:
        return `send ${name} binary ${payloadLiteral(payload)}`;
      case OPCODE.ping:
        return `send ${name} ping${lit}`;
      case OPCODE.pong:
        return `# ${name} answered a server ping:${lit || " (empty)"}`;
      default:
        return `send ${name} close${close()}`;
    }
  }
  switch (opcode) {
    case OPCODE.text:
      return `expect ${name} message ${formatPayload(payload)}`;
    case OPCODE.binary:
      return `expect ${name} message binary ${payloadLiteral(payload)}`;
    case OPCODE.ping:
      return `# the server pinged ${name}:${lit || " (empty)"}`;
    case OPCODE.pong:
      return `expect ${name} pong${lit}`;
    default:
      return `expect ${name} close${close()}`;
  }
}

/**
 * Wraps a recorder so that WebSocket connections are written as messages.
 *
 * @example
 * ```ts ignore
 * const recorder = new WireRecorder({ upstream, write });
 * await startProxy({ listen, upstream, tap: new WsRecordTap(recorder) });
 * ```
 */
export class WsRecordTap implements ProxyTap {
  #inner: WireRecorder;
  #conns = new Map<number, State>();

  constructor(inner: WireRecorder) {
    this.#inner = inner;
  }

  open(conn: TapConnection): void {
    this.#conns.set(conn.id, {
      phase: "http",
      request: "",
      head: new Uint8Array(0),
      up: side(),
      down: side(),
    });
    this.#inner.open(conn);
  }

  data(conn: TapConnection, direction: Direction, bytes: Uint8Array): void | Promise<void> {
    const st = this.#conns.get(conn.id);
    if (!st || st.phase === "bytes") return this.#inner.data(conn, direction, bytes);
    if (st.phase === "ws") return this.#frames(conn, st, direction, bytes);
    if (direction === "up") {
      if (st.request.length < MAX_HEAD) st.request += latin1(bytes.subarray(0, MAX_HEAD));
      return this.#inner.data(conn, direction, bytes);
    }
    if (st.phase === "http") {
      if (!/^upgrade:[ \t]*websocket[ \t]*\r?$/im.test(st.request)) {
        st.phase = "bytes";
        return this.#inner.data(conn, direction, bytes);
      }
      st.phase = "head";
    }
    // the answer's head is held until whole: a 101 switches to frames after it
    st.head = join(st.head, bytes);
    const text = latin1(st.head.subarray(0, MAX_HEAD + 4));
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      if (st.head.byteLength > MAX_HEAD) {
        st.phase = "bytes";
        this.#inner.data(conn, direction, st.head);
      }
      return;
    }
    const head = st.head.subarray(0, end + 4);
    const rest = st.head.slice(end + 4);
    this.#inner.data(conn, direction, head);
    st.head = new Uint8Array(0);
    if (!/^HTTP\/1\.[01] 101\b/.test(text)) {
      st.phase = "bytes";
      if (rest.byteLength) this.#inner.data(conn, direction, rest);
      return;
    }
    const extension = /^sec-websocket-extensions:[ \t]*([^\r\n;,]+)/im.exec(text)?.[1];
    if (extension) {
      // compressed frames (permessage-deflate) are not decoded: recorded as bytes
      st.phase = "bytes";
      this.#inner.statement(
        conn,
        (name) => `# ${name}: the WebSocket extension ${extension} was agreed; bytes follow`,
      );
      if (rest.byteLength) this.#inner.data(conn, direction, rest);
      return;
    }
    st.phase = "ws";
    this.#inner.statement(conn, (name) => `websocket ${name}`);
    if (rest.byteLength) this.#frames(conn, st, direction, rest);
  }

  eof(conn: TapConnection, direction: Direction): void {
    this.#inner.eof(conn, direction);
  }

  close(conn: TapConnection, how: TapEnd): void {
    const st = this.#conns.get(conn.id);
    this.#conns.delete(conn.id);
    if (st?.phase === "head" && st.head.byteLength) this.#inner.data(conn, "down", st.head);
    this.#inner.close(conn, how);
  }

  #frames(conn: TapConnection, st: State, direction: Direction, bytes: Uint8Array): void {
    const s = direction === "up" ? st.up : st.down;
    s.parts.push(bytes.slice());
    s.size += bytes.byteLength;
    if (s.size < s.need) return;
    let unread = s.parts.length === 1 ? s.parts[0]! : concatBytes(s.parts);
    s.parts = [unread];
    try {
      while (true) {
        const got = decodeWsFrame(unread, LIMIT);
        if (!got) {
          s.need = Math.min(wsFrameSize(unread) ?? unread.byteLength + 1, LIMIT + 14);
          break;
        }
        unread = unread.subarray(got.size);
        s.parts = [unread];
        s.size = unread.byteLength;
        s.need = 2;
        const m = s.assembler.push(got.frame);
        if (m) {
          this.#inner.statement(conn, (name) => wsStatement(name, direction, m.opcode, m.payload));
        }
      }
    } catch (e) {
      // not (or no longer) WebSocket: the rest of this connection is recorded as bytes
      this.#inner.statement(conn, (name) => `# ${name}: ${(e as Error).message}; bytes follow`);
      st.phase = "bytes";
      for (const d of ["up", "down"] as const) {
        const side = d === "up" ? st.up : st.down;
        for (const rest of side.parts) if (rest.byteLength) this.#inner.data(conn, d, rest);
        side.parts = [];
      }
    }
  }
}
