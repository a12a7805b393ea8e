/**
 * Reads from a connection with deadlines, for tools that wait a short while for a peer.
 *
 * @module
 */

/**
 * Reads a connection in bounded waits. A read still pending when a wait ends is kept
 * for the next call, so no bytes are lost between waits.
 */
export class DeadlineReader {
  #conn: Deno.Conn;
  #buf = new Uint8Array(16 * 1024);
  #pending: Promise<number | null> | undefined;
  /** True once the peer has closed (or the connection failed). */
  eof = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /**
   * Reads what arrives within `ms`, up to `limit` bytes: waits for the first bytes, then
   * keeps reading while more arrive within `settleMs` of the last.
   *
   * @returns The bytes read; empty when nothing came.
   */
  async read(ms: number, limit = 1024, settleMs = 100): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let n = 0;
    const deadline = performance.now() + ms;
    while (n < limit && !this.eof) {
      const wait = n === 0 ? deadline - performance.now() : settleMs;
      if (wait <= 0) break;
      this.#pending ??= this.#conn.read(this.#buf).catch(() => null);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const got = await Promise.race([
        this.#pending,
        new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), wait)),
      ]);
      clearTimeout(timer);
      if (got === "timeout") break;
      this.#pending = undefined;
      if (got === null) {
        this.eof = true;
        break;
      }
      const take = Math.min(got, limit - n);
      parts.push(this.#buf.slice(0, take));
      n += take;
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
