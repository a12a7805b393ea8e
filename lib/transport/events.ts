/**
 * Events a channel or listener announces, for the REPL's live output and for
 * recording a session.
 *
 * @module
 */

/** Something that happened on a named channel. */
export type ChannelEvent =
  | { type: "data"; channel: string; bytes: Uint8Array; from?: string }
  | { type: "sent"; channel: string; bytes: Uint8Array; to?: string }
  | { type: "accepted"; listener: string; remote: string }
  | {
    type: "closed";
    channel: string;
    reason: "eof" | "reset" | "local" | "error";
    message?: string;
  }
  | { type: "error"; channel: string; message: string }
  /** Reading stopped because `unread` bytes wait (interactive backpressure). */
  | { type: "paused"; channel: string; unread: number }
  /** Reading started again after a pause. */
  | { type: "resumed"; channel: string };

/** A listener for channel events. */
export type ChannelEventListener = (event: ChannelEvent) => void;

/** A tiny synchronous event fan-out. */
export class EventHub {
  #listeners = new Set<ChannelEventListener>();
  /** Subscribes; returns the unsubscribe function. */
  on(fn: ChannelEventListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
  /** True when anyone listens (so an emitter can skip building the event). */
  get active(): boolean {
    return this.#listeners.size > 0;
  }
  /** Emits to every listener. */
  emit(event: ChannelEvent): void {
    for (const fn of this.#listeners) fn(event);
  }
}
