/**
 * Telling a real peer from a stranger on a listening socket: wait for the first bytes a
 * connection sends (a port probe sends none, a scanner sends something else) and give the
 * connection back with those bytes still to be read.
 *
 * @module
 */
import type { TransferConn } from "./conn_io.ts";

/** What the first bytes of a connection turned out to be. */
export type FirstBytes =
  | { ok: true; conn: TransferConn }
  | { ok: false; why: string };

/**
 * Reads until `expected.length` bytes arrived and compares them with `expected`.
 *
 * @returns the connection, its first bytes unread again, when they match; otherwise why
 * not (closed without a byte, other bytes, nothing within `timeoutMs`), the connection closed.
 */
export async function expectFirstBytes(
  conn: TransferConn,
  expected: Uint8Array,
  timeoutMs: number,
): Promise<FirstBytes> {
  const got = new Uint8Array(expected.length);
  let len = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    closeQuietly(conn);
  }, timeoutMs);
  try {
    while (len < expected.length) {
      const n = await conn.read(got.subarray(len));
      if (n === null) break;
      len += n;
      if (!startsLike(got.subarray(0, len), expected)) break;
    }
  } catch (e) {
    if (!timedOut) closeQuietly(conn);
    return {
      ok: false,
      why: timedOut
        ? `sent ${len ? "too little" : "nothing"} within ${timeoutMs}ms`
        : (e as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
  if (len === expected.length && startsLike(got, expected)) {
    return { ok: true, conn: replaying(conn, got) };
  }
  closeQuietly(conn);
  if (len === 0) return { ok: false, why: "closed without sending anything" };
  if (startsLike(got.subarray(0, len), expected)) {
    return { ok: false, why: `closed after ${len} byte(s)` };
  }
  return { ok: false, why: "sent bytes that are not a file transfer" };
}

function startsLike(got: Uint8Array, expected: Uint8Array): boolean {
  return got.every((b, i) => b === expected[i]);
}

/** The connection with `first` read again before anything else. */
function replaying(conn: TransferConn, first: Uint8Array): TransferConn {
  let pending: Uint8Array | undefined = first;
  return {
    read(into) {
      if (!pending) return conn.read(into);
      const n = Math.min(into.length, pending.length);
      into.set(pending.subarray(0, n));
      pending = n < pending.length ? pending.subarray(n) : undefined;
      return Promise.resolve(n);
    },
    write: (data) => conn.write(data),
    close: () => conn.close(),
  };
}

function closeQuietly(conn: TransferConn): void {
  try {
    conn.close();
  } catch { /* closed */ }
}
