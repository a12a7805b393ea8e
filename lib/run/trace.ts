/**
 * Collects a session's exchanges (bytes sent and received per channel, connections
 * accepted and closed) with their times, for the sequence diagram.
 *
 * @module
 */
import type { ChannelEvent } from "../transport/events.ts";
import type { Session } from "./session.ts";
import { SecretStreamMask } from "../secrets/secrets.ts";

/** One exchange. */
export interface TraceEntry {
  /** Milliseconds since the trace started. */
  t: number;
  channel: string;
  kind: "sent" | "received" | "accepted" | "closed" | "error";
  bytes?: Uint8Array;
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

  constructor(session: Session, readonly limit = 10_000) {
    this.#stop = session.events.on((e) => this.#add(e));
  }

  #add(e: ChannelEvent): void {
    if (this.entries.length >= this.limit) return;
    const t = performance.now() - this.#started;
    switch (e.type) {
      case "sent":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "sent",
          bytes: this.#masked(e.channel, "sent", e.to, e.bytes),
          note: size(e.bytes),
        });
        break;
      case "data":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "received",
          bytes: this.#masked(e.channel, "received", e.from, e.bytes),
          note: size(e.bytes) + (e.from ? ` from ${e.from}` : ""),
        });
        break;
      case "accepted":
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
