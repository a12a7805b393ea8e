/**
 * `watch TARGET… [--every D]`: a live up/down and latency table on a terminal, one JSON
 * line per probe otherwise, Prometheus metrics with `--metrics ADDR` (SPEC §7).
 *
 * @module
 */
import { Command } from "commander";
import { addressArg, collect, durationOption, intOption } from "../options.ts";
import { UsageError } from "../../errors.ts";
import type { TargetState } from "../../tools/watch/state.ts";
import { probeOptionsFromFlags } from "../../tools/probe/options.ts";
import type { ProbeTarget } from "../../tools/probe/probe.ts";
import { formatHost } from "../../address/address.ts";

const enc = new TextEncoder();

/** The `watch` command. */
export function watchCommand() {
  return new Command("watch")
    .description(
      "Probe targets every D: live up/down + latency table, JSON lines when piped, Prometheus metrics",
    )
    .argument(
      "<targets...>",
      "tcp://HOST:PORT (default), tls://…, udp://… (with --payload), http(s)://URL",
    )
    .option("--every <d>", "time between probes of a target", durationOption("--every"), 1000)
    .option("--count <n>", "stop after N probes of each target", intOption("--count", 1))
    .option("--for <d>", "stop after this long", durationOption("--for"))
    .option("--timeout <d>", "how long one probe may take", durationOption("--timeout"), 2000)
    .option(
      "--window <n>",
      "latencies kept for median and p99",
      intOption("--window", 1, 100_000),
      100,
    )
    .option(
      "--metrics <addr>",
      "serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464)",
    )
    .option("--tls", "tcp:// targets: include the TLS handshake")
    .option(
      "--ca <file>",
      "TLS: trust this CA certificate (PEM; repeatable)",
      collect,
      [] as string[],
    )
    .option("--insecure", "TLS: do not verify certificates")
    .option("--payload <text>", "udp://: the datagram to send (escapes \\r \\n \\xNN)", "")
    .option("--expect <text>", "udp://: the reply must contain this; http(s)://: the body must")
    .option("--method <m>", "http(s)://: request method", "GET")
    .option("--json", "JSON lines even on a terminal")
    .action(async (targetArgs, opts) => {
      const targets = targetArgs.map((t) => {
        const a = addressArg(t, t, "tcp");
        if (a.scheme === "unix") {
          throw new UsageError("unix sockets cannot be watched", { where: t });
        }
        return a as ProbeTarget;
      });
      const probeOptions = await probeOptionsFromFlags(opts);
      // Loaded on use, so other commands start without TLS and HTTP code.
      const { watchTargets } = await import("../../tools/watch/watch.ts");
      const { formatTable, formatTransition, probeRecord, transitionRecord } = await import(
        "../../tools/watch/table.ts"
      );
      const { serveMetrics } = await import("../../tools/watch/metrics.ts");
      const live = !opts.json && Deno.stdout.isTerminal();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      let states: readonly TargetState[] = [];
      let server: Deno.HttpServer<Deno.NetAddr> | undefined;
      if (opts.metrics !== undefined) {
        const m = addressArg(opts.metrics, "--metrics", "tcp");
        if (m.scheme !== "tcp") throw new UsageError("expected HOST:PORT", { where: "--metrics" });
        server = serveMetrics(m.host, m.port, () => states, stop.signal);
        console.error(
          `metrics at http://${formatHost(server.addr.hostname)}:${server.addr.port}/metrics`,
        );
      }
      let drawn = 0;
      let lastDraw = 0;
      const draw = (force = false) => {
        if (!live) return;
        const now = performance.now();
        if (!force && now - lastDraw < 100) return;
        lastDraw = now;
        const lines = formatTable(states, Date.now(), !Deno.noColor);
        const up = drawn ? `\x1b[${drawn}F\x1b[J` : "";
        Deno.stdout.writeSync(enc.encode(up + lines.join("\n") + "\n"));
        drawn = lines.length;
      };
      const emit = (line: string) => {
        if (live) {
          Deno.stdout.writeSync(enc.encode((drawn ? `\x1b[${drawn}F\x1b[J` : "") + line + "\n"));
          drawn = 0;
          draw(true);
        } else console.log(line);
      };
      try {
        const final = await watchTargets(targets, {
          ...probeOptions,
          every: opts.every,
          count: opts.count,
          forMs: opts.for,
          windowSize: opts.window,
          signal: stop.signal,
          onStart: (list) => states = list,
          onProbe: (s, o, at) => {
            if (live) draw();
            else console.log(JSON.stringify(probeRecord(s, o, at)));
          },
          onTransition: (t) => {
            // The first probe of a target is its first state, not a change.
            if (t.after === undefined) return;
            emit(live ? formatTransition(t) : JSON.stringify(transitionRecord(t)));
          },
        });
        states = final;
        draw(true);
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
        stop.abort();
        await server?.finished;
      }
    });
}
