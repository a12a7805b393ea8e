/**
 * Opening connections, listeners, UDP sockets and servers from TypeScript, with the
 * same transports the scripts use.
 *
 * @module
 */
import { parseAddress } from "../address/address.ts";
import { SERVER_STARTERS, type ServerHandle } from "../servers/mod.ts";
import { startServer } from "../servers/workers/pool.ts";
import { type ConnectOptions, connectStream } from "../transport/connect.ts";
import {
  bindDatagram,
  connectDatagram,
  type DatagramChannel,
} from "../transport/datagram_channel.ts";
import {
  type ListenOptions,
  listenStream,
  type StreamListener,
} from "../transport/stream_listener.ts";
import { Connection } from "./connection.ts";

let counter = 0;
const nextName = (prefix: string) => `${prefix}${++counter}`;

/**
 * Connects to `tcp://`, `tls://` or `unix://` address.
 *
 * @example Talk to an echo server
 * ```ts
 * import { connect, serve } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 * await using server = await serve("echo", "tcp://127.0.0.1:0");
 * await using c = await connect(`tcp://127.0.0.1:${server.port}`);
 * await c.send("hello\n");
 * assertEquals(await c.line(), "hello");
 * ```
 */
export async function connect(
  address: string,
  options: Omit<ConnectOptions, "events"> = {},
): Promise<Connection> {
  return new Connection(await connectStream(nextName("c"), parseAddress(address), options));
}

/**
 * A listener whose accepted connections are {@linkcode Connection}s.
 *
 * @example Accept a client and answer it
 * ```ts
 * import { connect, listen } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using l = await listen("tcp://127.0.0.1:0");
 * await using client = await connect(l.address);
 * await using server = await l.accept({ timeoutMs: 2000 });
 * await server.send("220 ready\r\n");
 * assertEquals(await client.line(), "220 ready");
 * ```
 */
export class Listener implements AsyncDisposable {
  /**
   * Wraps a stream listener; {@linkcode listen} makes these.
   *
   * @internal
   */
  constructor(
    /**
     * The underlying listener.
     *
     * @internal
     */
    readonly inner: StreamListener,
  ) {}
  /** The bound address (port 0 resolved). */
  get address(): string {
    return this.inner.address;
  }
  /** The bound port. */
  get port(): number {
    return this.inner.port;
  }
  /** PEM path of a self-signed certificate, for TLS listeners made without one. */
  get certPath(): string | undefined {
    return this.inner.certPath;
  }
  /** Takes the next connection. */
  async accept(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Connection> {
    return new Connection(
      await this.inner.accept(nextName("peer"), {
        timeoutMs: options.timeoutMs ?? 5000,
        signal: options.signal,
      }),
    );
  }
  /** Stops listening. */
  close(): Promise<void> {
    return this.inner.close();
  }
  /** Stops listening at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Listens on `tcp://`, `tls://` (self-signed certificate when none is given) or `unix://`.
 *
 * @example Accept a connection
 * ```ts
 * import { connect, listen } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 * await using l = await listen("tcp://127.0.0.1:0");
 * await using c = await connect(`tcp://127.0.0.1:${l.port}`);
 * await using peer = await l.accept();
 * await c.send("hi");
 * assertEquals(new TextDecoder().decode(await peer.expect("hi")), "hi");
 * ```
 */
export async function listen(
  address: string,
  options: Omit<ListenOptions, "events"> = {},
): Promise<Listener> {
  return new Listener(await listenStream(nextName("l"), parseAddress(address), options));
}

/**
 * Binds a UDP socket (`udp://HOST:PORT`, port 0 for any), or with `connect: true`
 * makes `address` the default peer of an ephemeral socket.
 *
 * @example A datagram round trip
 * ```ts
 * import { bind, serve } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 * await using echo = await serve("echo", "udp://127.0.0.1:0");
 * await using u = bind("udp://127.0.0.1:0");
 * await u.send(new TextEncoder().encode("ping"), `127.0.0.1:${echo.port}`);
 * const d = await u.next({ timeoutMs: 2000 });
 * assertEquals(new TextDecoder().decode(d.bytes), "ping");
 * ```
 */
export function bind(address: string, options: { connect?: boolean } = {}): DatagramChannel {
  const a = parseAddress(address);
  return options.connect ? connectDatagram(nextName("u"), a) : bindDatagram(nextName("u"), a);
}

/**
 * Starts a built-in server (`echo`, `discard`, `chargen`, and the kinds other modules
 * register). `options.workers` (`"2"`) runs that many servers in worker isolates on one
 * port (SO_REUSEPORT), for echo, discard, chargen and http.
 *
 * @example
 * ```ts
 * import { serve } from "../../mod.ts";
 * import { assert } from "@std/assert";
 * await using s = await serve("discard", "tcp://127.0.0.1:0");
 * assert(s.port > 0);
 * ```
 */
export async function serve(
  kind: string,
  address: string,
  options: Record<string, string> = {},
): Promise<ServerHandle> {
  if (!SERVER_STARTERS.has(kind)) {
    throw new TypeError(
      `Cannot serve "${kind}": unknown kind (known: ${[...SERVER_STARTERS.keys()].join(", ")})`,
    );
  }
  return await startServer(kind, parseAddress(address), options);
}
