/**
 * TLS handshake latency (connect + handshake), verified unless `insecure`.
 *
 * @module
 */
import * as nodeTls from "node:tls";
import { describeError, type ProbeOptions, type ProbeOutcome } from "./probe.ts";

/** Connects to `host:port`, completes a TLS handshake, and closes. */
export function probeTls(
  host: string,
  port: number,
  options: ProbeOptions & { timeout: number },
): Promise<ProbeOutcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = nodeTls.connect({
      host,
      port,
      servername: options.servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host),
      rejectUnauthorized: !options.insecure,
      ...(options.caCerts?.length ? { ca: options.caCerts } : {}),
    });
    const finish = (r: ProbeOutcome) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, ms: performance.now() - t0, error: "timeout" }),
      options.timeout,
    );
    socket.once("secureConnect", () => {
      const ms = performance.now() - t0;
      if (!options.insecure && !socket.authorized) {
        finish({ ok: false, ms, error: `certificate not trusted: ${socket.authorizationError}` });
      } else finish({ ok: true, ms, detail: socket.getProtocol() ?? undefined });
    });
    socket.once(
      "error",
      (e) => finish({ ok: false, ms: performance.now() - t0, error: describeError(e) }),
    );
  });
}
