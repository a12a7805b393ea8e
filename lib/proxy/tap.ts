/**
 * What an observer of a proxy (the recorder, a REPL printing traffic) is told about each
 * connection, in the order it happened.
 *
 * @module
 */
import type { Direction } from "./faults.ts";

/**
 * A proxied connection as an observer sees it.
 *
 * @example Name a connection
 * ```ts
 * import type { TapConnection } from "@wireplay/wireplay/proxy";
 * function label(c: TapConnection): string {
 *   return `#${c.id} ${c.client} -> ${c.upstream}`;
 * }
 * ```
 */
export interface TapConnection {
  /** 1, 2, 3… in the order the proxy accepted them. */
  id: number;
  /** The client's address, e.g. `tcp://127.0.0.1:51234`. */
  client: string;
  /** The upstream address dialed for it. */
  upstream: string;
}

/**
 * How a connection ended.
 *
 * @example Ended by a fault?
 * ```ts
 * import type { TapEnd } from "@wireplay/wireplay/proxy";
 * function byFault(how: TapEnd): boolean {
 *   return how === "fault-reset" || how === "fault-close";
 * }
 * ```
 */
export type TapEnd = "closed" | "reset" | "fault-reset" | "fault-close" | "stopped";

/**
 * Receives the events of every proxied connection. Calls must not throw or block.
 *
 * @example Count bytes each way
 * ```ts
 * import type { ProxyTap } from "@wireplay/wireplay/proxy";
 * const bytes = { up: 0, down: 0 };
 * const counter: ProxyTap = {
 *   open: () => {},
 *   data: (_conn, direction, chunk) => {
 *     bytes[direction] += chunk.byteLength;
 *   },
 *   eof: () => {},
 *   close: () => {},
 * };
 * // await startProxy({ listen, upstream, tap: counter })
 * ```
 */
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
