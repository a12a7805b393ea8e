/**
 * Prometheus text exposition of proxy counters: connections, bytes each way, faults
 * that took effect, one series per proxy (`proxy` label).
 *
 * @module
 */
import type { ProxyStats } from "./connection.ts";

function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Renders the counters of each named proxy in Prometheus' text format (version 0.0.4). */
export function prometheusText(proxies: { name: string; stats: ProxyStats }[]): string {
  const out: string[] = [];
  const metric = (
    name: string,
    type: "counter" | "gauge",
    help: string,
    rows: [Record<string, string>, number][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(",");
      out.push(`${name}{${l}} ${v}`);
    }
  };
  const each = (f: (s: ProxyStats) => number) =>
    proxies.map((p): [Record<string, string>, number] => [{ proxy: p.name }, f(p.stats)]);
  metric(
    "wireplay_proxy_connections_total",
    "counter",
    "Connections accepted.",
    each((s) => s.accepted),
  );
  metric(
    "wireplay_proxy_connections_active",
    "gauge",
    "Connections being proxied now.",
    each((s) => s.active),
  );
  metric(
    "wireplay_proxy_connections_failed_total",
    "counter",
    "Connections whose upstream could not be reached.",
    each((s) => s.failed),
  );
  metric(
    "wireplay_proxy_bytes_total",
    "counter",
    "Bytes forwarded, by direction (up: client to upstream).",
    proxies.flatMap((p): [Record<string, string>, number][] => [
      [{ proxy: p.name, direction: "up" }, p.stats.bytesUp],
      [{ proxy: p.name, direction: "down" }, p.stats.bytesDown],
    ]),
  );
  metric(
    "wireplay_proxy_faults_total",
    "counter",
    "Faults that took effect, by kind.",
    proxies.flatMap((p) =>
      Object.entries(p.stats.faults).map((
        [kind, n],
      ): [Record<string, string>, number] => [{ proxy: p.name, kind }, n])
    ),
  );
  return out.join("\n") + "\n";
}

/** Serves `/metrics` for `proxies` on `hostname:port`; returns the server. */
export function serveMetrics(
  hostname: string,
  port: number,
  proxies: () => { name: string; stats: ProxyStats }[],
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname, port, onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname !== "/metrics") {
      return new Response("see /metrics\n", { status: 404 });
    }
    return new Response(prometheusText(proxies()), {
      headers: { "content-type": "text/plain; version=0.0.4" },
    });
  });
}
