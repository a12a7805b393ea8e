/**
 * A node:tls socket as a {@linkcode ByteDuplex}: what every client TLS connection and the
 * `require-client-cert` listener run over (see `tls_client.ts` for why node:tls).
 *
 * @module
 */
import type * as net from "node:net";
import type { ByteDuplex } from "./duplex.ts";
import { openTlsSocket, type TlsClientOptions } from "./tls_client.ts";

/** Connects, handshakes and verifies (see {@linkcode openTlsSocket}); resolves with the pipe. */
export async function connectTls(options: TlsClientOptions): Promise<ByteDuplex> {
  return new NodeSocketDuplex(await openTlsSocket(options));
}

/** Wraps an open node:tls socket (client or server side), or a plain node:net one. */
export class NodeSocketDuplex implements ByteDuplex {
  #socket: net.Socket;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly localAddr: Deno.Addr;
  readonly remoteAddr: Deno.Addr;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.localAddr = {
      transport: "tcp",
      hostname: socket.localAddress ?? "",
      port: socket.localPort ?? 0,
    };
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
    socket.on("data", (d: Uint8Array) => {
      this.#chunks.push(d);
      if (this.#chunks.length > 64) socket.pause();
      this.#wake?.();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", (e: Error) => {
      this.#error = e;
      this.#ended = true;
      this.#wake?.();
    });
  }

  async read(into: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
    const chunk = this.#chunks[0]!;
    const n = Math.min(chunk.byteLength, into.byteLength);
    into.set(chunk.subarray(0, n));
    if (n === chunk.byteLength) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    if (this.#chunks.length < 16) this.#socket.resume();
    return n;
  }

  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#socket.write(
        data.slice(),
        (e?: Error | null) => (e ? reject(e) : resolve(data.byteLength)),
      );
    });
  }

  /** TCP_NODELAY on or off. */
  setNoDelay(on: boolean): void {
    this.#socket.setNoDelay(on);
  }

  /** SO_KEEPALIVE on or off. */
  setKeepAlive(on: boolean): void {
    this.#socket.setKeepAlive(on);
  }

  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(() => resolve()));
  }

  close(): void {
    this.#socket.destroy();
  }
}
