/**
 * `ping http(s)://…` belongs to the HTTP area: this hands the target to
 * {@linkcode pingHttp} in `lib/http/ping.ts` and prints its lines or JSON.
 *
 * @module
 */
import { formatPingResult, formatPingSummary, pingHttp } from "../../http/ping.ts";
import type { ProbeOptions } from "../probe/probe.ts";

/** The `ping` flags an HTTP ping uses. */
export interface HttpPingFlags {
  count: number;
  interval: number;
  timeout: number;
  insecure?: boolean;
  json?: boolean;
  method?: string;
}

/**
 * Pings an HTTP(S) URL through `lib/http/ping.ts`, printing per-request lines and the
 * summary (or JSON).
 *
 * @returns The exit code: 1 when no request got a response.
 */
export async function pingHttpTarget(
  url: string,
  flags: HttpPingFlags,
  tlsOptions: Pick<ProbeOptions, "caCerts" | "cert" | "key">,
  signal?: AbortSignal,
): Promise<number> {
  if (!flags.json) console.log(`PING ${url}`);
  const { results, summary } = await pingHttp(url, {
    count: flags.count,
    intervalMs: flags.interval,
    timeoutMs: flags.timeout,
    insecure: flags.insecure,
    caCerts: tlsOptions.caCerts,
    cert: tlsOptions.cert,
    key: tlsOptions.key,
    method: flags.method,
    signal,
    onResult: flags.json ? undefined : (r) => console.log(formatPingResult(r)),
  });
  console.log(
    flags.json ? JSON.stringify({ ...summary, results }, null, 2) : formatPingSummary(summary),
  );
  return summary.received === 0 ? 1 : 0;
}
