/**
 * The watch figures in Prometheus text exposition format, and a tiny server for them.
 *
 * @module
 */
import { type TargetState, windowStats } from "./state.ts";

/**
 * Renders target states as Prometheus text format (version 0.0.4).
 *
 * @example
 * ```ts
 * import { renderMetrics } from "./metrics.ts";
 * import { assertStringIncludes } from "@std/assert";
 * const text = renderMetrics([{ target: "tcp://a:1", up: true, probes: 1, failures: 0, window: [2], last: 2 }]);
 * assertStringIncludes(text, 'wireplay_target_up{target="tcp://a:1"} 1');
 * ```
 */
export function renderMetrics(states: readonly TargetState[]): string {
  const out: string[] = [];
  const family = (
    name: string,
    type: string,
    help: string,
    rows: [TargetState, string, number][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [s, extra, v] of rows) {
      out.push(`${name}{target="${esc(s.target)}"${extra}} ${num(v)}`);
    }
  };
  const known = states.filter((s) => s.up !== undefined);
  family(
    "wireplay_target_up",
    "gauge",
    "1 when the last probe succeeded",
    known.map((s) => [s, "", s.up ? 1 : 0]),
  );
  family(
    "wireplay_probe_latency_seconds",
    "summary",
    "Probe latency over the recent window",
    states.flatMap((s) => {
      const w = windowStats(s);
      const none = s.window.length === 0;
      return [
        [s, ',quantile="0.5"', none ? NaN : w.median / 1000],
        [s, ',quantile="0.99"', none ? NaN : w.p99 / 1000],
      ] as [
        TargetState,
        string,
        number,
      ][];
    }),
  );
  for (const s of states) {
    out.push(
      `wireplay_probe_latency_seconds_sum{target="${esc(s.target)}"} ${
        num(s.window.reduce((a, b) => a + b, 0) / 1000)
      }`,
      `wireplay_probe_latency_seconds_count{target="${esc(s.target)}"} ${s.window.length}`,
    );
  }
  family(
    "wireplay_probe_last_latency_seconds",
    "gauge",
    "Latency of the last successful probe",
    states.filter((s) => s.last !== undefined).map((s) => [s, "", s.last! / 1000]),
  );
  family("wireplay_probes_total", "counter", "Probes sent", states.map((s) => [s, "", s.probes]));
  family(
    "wireplay_probe_failures_total",
    "counter",
    "Probes that failed",
    states.map((s) => [s, "", s.failures]),
  );
  family(
    "wireplay_target_state_since_seconds",
    "gauge",
    "Unix time the current up/down state began",
    known.map((s) => [s, "", (s.since ?? 0) / 1000]),
  );
  return out.join("\n") + "\n";
}

function esc(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function num(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1e9) / 1e9) : "NaN";
}

/**
 * Serves `GET /metrics` from `states()` on `hostname:port` until `signal` aborts.
 *
 * @example Prometheus metrics of the watched targets
 * ```ts
 * import { serveMetrics } from "@wireplay/wireplay/tools";
 * import { assertStringIncludes } from "@std/assert";
 * const stop = new AbortController();
 * const server = serveMetrics("127.0.0.1", 0, () => [{ target: "tcp://127.0.0.1:1", up: false, probes: 1, failures: 1, window: [] }], stop.signal);
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/metrics`);
 * assertStringIncludes(await res.text(), "tcp://127.0.0.1:1");
 * stop.abort();
 * await server.finished;
 * ```
 */
export function serveMetrics(
  hostname: string,
  port: number,
  states: () => readonly TargetState[],
  signal: AbortSignal,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname, port, signal, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/metrics" && path !== "/") return new Response("not found\n", { status: 404 });
    return new Response(renderMetrics(states()), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  });
}
