/**
 * `scan HOST [--ports 1-1024,8080] [--concurrency N] [--timeout D] [--banner]`: a TCP
 * connect scan (SPEC §7).
 *
 * @module
 */
import { Command, Option } from "commander";
import { DEFAULT_PORT_SPEC, parsePorts } from "../../tools/scan/ports.ts";
import { DEFAULT_PROBE } from "../../tools/scan/banner.ts";
import { durationOption, intOption } from "../options.ts";
import { Progress } from "../progress.ts";
import { UsageError } from "../../errors.ts";
import { unescapeProbe } from "../../tools/common/probe_text.ts";

/** The `scan` command. */
export function scanCommand() {
  return new Command("scan")
    .description("TCP connect scan of a host's ports: open ports, service names, banners")
    .argument("<host>", "host name, IPv4 or IPv6 address (brackets optional)")
    .option(
      "--ports <list>",
      'ports: "1-1024,8080", "-" for all 65535 (default: 1-1024 and well-known ports above)',
    )
    .option(
      "--concurrency <n>",
      "connects in flight in total (one worker thread per 100)",
      intOption("--concurrency", 1, 16384),
    )
    .option("--timeout <d>", "how long a connect may take", durationOption("--timeout"), 1000)
    .option(
      "--workers <n>",
      "worker threads (default: 1, or the CPU count for big scans)",
      intOption("--workers", 1, 16),
    )
    .option(
      "--retries <n>",
      "times a timed-out port is tried again",
      intOption("--retries", 0, 5),
      1,
    )
    .option(
      "--banner",
      "read what each open service says first, or send --probe and read the reply",
    )
    .option(
      "--banner-wait <d>",
      "how long to wait for a banner",
      durationOption("--banner-wait"),
      500,
    )
    .option(
      "--probe <text>",
      "what to send when a service says nothing (escapes \\r \\n \\xNN)",
      DEFAULT_PROBE,
    )
    .addOption(
      new Option(
        "--engine <engine>",
        "deno: Deno.connect; ffi: raw sockets (Linux, --allow-ffi); auto: ffi for big scans when allowed",
      )
        .choices(["auto", "deno", "ffi"] as const)
        .default("auto" as const),
    )
    .option("--json", "print the result as JSON")
    .action(async (hostArg, opts) => {
      const host = hostArg.replace(/^\[(.*)\]$/, "$1");
      if (!host) throw new UsageError("empty host", { where: "host" });
      // Loaded on use, so other commands start without it.
      const { scanPorts } = await import("../../tools/scan/scan.ts");
      const { formatScan } = await import("../../tools/scan/format.ts");
      const ports = parsePorts(opts.ports ?? DEFAULT_PORT_SPEC);
      const progress = new Progress(`scan ${host}`);
      let result;
      try {
        result = await scanPorts({
          host,
          ports,
          concurrency: opts.concurrency,
          timeout: opts.timeout,
          workers: opts.workers,
          retries: opts.retries,
          engine: opts.engine,
          banner: opts.banner
            ? { wait: opts.bannerWait, probe: unescapeProbe(opts.probe, "--probe") }
            : false,
          onProgress: (done, total, open) => progress.count(done, total, `${open} open`),
        });
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("Cannot resolve")) {
          throw new UsageError(e.message, { where: "host" });
        }
        if (e instanceof Error && e.message.startsWith("The ffi scan engine")) {
          throw new UsageError(e.message, { where: "--engine" });
        }
        throw e;
      } finally {
        progress.done();
      }
      console.log(opts.json ? JSON.stringify(result, null, 2) : formatScan(result));
    });
}
