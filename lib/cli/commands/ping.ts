/**
 * `ping ADDR|URL [--count N] [--interval D]`: TCP connect, TLS handshake, UDP
 * request/reply or HTTP latency, per probe and summarised (SPEC §7).
 *
 * @module
 */
import { Command } from "commander";
import { addressArg, collect, durationOption, intOption } from "../options.ts";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { probeOptionsFromFlags } from "../../tools/probe/options.ts";
import { roundMs } from "../../tools/common/stats.ts";

/** The `ping` command. */
export function pingCommand() {
  return new Command("ping")
    .description(
      "Latency of a TCP connect (--tls: plus handshake), a UDP request/reply, or an HTTP request",
    )
    .argument("<target>", "tcp://HOST:PORT (default), tls://…, udp://…, http(s)://URL")
    .option("--count <n>", "probes to send", intOption("--count", 1, 1_000_000), 4)
    .option("--interval <d>", "time between probes", durationOption("--interval"), 1000)
    .option("--timeout <d>", "how long one probe may take", durationOption("--timeout"), 2000)
    .option("--tls", "tcp://: include the TLS handshake")
    .option(
      "--ca <file>",
      "TLS: trust this CA certificate (PEM; repeatable)",
      collect,
      [] as string[],
    )
    .option("--insecure", "TLS: do not verify the certificate")
    .option("--cert <file>", "TLS: client certificate (PEM), with --key")
    .option("--key <file>", "TLS: the client certificate's key (PEM)")
    .option("--servername <name>", "TLS: name to send and verify (SNI)")
    .option("--payload <text>", "udp://: the datagram to send (escapes \\r \\n \\xNN)", "")
    .option("--expect <text>", "udp://: the reply must contain this (escapes \\r \\n \\xNN)")
    .option("--method <m>", "http(s)://: request method", "GET")
    .option("--json", "print the summary as JSON")
    .action(async (targetArg, opts) => {
      const target = addressArg(targetArg, "target", "tcp");
      if (target.scheme === "unix") {
        throw new UsageError("unix sockets cannot be pinged", { where: "target" });
      }
      const probeOptions = await probeOptionsFromFlags(opts);
      // Loaded on use, so other commands start without TLS and HTTP code.
      const { ping } = await import("../../tools/ping/ping.ts");
      const { formatPingSummary, formatProbe } = await import("../../tools/ping/format.ts");
      const { pingHttpTarget } = await import("../../tools/ping/http_dispatch.ts");
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      if (target.scheme === "http" || target.scheme === "https") {
        let code;
        try {
          code = await pingHttpTarget(target.url, opts, probeOptions, abort.signal);
        } finally {
          Deno.removeSignalListener("SIGINT", onSignal);
        }
        if (code) throw new ExitCode(code);
        return;
      }
      if (!opts.json) console.log(`PING ${targetArg}`);
      let summary;
      try {
        summary = await ping(target, {
          ...probeOptions,
          count: opts.count,
          interval: opts.interval,
          signal: abort.signal,
          onProbe: opts.json ? undefined : (seq, o) => console.log(formatProbe(seq, o)),
        });
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
      }
      if (opts.json) {
        const r = (n: number) => roundMs(n);
        console.log(JSON.stringify(
          {
            ...summary,
            min: r(summary.min),
            median: r(summary.median),
            p99: r(summary.p99),
            max: r(summary.max),
            mean: r(summary.mean),
            probes: summary.probes.map((p) => ({ ...p, ms: r(p.ms) })),
          },
          null,
          2,
        ));
      } else console.log(formatPingSummary(summary));
      if (summary.received === 0) throw new ExitCode(1);
    });
}
