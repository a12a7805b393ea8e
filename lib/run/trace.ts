/**
 * Collects a session's exchanges (bytes sent and received per channel, connections
 * accepted and closed) with their times, for the sequence diagram.
 *
 * @module
 */
import type { ChannelEvent } from "../transport/events.ts";
import type { Session } from "./session.ts";
import { maskSecretBytes } from "../secrets/secrets.ts";

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
          bytes: maskSecretBytes(e.bytes).slice(0, KEEP),
          note: size(e.bytes),
        });
        break;
      case "data":
        this.entries.push({
          t,
          channel: e.channel,
          kind: "received",
          bytes: maskSecretBytes(e.bytes).slice(0, KEEP),
          note: size(e.bytes) + (e.from ? ` from ${e.from}` : ""),
        });
        break;
      case "accepted":
        this.entries.push({ t, channel: e.listener, kind: "accepted", note: `from ${e.remote}` });
        break;
      case "closed":
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
  }
}

function size(b: Uint8Array): string {
  return `${b.byteLength} byte${b.byteLength === 1 ? "" : "s"}`;
}
