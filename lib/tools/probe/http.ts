/**
 * HTTP request latency through the HTTP area's client (`lib/http/client`): the whole
 * request on a fresh connection, the status deciding up or down.
 *
 * @module
 */
import { httpRequest, HttpRequestError } from "../../http/client/request.ts";
import { describeError, type ProbeOptions, type ProbeOutcome } from "./probe.ts";
import { contains } from "./udp.ts";

/** Most body bytes read for `expect`. */
const MAX_BODY = 1024 * 1024;

/** Requests `url` (GET by default); up when the status is 200-399 (or `okStatus`). */
export async function probeHttp(
  url: string,
  options: ProbeOptions & { timeout: number },
): Promise<ProbeOutcome> {
  const t0 = performance.now();
  try {
    const res = await httpRequest({
      method: options.method ?? "GET",
      url,
      timeoutMs: options.timeout,
      insecure: options.insecure,
      caCerts: options.caCerts,
      cert: options.cert,
      key: options.key,
      maxBodyBytes: MAX_BODY,
    });
    const ms = performance.now() - t0;
    const ok = (options.okStatus ?? ((s) => s >= 200 && s < 400))(res.status);
    if (!ok) return { ok: false, ms, error: `status ${res.status}` };
    if (options.expect && !contains(res.body, options.expect)) {
      return { ok: false, ms, error: `${res.status}, body lacks the expected text` };
    }
    return { ok: true, ms, detail: String(res.status) };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof HttpRequestError) {
      return {
        ok: false,
        ms,
        error: e.phase === "timeout" ? "timeout" : `${e.phase}: ${e.message}`,
      };
    }
    return { ok: false, ms, error: describeError(e) };
  }
}
