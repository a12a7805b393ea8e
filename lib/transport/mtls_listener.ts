/**
 * A TLS listener that requires a client certificate signed by (or equal to) one in a CA
 * file: `listen tls://… require-client-cert ca FILE`. `Deno.listenTls` cannot ask for
 * client certificates, so this runs a node:tls server (`requestCert`,
 * `rejectUnauthorized`): a client without a certificate, or with one the CA did not
 * sign, is refused during the handshake and never reaches `accept`.
 *
 * @module
 */
import * as tls from "node:tls";
import type { ByteDuplex } from "./duplex.ts";
import { NodeSocketDuplex } from "./node_tls_duplex.ts";

/** What a stream listener takes connections from (a `Deno.Listener` fits too). */
export interface ConnSource extends AsyncIterable<ByteDuplex> {
  readonly addr: Deno.Addr;
  /** The next connection; throws `Deno.errors.BadResource` once closed. */
  accept(): Promise<ByteDuplex>;
  close(): void;
}

/** Options for {@linkcode listenMutualTls}. */
export interface MutualTlsOptions {
  hostname: string;
  port: number;
  cert: string;
  key: string;
  /** PEM certificates a client's certificate must chain to. */
  clientCa: string;
  /** Told of each client refused during the handshake (one plain line). */
  onRefused?: (why: string) => void;
}

/** Listens; resolves once bound. */
export async function listenMutualTls(options: MutualTlsOptions): Promise<ConnSource> {
  const server = tls.createServer({
    cert: options.cert,
    key: options.key,
    ca: [options.clientCa],
    requestCert: true,
    rejectUnauthorized: true,
    handshakeTimeout: 10_000,
  });
  const queue: ByteDuplex[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    socket.setNoDelay(true);
    queue.push(new NodeSocketDuplex(socket));
    wake?.();
  });
  server.on("tlsClientError", (e: Error, socket: tls.TLSSocket) => {
    const peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    socket.destroy();
    const why = /no certificates|CertificateRequired/i.test(e.message)
      ? "it sent no client certificate"
      : "its client certificate is not signed by the CA file (or not X.509 v3)";
    options.onRefused?.(`${peer}: refused: ${why}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as { address: string; port: number };
  const source: ConnSource = {
    addr: { transport: "tcp", hostname: bound.address, port: bound.port },
    close() {
      if (closed) return;
      closed = true;
      server.close();
      for (const c of queue.splice(0)) c.close();
      wake?.();
    },
    async accept(): Promise<ByteDuplex> {
      while (true) {
        const next = queue.shift();
        if (next) return next;
        if (closed) throw new Deno.errors.BadResource("listener closed");
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
    async *[Symbol.asyncIterator]() {
      while (true) {
        try {
          yield await source.accept();
        } catch (e) {
          if (e instanceof Deno.errors.BadResource) return;
          throw e;
        }
      }
    },
  };
  return source;
}
