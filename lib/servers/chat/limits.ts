/**
 * The limits that keep the chat server safe from slow, stuck and hostile clients.
 *
 * @module
 */

/**
 * Tunable limits; every one has a default in {@linkcode DEFAULT_CHAT_LIMITS}.
 *
 * @example Stricter limits
 * ```ts
 * import type { ChatLimits } from "@wireplay/wireplay";
 * const limits: Partial<ChatLimits> = { maxClients: 10, ratePerSecond: 2, burst: 5 };
 * // await startChatServer({ address: "tcp://127.0.0.1:0", ...limits })
 * ```
 */
export interface ChatLimits {
  /** Longest accepted line in bytes, without the line ending (default 2048). */
  maxLineBytes: number;
  /** Bytes queued for one client before it is dropped as too slow (default 256 KiB). */
  maxQueueBytes: number;
  /** Lines per second a client may send on average (default 20). */
  ratePerSecond: number;
  /** Lines a client may send in a burst before the rate applies (default 50). */
  burst: number;
  /** Most simultaneous clients; further ones are told the server is full (default 10000). */
  maxClients: number;
  /** Longest nickname in characters (default 32). */
  maxNickLength: number;
}

/** The defaults: comfortable for people, firm against floods. */
export const DEFAULT_CHAT_LIMITS: Readonly<ChatLimits> = Object.freeze({
  maxLineBytes: 2048,
  maxQueueBytes: 256 * 1024,
  ratePerSecond: 20,
  burst: 50,
  maxClients: 10000,
  maxNickLength: 32,
});
