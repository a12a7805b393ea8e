/**
 * `bench ADDR|URL [--conns N] [--duration D] [--size N] [--rate N]`: a load generator for
 * TCP (request/response or one-way stream), UDP and HTTP(S) with HdrHistogram
 * latency percentiles (SPEC §7).
 *
 * @module
 */
import { Command, Option } from "commander";
import { addressArg, collect, durationOption, intOption, sizeOption } from "../options.ts";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { Progress } from "../progress.ts";
import { unescapeProbe } from "../../tools/common/probe_text.ts";
import { MAX_DATA_FILE_BYTES, readFlagFile, readFlagText } from "../../fs/read_file.ts";

/** The `bench` command. */
export function benchCommand() {
  return new Command("bench")
    .description("Load-test a TCP echo (or sink, --mode stream), UDP echo or HTTP(S) endpoint")
    .argument("<target>", "tcp://HOST:PORT (default), tls://…, udp://…, http(s)://URL")
    .option("--conns <n>", "concurrent connections", intOption("--conns", 1, 10_000), 16)
    .option("--duration <d>", "measured time", durationOption("--duration"), 10_000)
    .option("--warmup <d>", "unmeasured time first", durationOption("--warmup"), 1000)
    .option(
      "--rate <n>",
      "constant arrival rate in requests/s in total (latency corrected for coordinated omission)",
      intOption("--rate", 1),
    )
    .addOption(
      new Option("--mode <mode>", "tcp/tls: rr = request/response (echo), stream = one-way")
        .choices(["rr", "stream"] as const).default("rr" as const),
    )
    .option("--size <n>", "tcp/udp request size (stream: write size)", sizeOption("--size"))
    .option(
      "--reply-size <n>",
      "tcp/udp reply size when the peer does not echo the request",
      sizeOption("--reply-size"),
    )
    .option("--method <m>", "http: request method", "GET")
    .option("--header <k: v>", "http: request header (repeatable)", collect, [] as string[])
    .option("--body <text>", "http: request body (escapes \\r \\n \\xNN; @FILE reads a file)")
    .option("--timeout <d>", "how long one request may take", durationOption("--timeout"), 10_000)
    .option(
      "--workers <n>",
      "worker threads to spread the connections over (use the cores)",
      intOption("--workers", 1, 32),
      1,
    )
    .option(
      "--ca <file>",
      "TLS: trust this CA certificate (PEM; repeatable)",
      collect,
      [] as string[],
    )
    .option("--svg <file>", "write the latency distribution as an SVG chart")
    .option("--json", "print the result as JSON")
    .action(async (targetArg, opts) => {
      const target = addressArg(targetArg, "target", "tcp");
      if (target.scheme === "unix") {
        throw new UsageError("unix sockets are not supported", { where: "target" });
      }
      if (opts.mode === "stream" && target.scheme !== "tcp" && target.scheme !== "tls") {
        throw new UsageError("stream mode needs a tcp:// or tls:// target", { where: "--mode" });
      }
      const headers: [string, string][] = opts.header.map((h) => {
        const c = h.indexOf(":");
        if (c <= 0) throw new UsageError(`"${h}" is not "Name: value"`, { where: "--header" });
        return [h.slice(0, c).trim(), h.slice(c + 1).trim()];
      });
      let body: Uint8Array | undefined;
      if (opts.body !== undefined) {
        if (opts.body.startsWith("@")) {
          body = await readFlagFile(opts.body.slice(1), "--body", MAX_DATA_FILE_BYTES);
        } else body = unescapeProbe(opts.body, "--body");
      }
      const caCerts: string[] = [];
      for (const f of opts.ca) caCerts.push(await readFlagText(f, "--ca"));
      // Loaded on use, so other commands start without the histogram library.
      const { runBench } = await import("../../tools/bench/bench.ts");
      const { formatBench } = await import("../../tools/bench/format.ts");
      const { writeLatencySvg } = await import("../../tools/bench/svg.ts");
      const progress = new Progress(`bench ${targetArg}`);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      let result;
      try {
        result = await runBench({
          scheme: target.scheme,
          host: target.host,
          port: target.port,
          url: "url" in target ? target.url : undefined,
          mode: opts.mode,
          size: opts.size,
          replySize: opts.replySize,
          conns: opts.conns,
          durationMs: opts.duration,
          warmupMs: opts.warmup,
          rate: opts.rate,
          timeoutMs: opts.timeout,
          method: opts.method,
          headers,
          body,
          caCerts,
          workers: opts.workers,
          signal: stop.signal,
          onProgress: (requests, _bytes, elapsed) =>
            progress.count(Math.max(0, Math.round(elapsed)), opts.duration, `${requests} requests`),
        });
      } finally {
        progress.done();
        Deno.removeSignalListener("SIGINT", onSignal);
      }
      if (opts.svg) await writeLatencySvg(opts.svg, result);
      console.log(opts.json ? JSON.stringify(result, null, 2) : formatBench(result));
      if (result.requests === 0) throw new ExitCode(1);
    });
}
