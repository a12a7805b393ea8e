/** Helpers for the certificate tests: a one-shot TLS server and an openssl runner. */
import { output, within } from "../helpers/process.ts";

/** Listens with `cert`/`key` on `hostname`, answers one `hello` per connection, closes on dispose. */
export function tlsHelloServer(
  cert: string,
  key: string,
  hostname = "127.0.0.1",
): { port: number; [Symbol.asyncDispose](): Promise<void> } {
  const listener = Deno.listenTls({ hostname, port: 0, cert, key });
  const conns = new Set<Deno.TlsConn>();
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        try {
          await conn.handshake();
          await conn.write(new TextEncoder().encode("hello"));
        } catch {
          // a client that refused our certificate
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        }
      })();
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
    },
  };
}

/** Connects with TLS, verifying against `caCerts`; returns the first bytes the server sent. */
export async function tlsHello(
  port: number,
  opts: { hostname: string; caCerts?: string[] },
): Promise<string> {
  const conn = await Deno.connectTls({
    hostname: opts.hostname,
    port,
    caCerts: opts.caCerts,
  } as Deno.ConnectTlsOptions);
  let text = "";
  try {
    await within(
      (async () => {
        await conn.handshake();
        const buf = new Uint8Array(16);
        while (text.length < 5) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += new TextDecoder().decode(buf.subarray(0, n));
        }
      })(),
      10_000,
      () =>
        `the TLS handshake and hello from ${opts.hostname}:${port} (got ${JSON.stringify(text)})`,
    );
    return text;
  } finally {
    conn.close();
  }
}

/** Runs openssl with `args`; returns exit code and both outputs. */
export async function openssl(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const r = await output("openssl", { args }); // past 30 s: killed, failing by name
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

/** The CLI entry point the tests run as a subprocess. */
export const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** Runs `cli.ts ARGS` as a subprocess; returns exit code and outputs. */
export async function runCli(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const r = await output(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { NO_COLOR: "1" },
    deadlineMs: 60_000, // a hung run is killed, failing by name
  });
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}
