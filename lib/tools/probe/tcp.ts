/**
 * TCP connect latency.
 *
 * @module
 */
import { describeError, type ProbeOutcome } from "./probe.ts";
import { isSelfConnect } from "../scan/engine.ts";

/** Connects to `host:port` and closes; the latency is the connect time. */
export async function probeTcp(host: string, port: number, timeout: number): Promise<ProbeOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  const t0 = performance.now();
  try {
    const conn = await Deno.connect({ hostname: host, port, signal: abort.signal });
    const ms = performance.now() - t0;
    const self = isSelfConnect(conn);
    conn.close();
    if (self) return { ok: false, ms, error: "connected to itself (nothing listening)" };
    return { ok: true, ms };
  } catch (e) {
    const ms = performance.now() - t0;
    return { ok: false, ms, error: abort.signal.aborted ? "timeout" : describeError(e) };
  } finally {
    clearTimeout(timer);
  }
}
