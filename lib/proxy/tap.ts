/**
 * What an observer of a proxy (the recorder, a REPL printing traffic) is told about each
 * connection, in the order it happened.
 *
 * @module
 */
import type { Direction } from "./faults.ts";

/** A proxied connection as an observer sees it. */
export interface TapConnection {
  /** 1, 2, 3… in the order the proxy accepted them. */
  id: number;
  /** The client's address, e.g. `tcp://127.0.0.1:51234`. */
  client: string;
  /** The upstream address dialed for it. */
  upstream: string;
}

/** How a connection ended. */
export type TapEnd = "closed" | "reset" | "fault-reset" | "fault-close" | "stopped";

/** Receives the events of every proxied connection. Calls must not throw or block. */
export interface ProxyTap {
  /** The upstream connection is up; bytes may follow. */
  open(conn: TapConnection): void;
  /**
   * Bytes forwarded in a direction: a view, valid only during the call (copy to keep).
   * Returning a promise holds this direction back until it settles (backpressure).
   */
  data(conn: TapConnection, direction: Direction, bytes: Uint8Array): void | Promise<void>;
  /** The sender of a direction closed its side (half-close), passed on to the other. */
  eof(conn: TapConnection, direction: Direction): void;
  /** The connection is over. */
  close(conn: TapConnection, how: TapEnd): void;
}
