/**
 * HTTP request latency: time to the response headers, the status deciding up or down.
 *
 * @module
 */
import { describeError, type ProbeOptions, type ProbeOutcome } from "./probe.ts";
import { contains } from "./udp.ts";

/** Requests `url` (GET by default); up when the status is 200-399 (or `okStatus`). */
export async function probeHttp(
  url: string,
  options: ProbeOptions & { timeout: number },
): Promise<ProbeOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeout);
  const t0 = performance.now();
  let client: Deno.HttpClient | undefined;
  try {
    if (options.caCerts?.length) client = Deno.createHttpClient({ caCerts: options.caCerts });
    const res = await fetch(url, {
      method: options.method ?? "GET",
      signal: abort.signal,
      redirect: "manual",
      ...(client ? { client } : {}),
    });
    const ms = performance.now() - t0;
    const ok = (options.okStatus ?? ((s) => s >= 200 && s < 400))(res.status);
    if (options.expect) {
      const body = new Uint8Array(await res.arrayBuffer());
      if (!contains(body, options.expect)) {
        return { ok: false, ms, error: `${res.status}, body lacks expected text` };
      }
    } else await res.body?.cancel();
    return ok
      ? { ok: true, ms, detail: String(res.status) }
      : { ok: false, ms, error: `status ${res.status}` };
  } catch (e) {
    return {
      ok: false,
      ms: performance.now() - t0,
      error: abort.signal.aborted ? "timeout" : describeError(e),
    };
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}
