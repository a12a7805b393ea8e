/**
 * Starts the built-in HTTP server on an address with `Deno.serve`: plain for `http://` and
 * `tcp://`, TLS for `https://` and `tls://` (with a fresh self-signed certificate when
 * none is given; its PEM is written to a temporary file whose path is `certPath`).
 *
 * @module
 */
import { type Address, formatHost, parseAddress } from "../../address/address.ts";
import { selfSignedCertificate } from "../../tls/self_signed.ts";
import { UsageError } from "../../errors.ts";
import { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from "./handler.ts";
import type { MockRoutes } from "./mock_routes.ts";
import type { RequestLog } from "./request_log.ts";
import { type Guard, startGuard } from "./guard.ts";
import { type ResilientServer, serveResilient } from "./resilient_serve.ts";

/**
 * Options of {@linkcode startHttpServer}.
 *
 * @example Log each request
 * ```ts
 * import type { HttpServeOptions } from "@wireplay/wireplay/http";
 * const options: HttpServeOptions = { onLog: (line) => console.log(line), headerTimeoutMs: 5000 };
 * // await startHttpServer("http://127.0.0.1:0", options)
 * ```
 */
export interface HttpServeOptions extends HttpHandlerOptions {
  /** SO_REUSEPORT: several servers (workers) listen on the same port. */
  reusePort?: boolean;
  /** Certificate chain, PEM text (TLS). */
  cert?: string;
  /** Private key, PEM text (TLS). */
  key?: string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /**
   * Drop clients whose first request head is not complete within this many ms (slowloris)
   * or is larger than `limits.maxHeaderBytes`, through a front that costs some throughput.
   * Off by default.
   */
  headerTimeoutMs?: number;
  /** TLS behind `headerTimeoutMs`: a client whose handshake takes longer is dropped (10 s). */
  handshakeTimeoutMs?: number;
  /** Told when accepting fails and when it works again, one line each. */
  onLog?: (line: string) => void;
  /** Called for each error a connection or the handler raised (default: ignored). */
  onError?: (error: unknown) => void;
}

/**
 * A running built-in HTTP server.
 *
 * @example A server and its URL
 * ```ts
 * import { type RunningHttpServer, startHttpServer } from "@wireplay/wireplay/http";
 * import { assert } from "@std/assert";
 * await using api: RunningHttpServer = await startHttpServer("http://127.0.0.1:0");
 * assert(api.url.startsWith("http://127.0.0.1:"));
 * ```
 */
export interface RunningHttpServer extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** `http` or `https`. */
  readonly scheme: "http" | "https";
  /** The bound host (bare IPv6 without brackets). */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** The certificate PEM, for TLS. */
  readonly certPem?: string;
  /** A file holding the certificate PEM when it was generated (removed on close). */
  readonly certPath?: string;
  /** The handler and its state. */
  readonly handler: HttpHandler;
  /** The scripted routes. */
  readonly routes: MockRoutes;
  /** The received requests. */
  readonly log: RequestLog;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops accepting, ends open connections, removes the generated certificate file. */
  close(): Promise<void>;
}

/**
 * Starts the built-in server.
 *
 * @param address `http://HOST:PORT`, `https://HOST:PORT`, `tcp://…` or `tls://…`; port 0 picks a free one.
 * @throws {UsageError} for an address of another scheme, or a certificate without a key.
 *
 * @example
 * ```ts
 * import { startHttpServer } from "./serve.ts";
 * import { assertEquals } from "@std/assert";
 * await using server = await startHttpServer("http://127.0.0.1:0");
 * const res = await fetch(`${server.url}/status/204`);
 * assertEquals(res.status, 204);
 * ```
 */
