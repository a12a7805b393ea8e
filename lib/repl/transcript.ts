/**
 * What `:save` needs to know about a live session: the statements that succeeded, and,
 * for every connection and UDP socket, every byte (or datagram) that arrived, which
 * statement's turn it arrived in, and which ranges the saved statements consumed.
 *
 * Positions are stream offsets (bytes received so far) for stream channels and datagram
 * counts for UDP sockets. Arriving data is attributed to the latest *anchor*: the
 * statement that opened the channel, then each statement that acts on the network
 * (`send`, `connect`, `accept`, `shutdown`, … on any channel: data that arrives after a
 * send started is that send's answer, even on another connection, e.g. a server's
 * accepted side seeing what the client sent).
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";
import type { HttpResponse } from "../http/client/types.ts";
import { LAST_RESPONSE } from "../run/exec/http.ts";
import type { Session } from "../run/session.ts";
import type { StatementBase } from "../script/ast.ts";
import type { ChannelEvent } from "../transport/events.ts";
import type { DatagramChannel } from "../transport/datagram_channel.ts";
import type { StreamChannel } from "../transport/stream_channel.ts";
import type { WsChannel } from "../transport/ws_channel.ts";

/** The most bytes of received data kept per channel for `:save`. */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;

/** A statement that succeeded while recording. */
export interface Entry {
  /** Its text, one line, as typed (a heredoc already turned into a literal). */
  source: string;
  node: StatementBase;
  /** For an `http` statement: the response it got (for `:save` to pin). */
  http?: HttpResponse;
  /** Ports this statement asked for as `:0` (or a connection's local port), by resource name. */
  ports: { name: string; port: number }[];
}

/** Where a channel's data came from: the statement whose turn it arrived in. */
export interface Anchor {
  /** The entry index, or -1 when that statement is not in the transcript. */
  entry: number;
  /** The position from which arriving data is this anchor's. */
  start: number;
}

/** A range a saved statement consumed. */
export interface Consumed {
  entry: number;
  start: number;
  end: number;
}

/** One channel's record. */
export interface ChannelRecord {
  name: string;
  type: "stream" | "datagram";
  anchors: Anchor[];
  consumed: Consumed[];
  /** Received chunks (stream) or datagrams, in order. */
  chunks: Uint8Array[];
  /** The number of positions covered by `chunks` (bytes or datagrams). */
  logged: number;
  /** True when data past {@linkcode MAX_LOG_BYTES} was not kept. */
  truncated: boolean;
}

interface Live {
  record: ChannelRecord;
  stream?: StreamChannel;
  /** A UDP socket, or a WebSocket (its messages count as datagrams do). */
  datagram?: DatagramChannel | WsChannel;
  logBytes: number;
}

/**
 * Statements that do not make a peer send anything: data arriving while they run is
 * still the answer to the statement before them.
 */
export const PASSIVE = new Set(["expect", "sleep", "print", "assert", "let", "timeout", "close"]);

/** Records a session for `:save`. Call {@linkcode before} and {@linkcode after} around each statement. */
export class Transcript implements Disposable {
  /** False while `:record off`. */
  recording = true;
  readonly entries: Entry[] = [];
  readonly channels: ChannelRecord[] = [];
  #live = new Map<object, Live>();
  #byName = new Map<string, Live>();
  #snapshot = new Map<Live, { received: number; consumed: number }>();
  #namesBefore = new Set<string>();
  #unsubscribe: () => void;

  constructor(readonly session: Session) {
    this.#unsubscribe = session.events.on((e) => this.#onEvent(e));
  }

  /** Call before running a statement. */
  before(): void {
    this.#scan(-1);
    this.#snapshot.clear();
    for (const live of this.#live.values()) {
      this.#snapshot.set(live, { received: received(live), consumed: consumed(live) });
    }
    this.#namesBefore = new Set(this.session.resources.keys());
  }

