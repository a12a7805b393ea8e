/**
 * Listens for stream connections (`tcp://`, `tls://`, `unix://`). Accepted connections
 * queue up until taken with {@linkcode StreamListener.accept}, so none is lost while a
 * script or REPL user is busy.
 *
 * @module
 */
import { type Address, formatAddress, formatDenoAddr } from "../address/address.ts";
import { selfSignedCertificate } from "../tls/self_signed.ts";
import type { ByteDuplex } from "./duplex.ts";
import type { EventHub } from "./events.ts";
import { type ConnSource, listenMutualTls } from "./mtls_listener.ts";
import { StreamChannel } from "./stream_channel.ts";
import { AcceptLoop, acceptSource } from "./accept_loop.ts";

/**
 * Options for {@linkcode listenStream}.
 *
 * @example TLS with a certificate of your own
 * ```ts
 * import type { ListenOptions } from "@wireplay/wireplay";
 * const options: ListenOptions = { cert: "-----BEGIN CERTIFICATE-----\n…", key: "-----BEGIN PRIVATE KEY-----\n…", backlog: 16 };
 * // await listen("tls://127.0.0.1:0", options)
 * ```
 */
export interface ListenOptions {
  /** PEM certificate chain for `tls://`; a self-signed pair when absent. */
  cert?: string;
  /** The certificate's private key (PEM). */
  key?: string;
  /** TLS: require a client certificate signed by one of these PEM certificates (mutual TLS). */
  clientCa?: string;
  /** The most unread bytes kept per accepted connection (default 256 MiB). */
  bufferLimit?: number;
  /** SO_REUSEPORT (Linux): other listeners, in other processes too, may share the port. */
  reusePort?: boolean;
  /**
   * Where live events go (the REPL).
   *
   * @internal
   */
  events?: EventHub;
  /** The most connections kept waiting for accept (default 128); further ones are closed. */
  backlog?: number;
  /** TLS: a client whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  log?: (line: string) => void;
}

/** A listening socket with a queue of accepted connections. */
export class StreamListener implements AsyncDisposable {
  #listener: ConnSource;
  #queue: ByteDuplex[] = [];
  #waiters: ((c: ByteDuplex | undefined) => void)[] = [];
  #closed = false;
  #loop: AcceptLoop<ByteDuplex>;
  #count = 0;

  constructor(
    readonly name: string,
    readonly kind: "tcp" | "tls" | "unix",
    listener: ConnSource,
    readonly options: ListenOptions & { certPath?: string; tmpDir?: string } = {},
  ) {
    this.#listener = listener;
    // a TLS connection is queued only once its handshake is done (off the accept loop)
    this.#loop = new AcceptLoop(acceptSource(listener), (conn) => this.#take(conn), {
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      log: options.log,
      onError: (e) => options.log?.(`listener failed: ${(e as Error).message}`),
    });
  }

  /** The bound address, e.g. `tcp://127.0.0.1:41234` (port 0 resolved). */
  get address(): string {
    return formatDenoAddr(this.#listener.addr, this.kind === "tls" ? "tls" : undefined);
  }

  /** The bound port (0 for unix). */
  get port(): number {
    const a = this.#listener.addr;
    return "port" in a ? a.port : 0;
  }

  /** The bound host. */
  get host(): string {
    const a = this.#listener.addr;
    return "hostname" in a ? a.hostname : "";
  }

  /** Path of the PEM certificate a `tls://` listener serves. */
  get certPath(): string | undefined {
    return this.options.certPath;
  }

  /** Connections accepted but not yet taken. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Takes the next accepted connection as a channel named `name`.
   *
   * @throws {Error} on timeout, abort or when the listener is closed.
   */
  async accept(
    name: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StreamChannel> {
    let conn = this.#queue.shift();
    if (!conn) {
      if (this.#closed) throw new Error(`listener "${this.name}" is closed`);
      conn = await new Promise<ByteDuplex | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no connection within ${options.timeoutMs}ms`));
        }, options.timeoutMs);
        const onAbort = () => {
          cleanup();
          reject(new Error("cancelled"));
        };
        const waiter = (c: ByteDuplex | undefined) => {
          cleanup();
          resolve(c);
        };
        const cleanup = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
        };
        options.signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(waiter);
      });
      if (!conn) throw new Error(`listener "${this.name}" is closed`);
    }
    return new StreamChannel(name, this.kind, conn, {
      bufferLimit: this.options.bufferLimit,
      events: this.options.events,
    });
  }

  /** Stops listening and closes connections nobody took. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#loop.close();
    for (const c of this.#queue.splice(0)) c.close();
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.options.tmpDir) {
      await Deno.remove(this.options.tmpDir, { recursive: true }).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #take(conn: ByteDuplex): Promise<void> {
    this.#count++;
    this.options.events?.emit({
      type: "accepted",
      listener: this.name,
      remote: formatDenoAddr(conn.remoteAddr, this.kind === "tls" ? "tls" : undefined),
    });
    const waiter = this.#waiters.shift();
    if (waiter) waiter(conn);
    else if (this.#queue.length < (this.options.backlog ?? 128)) this.#queue.push(conn);
    else conn.close();
    return Promise.resolve();
  }
}

/**
 * Listens on a stream address. `tls://` without a certificate gets a fresh self-signed
 * one for localhost, 127.0.0.1 and ::1, written as PEM to a temporary file
 * ({@linkcode StreamListener.certPath}) that is removed on close.
 */
export async function listenStream(
  name: string,
  address: Address,
  options: ListenOptions = {},
): Promise<StreamListener> {
  switch (address.scheme) {
    case "tcp":
      return new StreamListener(
        name,
        "tcp",
        Deno.listen({ hostname: address.host, port: address.port, reusePort: options.reusePort }),
        options,
      );
    case "unix":
      return new StreamListener(
        name,
        "unix",
        Deno.listen({ transport: "unix", path: address.path }),
        options,
      );
    case "tls": {
      const { cert, key, certPath, tmpDir } = await tlsMaterial(options);
      const listener = options.clientCa
        ? await listenMutualTls({
          hostname: address.host,
          port: address.port,
          cert,
          key,
          clientCa: options.clientCa,
          onRefused: options.log,
        })
        : Deno.listenTls({
          hostname: address.host,
          port: address.port,
          cert,
          key,
          reusePort: options.reusePort,
        });
      return new StreamListener(name, "tls", listener, { ...options, certPath, tmpDir });
    }
    default:
      throw new Error(`Cannot listen for streams on ${formatAddress(address)}`);
  }
}

/** Resolves the certificate and key for a TLS listener, making a self-signed pair if needed. */
export async function tlsMaterial(
  options: { cert?: string; key?: string },
): Promise<{ cert: string; key: string; certPath?: string; tmpDir?: string }> {
  if (options.cert && options.key) return { cert: options.cert, key: options.key };
  const pair = await selfSignedCertificate();
  const tmpDir = await Deno.makeTempDir({ prefix: "wireplay-cert-" });
  const certPath = `${tmpDir}/cert.pem`;
  await Deno.writeTextFile(certPath, pair.certPem);
  return { cert: pair.certPem, key: pair.keyPem, certPath, tmpDir };
}
