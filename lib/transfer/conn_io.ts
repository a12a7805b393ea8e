/**
 * The connection a transfer runs over, and what both sides do with it: write whole
 * messages, and turn connection failures into {@linkcode TransferError}s.
 *
 * @module
 */
import { EndOfStreamError } from "./conn_reader.ts";
import { TransferError } from "./errors.ts";
import { ProtocolError } from "./protocol.ts";

/**
 * A connection a transfer runs over (a `Deno.Conn`, `Deno.TlsConn` or an adapter).
 *
 * @example A Deno connection is one
 * ```ts
 * import type { TransferConn } from "@wireplay/wireplay";
 * function asTransferConn(conn: Deno.Conn): TransferConn {
 *   return conn;
 * }
 * ```
 */
export interface TransferConn {
  /** Reads into `into`; the count read, or `null` at the end of the stream. */
  read(into: Uint8Array): Promise<number | null>;
  /** Writes some of `data`; the count written. */
  write(data: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
}

export { writeAll } from "../transport/duplex.ts";

/** Maps connection failures to `interrupted` and protocol violations to `protocol`. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TransferError) throw e;
    if (e instanceof ProtocolError) {
      throw new TransferError("protocol", `Protocol error: ${e.message}`, { cause: e });
    }
    if (e instanceof EndOfStreamError) {
      throw new TransferError("interrupted", "The connection closed before the transfer finished", {
        cause: e,
      });
    }
    if (
      e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
      e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted ||
      e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.UnexpectedEof ||
      (e instanceof Error && /closed|reset|broken pipe|EOF/i.test(e.message))
    ) {
      throw new TransferError("interrupted", `The connection failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (Object.values(Deno.errors).some((c) => e instanceof c)) {
      throw new TransferError("local", (e as Error).message, { cause: e }); // disk full, permissions…
    }
    throw e;
  }
}
