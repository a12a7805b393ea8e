/**
 * TLS handshake latency (connect + handshake), verified unless `insecure`, through the
 * transport's one client path (`openTlsSocket`): the same rules and messages as `connect`.
 *
 * @module
 */
import { openTlsSocket } from "../../transport/tls_client.ts";
import { describeError, type ProbeOptions, type ProbeOutcome } from "./probe.ts";

/** Connects to `host:port`, completes a TLS handshake, and closes. */
export async function probeTls(
  host: string,
  port: number,
  options: ProbeOptions & { timeout: number },
): Promise<ProbeOutcome> {
  const t0 = performance.now();
  const timeout = AbortSignal.timeout(options.timeout);
  try {
    const socket = await openTlsSocket({
      host,
      port,
      servername: options.servername,
      caCerts: options.caCerts,
      insecure: options.insecure,
      cert: options.cert,
      key: options.key,
      signal: timeout,
    });
    const ms = performance.now() - t0;
    const detail = socket.getProtocol() ?? undefined;
    socket.destroy();
    return { ok: true, ms, detail };
  } catch (e) {
    const ms = performance.now() - t0;
    return { ok: false, ms, error: timeout.aborted ? "timeout" : describeError(e) };
  }
}
