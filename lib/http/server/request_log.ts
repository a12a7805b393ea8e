/**
 * The record of requests a built-in HTTP server received, for scripts to assert on
 * (`expect request NAME …`).
 *
 * @module
 */

/**
 * One request as the server saw it.
 *
 * @example One access-log line
 * ```ts
 * import type { RecordedRequest } from "@wireplay/wireplay/http";
 * function accessLine(r: RecordedRequest): string {
 *   return `${r.method} ${r.path}${r.query} ${r.status ?? "-"}`;
 * }
 * ```
 */
export interface RecordedRequest {
  /** Position in the log, from 1. */
  seq: number;
  /** `GET`, `POST`, … */
  method: string;
  /** The path, percent-encoded as received, without the query. */
  path: string;
  /** The query string without `?`, or `""`. */
  query: string;
  /** The request headers (names compare case-insensitively). */
  headers: Headers;
  /** The body bytes (cut at the log's body cap). */
  body: Uint8Array;
  /** Whether `body` was cut. */
  bodyTruncated: boolean;
  /** The peer, `HOST:PORT`, when known. */
  remote?: string;
  /** When the request arrived, ms since the epoch. */
  time: number;
  /** The status answered, once the response (its head) was produced. */
  status?: number;
  /** Ms from the request's arrival (its body read) to its response's head, once produced. */
  durationMs?: number;
}

/**
 * A bounded, append-only log of received requests, with waiters for scripts.
 *
 * @example What a server received
 * ```ts
 * import { httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * await httpRequest({ method: "POST", url: `${api.url}/post`, body: "x=1" });
 * assertEquals(api.log.count, 1);
 * assertEquals(api.log.last()?.method, "POST");
 * ```
 */
export class RequestLog {
  #entries: RecordedRequest[] = [];
  #count = 0;
  #waiters = new Set<() => void>();
  #answerWatchers = new Set<(entry: RecordedRequest) => void>();
  #max: number;

  /**
   * Makes an empty log.
   *
   * @param max How many entries to keep; the oldest are dropped first.
   */
  constructor(max = 1000) {
    this.#max = max;
  }

  /** Appends a request (its `seq` is assigned here) and wakes waiters. */
  add(entry: Omit<RecordedRequest, "seq">): RecordedRequest {
    const full = { ...entry, seq: ++this.#count };
    this.#entries.push(full);
    if (this.#entries.length > this.#max) this.#entries.shift();
    for (const wake of [...this.#waiters]) wake();
    return full;
  }

  /** Records the status a request was answered with (and how long that took); tells watchers. */
  answered(entry: RecordedRequest, status: number, durationMs: number): void {
    entry.status = status;
    entry.durationMs = durationMs;
    for (const fn of [...this.#answerWatchers]) fn(entry);
  }

  /** Calls `fn` each time a request has been answered (an access log); returns the unsubscribe function. */
  onAnswered(fn: (entry: RecordedRequest) => void): () => void {
    this.#answerWatchers.add(fn);
    return () => this.#answerWatchers.delete(fn);
  }

  /** Every kept entry, oldest first. */
  get entries(): readonly RecordedRequest[] {
    return this.#entries;
  }

  /** How many requests arrived in total (including those dropped from the log). */
  get count(): number {
    return this.#count;
  }

  /** The most recent entry. */
  last(): RecordedRequest | undefined {
    return this.#entries.at(-1);
  }

  /** Forgets every entry and resets the count. */
  clear(): void {
    this.#entries = [];
    this.#count = 0;
  }

  /**
   * Resolves when `predicate` holds over the log, or rejects after `timeoutMs`.
   *
   * @returns the entries that satisfied the predicate's filter, as the predicate returned them.
   */
  waitFor<T>(
    predicate: (entries: readonly RecordedRequest[]) => T | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    const now = predicate(this.#entries);
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener("abort", onAbort);
      };
      const check = () => {
        const v = predicate(this.#entries);
        if (v !== undefined) {
          done();
          resolve(v);
        }
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching request within ${timeoutMs}ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
