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
  /** Per channel and direction: a secret cut between two chunks is still masked whole. */
  readonly #masks = new Map<string, SecretStreamMask>();

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
          bytes: this.#mask(e.channel, "sent").push(e.bytes).slice(0, KEEP),
          note: size(e.bytes),
        });
        break;
      case "data":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "received",
          bytes: this.#mask(e.channel, "received").push(e.bytes).slice(0, KEEP),
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
    const t = performance.now() - this.#started;
    for (
      const channel of new Set([...this.#masks.keys()].map((k) => k.slice(k.indexOf(" ") + 1)))
    ) {
      this.#release(t, channel);
    }
  }

  #mask(channel: string, kind: "sent" | "received"): SecretStreamMask {
    const key = `${kind} ${channel}`;
    let mask = this.#masks.get(key);
    if (!mask) this.#masks.set(key, mask = new SecretStreamMask());
    return mask;
  }

  /** Adds what a channel's masks held back (the start of a secret that never came). */
  #release(t: number, channel: string): void {
    for (const kind of ["sent", "received"] as const) {
      const key = `${kind} ${channel}`;
      const held = this.#masks.get(key)?.flush();
      this.#masks.delete(key);
      if (held?.byteLength) {
        this.entries.push({ t, channel, kind, bytes: held.slice(0, KEEP), note: "continued" });
      }
    }
  }
}

function size(b: Uint8Array): string {
  return `${b.byteLength} byte${b.byteLength === 1 ? "" : "s"}`;
}