  /**
   * Call after a statement ran; `ok` when it succeeded. `source` is its one-line text,
   * `received` what an expect reported as matched (the observer's `received`).
   */
  after(node: StatementBase, ok: boolean, source: string, received?: Uint8Array): void {
    const record = ok && this.recording;
    const index = record ? this.entries.length : -1;
    if (record) {
      const entry: Entry = { source, node, ports: [] };
      if (node.kind === "http") {
        entry.http = this.session.state.get(LAST_RESPONSE) as HttpResponse | undefined;
      }
      // a port asked for as 0, or the (ephemeral) local port of a new connection
      const anyPort = /:0(?!\d)/.test(source) || node.kind === "connect";
      if (anyPort) {
        for (const [name, r] of this.session.resources) {
          if (this.#namesBefore.has(name)) continue;
          const port = safeVars(r.vars).port;
          if (typeof port === "number" && port > 0) entry.ports.push({ name, port });
        }
      }
      this.entries.push(entry);
    }
    for (const [live, snap] of this.#snapshot) {
      const now = consumed(live);
      if (record && now > snap.consumed) {
        // a regex expect consumes what it skipped too; only its match counts as expected
        const start = received && isRegexExpect(node)
          ? Math.max(snap.consumed, now - received.byteLength)
          : snap.consumed;
        live.record.consumed.push({ entry: index, start, end: now });
      }
    }
    if (ok && !PASSIVE.has(node.kind)) {
      // whatever arrives from now on, on any channel, is this statement's doing
      for (const [live, snap] of this.#snapshot) {
        live.record.anchors.push({ entry: index, start: snap.received });
      }
    }
    this.#scan(index);
    this.#snapshot.clear();
  }

  /** Stops listening to the session's events. */
  [Symbol.dispose](): void {
    this.#unsubscribe();
  }

  /** Tracks channels not seen yet; `entry` is the statement that opened them. */
  #scan(entry: number): void {
    for (const r of this.session.resources.values()) {
      const obj = r.stream ?? r.datagram ?? r.messages;
      if (!obj || this.#live.has(obj)) continue;
      const record: ChannelRecord = {
        name: r.name,
        type: r.stream ? "stream" : "datagram",
        anchors: [{ entry, start: 0 }],
        consumed: [],
        chunks: [],
        logged: 0,
        truncated: false,
      };
      const live: Live = {
        record,
        stream: r.stream,
        datagram: r.datagram ?? r.messages,
        logBytes: 0,
      };
      // whatever arrived before we looked is still unread: nothing consumed it yet
      if (r.stream && r.stream.buffer.received === r.stream.buffer.length) {
        this.#log(live, r.stream.buffer.unread.slice(), r.stream.buffer.length);
      } else if (live.datagram) {
        for (const d of live.datagram.peek()) this.#log(live, d.bytes.slice(), 1);
      }
      this.#live.set(obj, live);
      this.#byName.set(r.name, live);
      this.channels.push(record);
    }
  }

  #onEvent(e: ChannelEvent): void {
    if (e.type !== "data") return;
    const live = this.#byName.get(e.channel);
    if (!live) return;
    const current = this.session.resources.get(e.channel);
    if (
      current &&
      (current.stream ?? current.datagram ?? current.messages) !== (live.stream ?? live.datagram)
    ) return;
    this.#log(live, e.bytes, live.stream ? e.bytes.byteLength : 1);
  }

  #log(live: Live, bytes: Uint8Array, positions: number): void {
    if (positions === 0) return;
    const rec = live.record;
    if (rec.truncated || live.logBytes + bytes.byteLength > MAX_LOG_BYTES) {
      rec.truncated = true;
      return;
    }
    rec.chunks.push(bytes);
    rec.logged += positions;
    live.logBytes += bytes.byteLength;
  }
}

function isRegexExpect(node: StatementBase): boolean {
  const m = (node as { matcher?: { type?: string; value?: { type?: string } } }).matcher;
  return node.kind === "expect" && m?.type === "value" && m.value?.type === "regex";
}

function received(live: Live): number {
  if (live.stream) return live.stream.buffer.received;
  return live.record.logged;
}

function consumed(live: Live): number {
  if (live.stream) return live.stream.buffer.received - live.stream.buffer.length;
  return Math.max(0, live.record.logged - (live.datagram?.pending ?? 0));
}

function safeVars(vars: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return vars();
  } catch {
    return {};
  }
}

const joined = new WeakMap<ChannelRecord, { count: number; bytes: Uint8Array }>();

/** A stream channel's received bytes between two positions (from its log). */
export function streamBytes(rec: ChannelRecord, start: number, end: number): Uint8Array {
  let cached = joined.get(rec);
  if (!cached || cached.count !== rec.chunks.length) {
    cached = { count: rec.chunks.length, bytes: concatBytes(rec.chunks) };
    joined.set(rec, cached);
  }
  return cached.bytes.subarray(start, Math.min(end, cached.bytes.byteLength));
}
