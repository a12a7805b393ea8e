import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A line-reading chat test client over a real socket. */

const enc = new TextEncoder();

/** A connected client that collects every line it receives. */
export class ChatTestClient implements AsyncDisposable {
  readonly lines: string[] = [];
  #waiters: { pred: (line: string) => boolean; resolve: (l: string) => void }[] = [];
  #endWaiters: (() => void)[] = [];
  #ended = false;
  #loop: Promise<void>;
  /** Count of lines matching the `<nick> ` message shape. */
  messages = 0;

  /** Lines not kept (see `keep`), only counted. */
  skipped = 0;
  /** Which lines to keep in `lines`; the rest are only counted (big floods). */
  keep: (line: string) => boolean = () => true;

  constructor(readonly conn: Deno.Conn, readonly reading = true) {
    this.#loop = reading ? this.#read() : Promise.resolve();
  }

  /** Connects to a TCP (or TLS, with `caCerts`) chat server. */
  static async connect(
    port: number,
    opts: { tls?: string[]; hostname?: string; reading?: boolean } = {},
  ) {
    const hostname = opts.hostname ?? "127.0.0.1";
    const conn = opts.tls
      ? await Deno.connectTls({ hostname, port, caCerts: opts.tls })
      : await Deno.connect({ hostname, port });
    return new ChatTestClient(conn, opts.reading ?? true);
  }

  async #read(): Promise<void> {
    const dec = new TextDecoder();
    const buf = new Uint8Array(16384);
    let pending = "";
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        pending += dec.decode(buf.subarray(0, n), { stream: true });
        let nl: number;
        while ((nl = pending.indexOf("\n")) !== -1) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          this.#got(line);
        }
      }
    } catch {
      // closed by us or reset by the server
    } finally {
      this.#ended = true;
      for (const w of this.#endWaiters.splice(0)) w();
    }
  }

  #got(line: string): void {
    if (this.keep(line)) this.lines.push(line);
    else this.skipped++;
    if (line.startsWith("<")) this.messages++;
    for (let i = 0; i < this.#waiters.length; i++) {
      const w = this.#waiters[i]!;
      if (w.pred(line)) {
        this.#waiters.splice(i--, 1);
        w.resolve(line);
      }
    }
  }

  /** Sends text as is. */
  async send(text: string): Promise<void> {
    const data = enc.encode(text);
    let off = 0;
    while (off < data.length) off += await this.conn.write(data.subarray(off));
  }

  /** Resolves with the first line (already received or future) matching `pred`. */
  waitFor(pred: ((line: string) => boolean) | string, timeoutMs = 20000): Promise<string> {
    const p = typeof pred === "string" ? (l: string) => l === pred : pred;
    const seen = this.lines.find(p);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out waiting for a line; last lines: ${JSON.stringify(this.lines.slice(-5))}`,
          ),
        );
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(t);
        resolve(l);
      };
      this.#waiters.push({ pred: p, resolve: done });
    });
  }

  /** Resolves once `cond()` holds, checking after every line received. */
  waitUntil(cond: () => boolean, timeoutMs = 20000): Promise<void> {
    if (cond()) return Promise.resolve();
    return this.waitFor(() => cond(), timeoutMs).then(() => {});
  }

  /** Resolves when the server closed the connection. */
  ended(timeoutMs = 20000): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error("timed out waiting for the server to close")),
        timeoutMs,
      );
      this.#endWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Closes the connection and waits for the reader. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* closed */ }
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Live heap bytes after a full garbage collection (V8's gc, exposed at run time). */
export function liveHeapBytes(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return Deno.memoryUsage().heapUsed;
}
