/**
 * The one way every client (connect, http, ping, proxy and record upstreams, file
 * transfer) opens a TLS connection: node:tls, whose verification in Deno follows
 * OpenSSL's rules (as curl does): with `ca`, the PEM certificates given are the only
 * trust anchors and a server certificate that is itself one of them is accepted even
 * when it says CA:TRUE (what `openssl req -x509` makes), or chains to one; without,
 * the built-in roots. Signatures, dates and the name (DNS or IP SAN; CN only when no
 * SAN) are checked. A refused certificate is reported in one sentence (see
 * `tls_errors.ts`) before any application byte is sent.
 *
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { certificateRefusal, plainTlsError } from "./tls_errors.ts";

/** How to open a client TLS connection. */
export interface TlsClientOptions {
  host: string;
  port: number;
  /** SNI and the name verified (default `host`; an IP literal is verified as an IP). */
  servername?: string;
  /** PEM certificates to trust instead of the built-in roots (as `curl --cacert`). */
  caCerts?: string[];
  /** Skip verification of the server's certificate. */
  insecure?: boolean;
  /** A client certificate (PEM chain) and its key, for servers that ask for one (mTLS). */
  cert?: string;
  key?: string;
  /** An already connected TCP socket to run TLS over (for timing the phases apart). */
  socket?: net.Socket;
  /** Aborting destroys the socket, whatever phase it is in. */
  signal?: AbortSignal;
  /** ALPN protocols offered, in preference order (`["h2", "http/1.1"]`). */
  alpn?: string[];
}

/** A TLS connection that failed: the message is one plain sentence with a hint. */
export class TlsError extends Error {
  override name = "TlsError";
}

/**
 * Connects (unless `socket` is given), handshakes and verifies; resolves with the open,
 * verified socket.
 *
 * @throws {TlsError} with a plain sentence when the handshake or verification fails.
 */
export function openTlsSocket(options: TlsClientOptions): Promise<tls.TLSSocket> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason ?? new Error("cancelled"));
  const name = options.servername ?? options.host;
  const sni = net.isIP(name) === 0 ? name : undefined;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...(options.socket ? { socket: options.socket } : { host: options.host, port: options.port }),
      servername: sni,
      // Verification is decided below from `authorized`, so that a refusal can name the
      // certificate; nothing is written before that.
      rejectUnauthorized: false,
      checkServerIdentity: (_host, cert) => checkName(name, cert),
      ...(options.caCerts?.length ? { ca: options.caCerts } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.alpn?.length ? { ALPNProtocols: options.alpn } : {}),
    });
    socket.setNoDelay?.(true);
    const fail = (e: Error) => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(e);
    };
    const onAbort = () => fail(signal?.reason ?? new Error("cancelled"));
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", (e: Error) => fail(new TlsError(plainTlsError(e), { cause: e })));
    socket.once("secureConnect", () => {
      socket.removeAllListeners("error");
      socket.on("error", () => {}); // later errors surface through the reader
      if (!options.insecure && !socket.authorized) {
        const code = String(socket.authorizationError ?? "not trusted");
        return fail(
          new TlsError(certificateRefusal(code, socket.getPeerCertificate(true), name)),
        );
      }
      signal?.removeEventListener("abort", onAbort);
      resolve(socket);
    });
  });
}

/**
 * node's name check, plus curl's rule that a certificate with any subjectAltName is never
 * matched on its CN (node falls back to the CN when no SAN is a DNS name).
 */
function checkName(name: string, cert: tls.PeerCertificate): Error | undefined {
  const alt = cert.subjectaltname ?? "";
  if (net.isIP(name) === 0 && alt !== "" && !/(^|,\s*)DNS:/.test(alt)) {
    return Object.assign(new Error(`${name} is not among the certificate's names`), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  }
  return tls.checkServerIdentity(name, cert);
}
