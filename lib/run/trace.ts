/**
 * Collects a session's exchanges (bytes sent and received per channel, connections
 * accepted and closed) with their times, for the sequence diagram.
 *
 * @module
 */
import type { ChannelEvent } from "../transport/events.ts";
import type { Session } from "./session.ts";
import { maskSecretBytes, maskSecrets, SecretStreamMask } from "../secrets/secrets.ts";
import { escapeForDisplay, toHex } from "../bytes/escape.ts";
import { isBinary } from "../bytes/text.ts";
import type { ExpectationError } from "./failure.ts";

/**
 * One exchange of a script's session, for sequence diagrams and transcripts.
 *
 * @example A line per exchange
 * ```ts
 * import type { TraceEntry } from "@wireplay/wireplay";
 * function line(e: TraceEntry): string {
 *   return `${e.t.toFixed(1)} ms ${e.kind} ${e.channel} ${e.note ?? ""}`;
 * }
 * ```
 */
export interface TraceEntry {
  /** Milliseconds since the trace started. */
  t: number;
  /** The connection, socket or listener (its name in the script). */
  channel: string;
  /**
   * What happened: bytes sent or received, a connection accepted (on a listener), first
   * seen (`opened`: its peer's address), closed, an error.
   */
  kind: "sent" | "received" | "accepted" | "opened" | "closed" | "error";
  /** The bytes (secrets masked; at most the first 256 of a chunk). */
  bytes?: Uint8Array;
  /** How many bytes the chunk had (more than `bytes` holds when it was cut). */
  size?: number;
  /** Size, peer or reason, e.g. `6 bytes from 127.0.0.1:5000`. */
  note?: string;
}

/** The most bytes kept per entry (a trace is for looking at, not replaying). */
const KEEP = 256;

/** Records a session's channel events until stopped. */
export class TraceRecorder {
  readonly entries: TraceEntry[] = [];
  readonly #started = performance.now();
  readonly #stop: () => void;
  /** Masks holding back the start of a secret, by channel, direction and peer. */
  readonly #masks = new Map<
    string,
    { channel: string; kind: "sent" | "received"; mask: SecretStreamMask }
  >();

  /** Channels already seen (their `opened` entry written). */
  readonly #seen = new Set<string>();
  /** Remote addresses of accepted connections. */
  readonly #accepted = new Set<string>();

  constructor(readonly session: Session, readonly limit = 10_000) {
    this.#stop = session.events.on((e) => this.#add(e));
  }

  /** On a channel's first bytes: who is at the other end (a lifeline's peer). */
  #opened(t: number, channel: string): void {
    if (this.#seen.has(channel)) return;
    this.#seen.add(channel);
    const r = this.session.resources.get(channel);
    const remote = r?.stream?.remote ?? r?.datagram?.remote ?? r?.remote?.();
    if (!remote) return;
    const from = this.#accepted.has(remote);
    // a server of this session at that address is named: `to srv (tcp://127.0.0.1:6379)`
    let server: string | undefined;
    for (const [name, other] of this.session.resources) {
      if (other !== r && !other.stream && other.local?.() === remote) server = name;
    }
    const peer = server ? `${server} (${remote})` : remote;
    this.entries.push({ t, channel, kind: "opened", note: `${from ? "from" : "to"} ${peer}` });
  }

  #add(e: ChannelEvent): void {
    if (this.entries.length >= this.limit) return;
    const t = performance.now() - this.#started;
    if (e.type === "sent" || e.type === "data") this.#opened(t, e.channel);
    switch (e.type) {
      case "sent":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "sent",
          bytes: this.#masked(e.channel, "sent", e.to, e.bytes),
          size: e.bytes.byteLength,
          note: size(e.bytes),
        });
        break;
      case "data":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "received",
          bytes: this.#masked(e.channel, "received", e.from, e.bytes),
          size: e.bytes.byteLength,
          note: size(e.bytes) + (e.from ? ` from ${e.from}` : ""),
        });
        break;
      case "accepted":
        this.#accepted.add(e.remote);
        this.entries.push({ t, channel: e.listener, kind: "accepted", note: `from ${e.remote}` });
        break;
      case "closed":
        this.#release(t, e.channel);
        this.entries.push({
          t,
          channel: e.channel,
          kind: "closed",
          note: e.reason + (e.message ? `: ${e.message}` : ""),
        });
        break;
      case "error":
        this.entries.push({ t, channel: e.channel, kind: "error", note: e.message });
        break;
    }
  }

  /** Stops recording. */
  stop(): void {
    this.#stop();
    this.#release(performance.now() - this.#started);
  }

  /** `bytes` masked, with what was held back before; the start of a secret is held back. */
  #masked(
    channel: string,
    kind: "sent" | "received",
    peer: string | undefined,
    bytes: Uint8Array,
  ): Uint8Array {
    // per channel, direction and peer (a datagram socket may hear many)
    const key = `${kind} ${channel} ${peer ?? ""}`;
    const held = this.#masks.get(key);
    const mask = held?.mask ?? new SecretStreamMask();
    const shown = mask.push(bytes).slice(0, KEEP);
    if (mask.holding) this.#masks.set(key, { channel, kind, mask });
    else this.#masks.delete(key);
    return shown;
  }

  /** Adds what was held back for `channel` (every channel when omitted). */
  #release(t: number, channel?: string): void {
    for (const [key, held] of this.#masks) {
      if (channel !== undefined && held.channel !== channel) continue;
      this.#masks.delete(key);
      const bytes = held.mask.flush().slice(0, KEEP);
      this.entries.push({ t, channel: held.channel, kind: held.kind, bytes, note: "continued" });
    }
  }
}

function size(b: Uint8Array): string {
  return `${b.byteLength} byte${b.byteLength === 1 ? "" : "s"}`;
}

/**
 * Where and why a script failed, for the diagram: drawn across it at that time.
 *
 * @example Say where it failed
 * ```ts
 * import type { FailurePoint } from "@wireplay/wireplay";
 * function said(f: FailurePoint): string {
 *   return `${f.reason} on ${f.channel ?? "the script"} after ${f.atMs} ms`;
 * }
 * ```
 */
export interface FailurePoint {
  /** Milliseconds since the trace started. */
  atMs: number;
  /** The channel the failing statement names, when it names one. */
  channel?: string;
  /** One line: `line differs`. */
  reason: string;
  /** What the statement waited for. */
  expected?: string;
  /** What arrived instead, escaped for display (binary as hex). */
  received?: string;
}

/** The most characters of a failure's received bytes shown in a diagram. */
const RECEIVED_SHOWN = 300;

/** The failure point of `e`, which happened `atMs` after the trace started. */
export function failurePoint(e: ExpectationError, atMs: number): FailurePoint {
  const d = e.details;
  const named = e.statement.split(/\s+/)[1];
  let received = d.actual;
  if (d.received) {
    const bytes = maskSecretBytes(d.received);
    received = isBinary(bytes)
      ? `hex ${toHex(bytes.subarray(0, RECEIVED_SHOWN / 3))}${
        bytes.byteLength > RECEIVED_SHOWN / 3 ? " …" : ""
      }`
      : `"${escapeForDisplay(bytes, RECEIVED_SHOWN)}"`;
  }
  return {
    atMs,
    ...(named && /^[A-Za-z_][\w-]*$/.test(named) ? { channel: named } : {}),
    reason: e.reason,
    ...(d.expected !== undefined ? { expected: maskSecrets(d.expected) } : {}),
    ...(received !== undefined ? { received: maskSecrets(received) } : {}),
  };
}
