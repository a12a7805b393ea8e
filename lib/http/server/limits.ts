/**
 * The size and time limits of the built-in HTTP server, so one hostile or careless client
 * cannot hold memory or a request open without bound.
 *
 * @module
 */

/**
 * Caps applied to every request the built-in HTTP server handles.
 *
 * @example Stricter than the defaults
 * ```ts
 * import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "@wireplay/wireplay/http";
 * const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, maxBodyBytes: 64 * 1024 };
 * ```
 */
export interface HttpLimits {
  /** Largest request line (and, behind the guard, first request head), bytes; 431 beyond. */
  maxHeaderBytes: number;
  /** Largest request body, bytes; 413 beyond. */
  maxBodyBytes: number;
  /** Longest time to receive a request body, ms; 408 beyond. */
  requestTimeoutMs: number;
  /** Largest `/delay/:s`, `/drip` duration or route delay, ms. */
  maxDelayMs: number;
  /** Largest `/bytes/:n`, `/drip` or `/stream-bytes` payload, bytes. */
  maxGeneratedBytes: number;
  /** How many requests the request log keeps (oldest dropped first). */
  maxLoggedRequests: number;
  /** How many body bytes of each request the request log keeps. */
  maxLoggedBodyBytes: number;
  /**
   * Most bytes of request bodies and in-memory answers (echoes) held at once for all
   * clients together; 503 beyond (see `memory_budget.ts`).
   */
  maxBufferedBytes: number;
}

/**
 * The limits used when a caller sets none.
 *
 * @example The default request limits
 * ```ts
 * import { DEFAULT_HTTP_LIMITS } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * assertEquals(DEFAULT_HTTP_LIMITS.maxHeaderBytes, 16 * 1024);
 * ```
 */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  maxDelayMs: 10_000,
  maxGeneratedBytes: 10 * 1024 * 1024,
  maxLoggedRequests: 1000,
  maxLoggedBodyBytes: 64 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
});

/** Fills in the defaults for the limits a caller left out. */
export function resolveLimits(partial: Partial<HttpLimits> = {}): HttpLimits {
  return { ...DEFAULT_HTTP_LIMITS, ...partial };
}
