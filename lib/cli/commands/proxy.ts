/**
 * `proxy --listen ADDR --upstream ADDR [faults…]`: a TCP/TLS/Unix proxy that misbehaves
 * on purpose (SPEC §7, issue 5). Runs until Ctrl-C or SIGTERM.
 *
 * @module
 */
import { Command } from "commander";
import { formatBytes, parseSize } from "../../bytes/units.ts";
import {
  addProxyFlags,
  faultsFromFlags,
  type ProxyFlagValues,
  sidesFromFlags,
} from "../../proxy/cli_flags.ts";
import { describeFaults } from "../../proxy/faults.ts";
import { startProxy } from "../../proxy/proxy.ts";
import { untilSignal } from "../../proxy/until_signal.ts";

/** The `proxy` command. */
export function proxyCommand() {
  return addProxyFlags(
    new Command("proxy")
      .description(
        "Forward connections to an upstream, injecting latency, throttling, re-chunking, resets…",
      )
      .option("--json", "print the listening address and the final counters as JSON lines")
      .option(
        "--max-buffered <SIZE>",
        "bytes the delayed/throttled directions of all connections hold together; " +
          "a full one stops reading (default 64MiB)",
      ),
  ).action(async (raw) => {
    const opts = raw as unknown as ProxyFlagValues & { json?: boolean; maxBuffered?: string };
    const faults = faultsFromFlags(opts);
    const { listen, upstream } = await sidesFromFlags(opts);
    await using proxy = await startProxy({
      listen,
      upstream,
      faults,
      maxShapedBytes: opts.maxBuffered !== undefined
        ? parseSize(opts.maxBuffered, "--max-buffered")
        : undefined,
      onError: (m) => console.error(`wireplay: proxy: ${m}`),
    });
    if (opts.json) {
      console.log(JSON.stringify({
        event: "listening",
        address: proxy.address,
        upstream: proxy.upstream,
        cert: proxy.certPath ?? null,
        faults,
      }));
    } else {
      console.log(`proxy ${proxy.address} → ${proxy.upstream} (faults: ${describeFaults(faults)})`);
      if (proxy.certPath) console.log(`certificate: ${proxy.certPath}`);
    }
    await untilSignal();
    await proxy.close();
    const s = proxy.stats;
    if (opts.json) console.log(JSON.stringify({ event: "stopped", ...s }));
    else {
      console.error(
        `${s.accepted} connections (${s.dropped} dropped, ${s.failed} failed), ` +
          `${formatBytes(s.bytesUp)} up, ${formatBytes(s.bytesDown)} down`,
      );
    }
  });
}
