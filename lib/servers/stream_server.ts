/**
 * A small accept loop shared by the simple stream servers: one handler per
 * connection, every connection tracked so that close() ends them all, and a
 * misbehaving peer only ever ends its own connection.
 *
 * @module
 */
import { AcceptLoop } from "../transport/accept_loop.ts";
import { type Address, formatAddress, formatDenoAddr } from "../address/address.ts";
import { parseDuration } from "../bytes/units.ts";
import { tlsMaterial } from "../transport/stream_listener.ts";
import type { ServeOptions, ServerHandle } from "./server.ts";

/** Handles one connection until it ends. */
export type ConnectionHandler = (conn: Deno.Conn, signal: AbortSignal) => Promise<void>;

/** Listens on a tcp://, tls:// or unix:// address and runs `handler` per connection. */
export async function startStreamServer(
  kind: string,
  address: Address,
  options: ServeOptions,
  handler: ConnectionHandler,
): Promise<ServerHandle> {
  let listener: Deno.Listener;
  let certPath: string | undefined;
  let tmpDir: string | undefined;
  // `reuse-port`: one of several workers on the same port (`serve … --workers N`)
  const reusePort = options["reuse-port"] === "true";
  if (address.scheme === "tcp") {
    listener = Deno.listen({ hostname: address.host, port: address.port, reusePort });
  } else if (address.scheme === "unix") {
    listener = Deno.listen({ transport: "unix", path: address.path });
  } else if (address.scheme === "tls") {
    const m = await tlsMaterial(options);
    certPath = m.certPath;
    tmpDir = m.tmpDir;
    listener = Deno.listenTls({
      hostname: address.host,
      port: address.port,
      cert: m.cert,
      key: m.key,
      reusePort,
    });
  } else throw new Error(`serve ${kind} cannot listen on ${formatAddress(address)}`);

  const watchers = new Set<(line: string) => void>();
  const tell = (line: string) => {
    for (const fn of watchers) fn(line);
  };
  const loop: AcceptLoop = new AcceptLoop(
    listener,
    (conn): Promise<void> => {
      if (watchers.size === 0) return handler(conn, loop.signal);
      const client = formatDenoAddr(conn.remoteAddr);
      tell(`client ${client} connected`);
      return handler(conn, loop.signal).finally(() => tell(`client ${client} left`));
    },
    {
      closeConnections: true,
      handshakeTimeoutMs: handshakeTimeout(options),
      log: (line) => console.error(`${kind}: ${line}`),
    },
  );
  const a = listener.addr;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await loop.close();
      if (tmpDir) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    })();
  return {
    kind,
    address: formatDenoAddr(a, address.scheme === "tls" ? "tls" : undefined),
    host: "hostname" in a ? a.hostname : "",
    port: "port" in a ? a.port : 0,
    certPath,
    finished: loop.accepting.then(() => closing),
    close,
    watch(fn) {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    [Symbol.asyncDispose]: close,
  };
}

/** The `handshake-timeout` option in milliseconds, when given. */
export function handshakeTimeout(options: ServeOptions): number | undefined {
  const text = options["handshake-timeout"];
  return text === undefined ? undefined : parseDuration(text, "handshake-timeout");
}
