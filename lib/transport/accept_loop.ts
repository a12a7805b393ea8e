/**
 * The accept loop every server shares: one handler task per connection, all tracked, so
 * that `close()` stops accepting and waits until every connection's handler is done. A
 * handler's failure ends only its own connection.
 *
 * Accepting never dies of a transient error (out of file descriptors, a connection
 * aborted before it was taken…): the loop backs off (10 ms doubling to 200 ms), retries,
 * logs one line when such a burst starts and one when accepting works again. A TLS
 * listener's handshake runs in the connection's own task with a deadline, so a peer
 * that never completes it holds up nobody else.
 *
 * @module
 */
import { formatHostPort } from "../address/address.ts";

/** Default time a TLS client gets to complete its handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 200;

/** Options for {@linkcode AcceptLoop}. */
export interface AcceptLoopOptions {
  /**
   * Told of an accept error not known to be transient (once per burst); the loop still
   * backs off and retries while the listener is open.
   */
  onError?: (error: unknown) => void;
  /** Told one line per burst of transient accept failures, per failed handshake, per recovery. */
  log?: (line: string) => void;
  /** Close each connection when its handler ends, and all of them on close(). */
  closeConnections?: boolean;
  /** TLS listeners: a handshake not complete within this is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
}

/**
 * True for accept errors that pass: descriptors or memory run out, a connection reset or
 * aborted before it was taken, an interrupted call. Retrying later is the cure.
 */
export function isTransientAcceptError(e: unknown): boolean {
  if (
    e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.Interrupted || e instanceof Deno.errors.WouldBlock ||
    e instanceof Deno.errors.TimedOut || e instanceof Deno.errors.ConnectionRefused
  ) return true;
  const m = e instanceof Error ? /os error (\d+)/.exec(e.message) : null;
  // EPERM EINTR EAGAIN ENOMEM ENFILE EMFILE ENONET EPROTO ENETDOWN ENETUNREACH ECONNABORTED
  // ENOBUFS ETIMEDOUT EHOSTUNREACH
  return m !== null && [1, 4, 11, 12, 23, 24, 64, 71, 100, 101, 103, 105, 110, 113].includes(
    Number(m[1]),
  );
}

/** What an accepted connection must have: a `Deno.Conn` or a `ByteDuplex` fits. */
export interface AcceptedConn {
  readonly remoteAddr: Deno.Addr;
  close(): void;
}

/** Where connections come from: a `Deno.Listener` fits. */
export interface AcceptSource<C extends AcceptedConn> {
  accept(): Promise<C>;
  close(): void;
}

/** Adapts a listener that is only async-iterable (e.g. node:tls behind mutual TLS). */
export function acceptSource<C extends AcceptedConn>(
  source: AsyncIterable<C> & { close(): void },
): AcceptSource<C> {
  if ("accept" in source) return source as unknown as AcceptSource<C>;
  const it = source[Symbol.asyncIterator]();
  return {
    accept: async () => {
      const next = await it.next();
      if (next.done) throw new Deno.errors.BadResource("the listener is closed");
      return next.value;
    },
    close: () => source.close(),
  };
}

/** Runs `handle` for every connection a listener accepts, until closed. */
export class AcceptLoop<C extends AcceptedConn = Deno.Conn> implements AsyncDisposable {
  readonly #stop = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #conns = new Set<C>();
  readonly #loop: Promise<void>;

  constructor(
    readonly listener: AcceptSource<C>,
    handle: (conn: C) => Promise<void>,
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

  async #run(handle: (conn: C) => Promise<void>): Promise<void> {
    const log = this.options.log ?? (() => {});
    let failures = 0;
    let burstStart = 0;
    let backoff = FIRST_BACKOFF_MS;
    while (!this.#stop.signal.aborted) {
      let conn: C;
      try {
        conn = await this.listener.accept();
      } catch (e) {
        if (this.#stop.signal.aborted || e instanceof Deno.errors.BadResource) return;
        if (failures++ === 0) {
          burstStart = performance.now();
          // an error we do not know as transient is reported too, but the loop never gives
          // up while its listener is open: a server that stops accepting for good is worse
          if (!isTransientAcceptError(e)) this.options.onError?.(e);
          log(`cannot accept: ${(e as Error).message}; retrying`);
        }
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (failures > 0) {
        const ms = Math.round(performance.now() - burstStart);
        log(`accepting again after ${failures} failed attempt(s) in ${ms}ms`);
        failures = 0;
        backoff = FIRST_BACKOFF_MS;
      }
      this.#start(conn, handle);
    }
  }

  #start(conn: C, handle: (conn: C) => Promise<void>): void {
    try {
      if ("setNoDelay" in conn) (conn as unknown as Deno.TcpConn).setNoDelay(true);
    } catch { /* not a socket that has it */ }
    this.#conns.add(conn);
    const task: Promise<void> = this.#handshake(conn)
      .then((ok) => {
        // without closeConnections the handler owns the connection once it has it
        if (!this.options.closeConnections) this.#conns.delete(conn);
        return ok ? handle(conn) : undefined;
      })
      .catch(() => {}) // a peer's failure ends only its own connection
      .finally(() => {
        this.#tasks.delete(task);
        this.#conns.delete(conn);
        if (this.options.closeConnections) closeQuietly(conn);
      });
    this.#tasks.add(task);
  }

  /** Completes a TLS handshake within the deadline; closes the connection when it fails. */
  async #handshake(conn: C): Promise<boolean> {
    if (!("handshake" in conn)) return true;
    const ms = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeQuietly(conn);
    }, ms);
    try {
      await (conn as unknown as Deno.TlsConn).handshake();
      return true;
    } catch (e) {
      closeQuietly(conn);
      if (!this.#stop.signal.aborted) {
        const why = timedOut ? `no TLS handshake within ${ms}ms` : (e as Error).message;
        this.options.log?.(`${peerText(conn.remoteAddr)}: dropped: ${why}`);
      }
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#stop.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#stop.signal.addEventListener("abort", done, { once: true });
    });
  }
}

function peerText(addr: Deno.Addr): string {
  return "hostname" in addr ? formatHostPort(addr.hostname, addr.port) : "unix peer";
}

function closeQuietly(conn: AcceptedConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
