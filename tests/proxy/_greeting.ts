/**
 * A small SMTP-style test service that speaks first: a `220` greeting, `HELO x` →
 * `250 hello x`, `WAIT` → `250 waiting` and, a moment later, an unasked
 * `NOTICE tick` push, `QUIT` → `221 bye` and close. Plus a client that talks to it
 * line by line and returns the transcript.
 *
 * @module
 */
import { serve, type TestServer, writeAll } from "./_helpers.ts";
import { within } from "../helpers/process.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads lines from a connection. */
export class Lines {
  #buf = "";
  #chunk = new Uint8Array(4096);
  constructor(readonly conn: Deno.Conn) {}
  /** The next line without its `\r\n`, or undefined at EOF; fails after `ms` (10 s). */
  async next(ms = 10_000): Promise<string | undefined> {
    while (true) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl).replace(/\r$/, "");
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      const n = await within(
        this.conn.read(this.#chunk),
        ms,
        () => `a line (got ${JSON.stringify(this.#buf)})`,
      );
      if (n === null) return undefined;
      this.#buf += dec.decode(this.#chunk.subarray(0, n));
    }
  }
}

/** Starts the greeting service on 127.0.0.1:0. */
export function greetingServer(): TestServer {
  return serve(async (conn) => {
    await writeAll(conn, enc.encode("220 wireplay-test ESMTP ready\r\n"));
    const lines = new Lines(conn);
    while (true) {
      const line = await lines.next();
      if (line === undefined) return;
      const [cmd, ...rest] = line.split(" ");
      switch (cmd?.toUpperCase()) {
        case "HELO":
          await writeAll(conn, enc.encode(`250 hello ${rest.join(" ")}\r\n`));
          break;
        case "WAIT":
          await writeAll(conn, enc.encode("250 waiting\r\n"));
          await new Promise((r) => setTimeout(r, 30));
          await writeAll(conn, enc.encode("NOTICE tick\r\n"));
          break;
        case "QUIT":
          await writeAll(conn, enc.encode("221 bye\r\n"));
          await conn.closeWrite();
          await lines.next();
          return;
        default:
          await writeAll(conn, enc.encode(`500 unknown ${cmd}\r\n`));
      }
    }
  });
}

/** Talks to the service at `port` as `name`; returns every line it received. */
export async function greetingClient(port: number, name = "me"): Promise<string[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = new Lines(conn);
    const got: string[] = [];
    const read = async () => got.push((await lines.next()) ?? "<eof>");
    await read();
    await writeAll(conn, enc.encode(`HELO ${name}\r\n`));
    await read();
    await writeAll(conn, enc.encode("WAIT\r\n"));
    await read();
    await read();
    await writeAll(conn, enc.encode("QUIT\r\n"));
    await read();
    got.push((await lines.next()) ?? "<eof>");
    return got;
  } finally {
    conn.close();
  }
}
