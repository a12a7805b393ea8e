/**
 * The accept loop every server shares: one handler task per connection, all tracked, so
 * that `close()` stops accepting and waits until every connection's handler is done. A
 * handler's failure ends only its own connection.
 *
 * @module
 */

/** Options for {@linkcode AcceptLoop}. */
export interface AcceptLoopOptions {
  /** Told when the listener itself fails; without it the failure is thrown by close(). */
  onError?: (error: unknown) => void;
  /** Close each connection when its handler ends, and all of them on close(). */
  closeConnections?: boolean;
}

/** Runs `handle` for every connection a listener accepts, until closed. */
export class AcceptLoop implements AsyncDisposable {
  readonly #stop = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #conns = new Set<Deno.Conn>();
  readonly #loop: Promise<void>;

  constructor(
    readonly listener: Deno.Listener,
    handle: (conn: Deno.Conn) => Promise<void>,
    readonly options: AcceptLoopOptions = {},
  ) {
    this.#loop = this.#run(handle);
  }

  /** Aborted once close() begins: handlers watch it to end their connection. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Resolves when the listener has stopped accepting. */
  get accepting(): Promise<void> {
    return this.#loop;
  }

  /** Stops accepting, then waits for every connection's handler to finish. */
  async close(): Promise<void> {
    if (!this.#stop.signal.aborted) {
      this.#stop.abort();
      try {
        this.listener.close();
      } catch { /* closed */ }
      for (const c of this.#conns) closeQuietly(c);
    }
    await this.#loop;
    while (this.#tasks.size) await Promise.all([...this.#tasks]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #run(handle: (conn: Deno.Conn) => Promise<void>): Promise<void> {
    try {
      for await (const conn of this.listener) {
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
        if (this.options.closeConnections) this.#conns.add(conn);
        const task: Promise<void> = handle(conn)
          .catch(() => {}) // a peer's failure ends only its own connection
          .finally(() => {
            this.#tasks.delete(task);
            if (this.options.closeConnections) {
              this.#conns.delete(conn);
              closeQuietly(conn);
            }
          });
        this.#tasks.add(task);
      }
    } catch (e) {
      if (this.#stop.signal.aborted) return;
      if (this.options.onError) this.options.onError(e);
      else throw e;
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