export async function startHttpServer(
  address: string | Address,
  opts: HttpServeOptions = {},
): Promise<RunningHttpServer> {
  const addr = typeof address === "string" ? parseAddress(address, "http") : address;
  if (addr.scheme === "unix" || addr.scheme === "udp") {
    throw new UsageError(
      `serve http needs an http://, https://, tcp:// or tls:// address, not ${addr.scheme}://`,
    );
  }
  const tls = addr.scheme === "https" || addr.scheme === "tls";
  if ((opts.cert === undefined) !== (opts.key === undefined)) {
    throw new UsageError(
      "a certificate needs its key and a key its certificate (--cert with --key)",
    );
  }
  if (!tls && opts.cert !== undefined) {
    throw new UsageError("--cert/--key need an https:// or tls:// address");
  }
  let certPem = opts.cert;
  let keyPem = opts.key;
  let certPath: string | undefined;
  let tempDir: string | undefined;
  if (tls && certPem === undefined) {
    const hosts = ["localhost", "127.0.0.1", "::1"];
    if (!hosts.includes(addr.host) && addr.host !== "0.0.0.0" && addr.host !== "::") {
      hosts.push(addr.host);
    }
    const pair = await selfSignedCertificate({ hosts });
    certPem = pair.certPem;
    keyPem = pair.keyPem;
    tempDir = await Deno.makeTempDir({ prefix: "wireplay-http-" });
    certPath = `${tempDir}/cert.pem`;
    await Deno.writeTextFile(certPath, certPem);
  }

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let guard: Guard | undefined;
  const handler = createHttpHandler({
    ...opts,
    signal: abort.signal,
    clientOf: opts.headerTimeoutMs !== undefined ? (peer) => guard?.clientOf(peer.port) : undefined,
  });
  const onError = opts.onError ?? (() => {});
  const serveOpts = {
    hostname: addr.host,
    port: addr.port,
    reusePort: opts.reusePort,
    signal: abort.signal,
    onListen: () => {},
    onError: (e: unknown) => {
      onError(e);
      return new Response("internal error\n", { status: 500 });
    },
  };
  const log = opts.onLog ?? (() => {});
  let server: ResilientServer;
  try {
    if (opts.headerTimeoutMs !== undefined) {
      // plain HTTP on a private loopback port, the guard (with TLS) in front
      server = serveResilient(
        { ...serveOpts, hostname: "127.0.0.1", port: 0, reusePort: false },
        handler,
        log,
      );
      guard = startGuard({
        hostname: addr.host,
        port: addr.port,
        reusePort: opts.reusePort,
        tls: tls ? { cert: certPem!, key: keyPem! } : undefined,
        target: { hostname: "127.0.0.1", port: server.addr.port },
        headerTimeoutMs: opts.headerTimeoutMs,
        maxHeaderBytes: handler.limits.maxHeaderBytes,
        handshakeTimeoutMs: opts.handshakeTimeoutMs,
        log,
      });
    } else {
      server = serveResilient(
        tls ? { ...serveOpts, cert: certPem!, key: keyPem! } : serveOpts,
        handler,
        log,
      );
    }
  } catch (e) {
    abort.abort();
    await handler.close();
    opts.signal?.removeEventListener("abort", onOuterAbort);
    if (tempDir) await Deno.remove(tempDir, { recursive: true }).catch(() => {});
    throw e;
  }
  abort.signal.addEventListener("abort", () => void guard?.close(), { once: true });
  const scheme = tls ? "https" : "http";
  const host = guard ? guard.addr.hostname : server.addr.hostname;
  const port = guard ? guard.addr.port : server.addr.port;
  const finished = server.finished.finally(async () => {
    opts.signal?.removeEventListener("abort", onOuterAbort);
    await handler.close();
    if (tempDir) await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  });
  const close = async () => {
    await guard?.close();
    abort.abort();
    await finished;
  };
  return {
    url: `${scheme}://${formatHost(host)}:${port}`,
    scheme,
    host,
    port,
    certPem: tls ? certPem : undefined,
    certPath,
    handler,
    routes: handler.routes,
    log: handler.log,
    finished,
    close,
    [Symbol.asyncDispose]: close,
  };
}
