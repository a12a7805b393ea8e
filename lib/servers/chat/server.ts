/**
 * The chat server (SPEC §7 `serve chat`): a line-based chat room over TCP, TLS or a
 * Unix socket that `nc` is comfortable with.
 *
 * @module
 */
import {
  type Address,
  formatDenoAddr,
  formatHostPort,
  parseAddress,
} from "../../address/address.ts";
import { selfSignedCertificate } from "../../tls/self_signed.ts";
import { AcceptLoop } from "../../transport/accept_loop.ts";
import { ChatHub } from "./hub.ts";
import { type ChatLimits, DEFAULT_CHAT_LIMITS } from "./limits.ts";
import { runChatSession } from "./session.ts";

/**
 * Options for {@linkcode startChatServer}.
 *
 * @example A room with a welcome line
 * ```ts
 * import type { ChatServerOptions } from "@wireplay/wireplay";
 * const options: ChatServerOptions = { address: "tcp://127.0.0.1:0", welcome: "be nice", maxClients: 50 };
 * // await startChatServer(options)
 * ```
 */
export interface ChatServerOptions extends Partial<ChatLimits> {
  /** Where to listen: `tcp://127.0.0.1:0`, `tls://…`, `unix:///path`, or an {@linkcode Address}. */
  address: string | Address;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /** PEM certificate chain for `tls://`; a fresh self-signed one when absent. */
  cert?: string;
  /** PEM private key for `tls://`. */
  key?: string;
  /** The greeting each client gets first. */
  welcome?: string;
  /** Receives one line per connection, nick change, leave and drop. */
  log?: (line: string) => void;
  /** TLS: a client whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
}

/**
 * A running chat server.
 *
 * @example Join a room with a client
 * ```ts
 * import { connect, type ChatServer, startChatServer } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using chat: ChatServer = await startChatServer({ address: "tcp://127.0.0.1:0" });
 * await using c = await connect(chat.address);
 * await c.expect(/nick/i, { timeoutMs: 2000 });
 * assertEquals(chat.clients, 1);
 * ```
 */
export interface ChatServer extends AsyncDisposable {
  /** The bound socket address (port 0 resolved). */
  readonly addr: Deno.Addr;
  /** The bound address as text, e.g. `tls://127.0.0.1:40123`. */
  readonly address: string;
  /** The certificate served over TLS (PEM), to trust in a client. */
  readonly certPem?: string;
  /** Number of connected clients. */
  readonly clients: number;
  /** Rooms and their member counts. */
  rooms(): { room: string; members: number }[];
  /** Resolves once the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  /** Stops accepting, says goodbye to every client, closes everything. */
  close(): Promise<void>;
}

/**
 * Starts a chat server.
 *
 * @param options Address, limits, TLS material and an abort signal.
 * @returns The running server; `await server.close()` (or abort the signal) to stop it.
 *
 * @example Start and stop
 * ```ts
 * import { assert } from "@std/assert";
 * import { startChatServer } from "./server.ts";
 * await using server = await startChatServer({ address: "tcp://127.0.0.1:0" });
 * assert(server.address.startsWith("tcp://127.0.0.1:"));
 * ```
 */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const address = typeof options.address === "string"
    ? parseAddress(options.address, "tcp")
    : options.address;
  const limits: ChatLimits = { ...DEFAULT_CHAT_LIMITS };
  for (const k of Object.keys(DEFAULT_CHAT_LIMITS) as (keyof ChatLimits)[]) {
    const v = options[k];
    if (v !== undefined) {
      if (!(typeof v === "number" && v > 0)) {
        throw new RangeError(`Cannot start chat server: ${k} must be positive, got ${v}`);
      }
      limits[k] = v;
    }
  }
  let certPem: string | undefined;
  let listener: Deno.Listener;
  switch (address.scheme) {
    case "tcp":
      listener = Deno.listen({ hostname: address.host, port: address.port });
      break;
    case "unix":
      listener = Deno.listen({ transport: "unix", path: address.path });
      break;
    case "tls": {
      let cert = options.cert, key = options.key;
      if (!cert || !key) {
        const pair = await selfSignedCertificate();
        cert = pair.certPem;
        key = pair.keyPem;
      }
      certPem = cert;
      listener = Deno.listenTls({ hostname: address.host, port: address.port, cert, key });
      break;
    }
    default:
      throw new RangeError(
        `Cannot serve chat on ${address.scheme}:// (use tcp://, tls:// or unix://)`,
      );
  }
  const scheme = address.scheme === "tls" ? "tls" : undefined;
  const log = options.log ?? (() => {});
  const hub = new ChatHub(log);
  const welcome = options.welcome ?? "welcome to wireplay chat";

  // a TLS client reaches this only once its handshake succeeded (off the accept loop)
  const loop: AcceptLoop = new AcceptLoop(listener, async (conn) => {
    if (hub.size >= limits.maxClients) {
      await conn.write(new TextEncoder().encode("! server full, try later\n")).catch(() => {});
      return conn.close();
    }
    const peer = peerLabel(conn.remoteAddr);
    await runChatSession(conn, hub, limits, peer, loop.signal, welcome)
      .catch((e) => log(`${peer}: ${(e as Error).message}`));
  }, {
    // the session closes its connection itself, after a goodbye
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    log,
    onError: (e) => log(`listener failed: ${(e as Error).message}`),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      hub.broadcast("*** server shutting down");
      await loop.close();
      options.signal?.removeEventListener("abort", onAbort);
    })();
    return closing;
  };
  const onAbort = () => void close();
  if (options.signal?.aborted) void close();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  let finishedResolve!: () => void;
  const finished = new Promise<void>((r) => (finishedResolve = r));
  loop.accepting.then(async () => {
    await close();
    finishedResolve();
  });

  return {
    addr: listener.addr,
    address: formatDenoAddr(listener.addr, scheme),
    certPem,
    get clients() {
      return hub.size;
    },
    rooms: () => hub.rooms(),
    finished,
    close: async () => {
      await close();
      await finished;
    },
    [Symbol.asyncDispose]: async () => {
      await close();
      await finished;
    },
  };
}

function peerLabel(addr: Deno.Addr): string {
  if (addr.transport === "unix" || addr.transport === "unixpacket") return "unix";
  const a = addr as Deno.NetAddr;
  return formatHostPort(a.hostname, a.port);
}
