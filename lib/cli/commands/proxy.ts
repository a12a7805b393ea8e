/**
 * `proxy --listen ADDR --upstream ADDR [faults…]`: a TCP/TLS/Unix proxy that misbehaves
 * on purpose (SPEC §7, issue 5). Runs until Ctrl-C or SIGTERM.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { formatBytes, parseSize } from "../../bytes/units.ts";
import {
  addProxyFlags,
  faultsFromFlags,
  type ProxyFlagValues,
  sidesFromFlags,
} from "../../proxy/cli_flags.ts";
import { describeFaults } from "../../proxy/faults.ts";
import { startProxy } from "../../proxy/proxy.ts";
import { startUdpProxy } from "../../proxy/udp_proxy.ts";
import { addUdpFlags, isUdpListen, udpFaultsFromFlags, udpSides } from "../../proxy/udp_flags.ts";
import { durationOption } from "../options.ts";
import { httpBindArg } from "../../proxy/admin_flags.ts";
import { serveMetrics } from "../../proxy/metrics.ts";
import {
  type ApiProxy,
  startToxiproxyServer,
  ToxiproxyRegistry,
} from "../../proxy/toxiproxy_api.ts";
import { untilSignal } from "../../proxy/until_signal.ts";

/** The `proxy` command. */
export function proxyCommand() {
  const cmd = addProxyFlags(
    new Command("proxy")
      .description(
        "Forward connections to an upstream, injecting latency, throttling, re-chunking, resets…",
      )
      .option("--json", "print the listening address and the final counters as JSON lines")
      .option(
        "--admin <addr>",
        "serve Toxiproxy's HTTP API on host:port; this proxy is named by --name",
      )
      .option("--name <name>", "this proxy's name in the --admin API and metrics", "proxy")
      .option("--metrics <addr>", "serve Prometheus metrics on host:port at /metrics")
      .option(
        "--max-buffered <SIZE>",
        "bytes the delayed/throttled directions of all connections hold together; " +
          "a full one stops reading (default 64MiB)",
      ),
  );
  addUdpFlags(cmd).option(
    "--idle-timeout <D>",
    "udp: forget a client after this long without a datagram",
    durationOption("--idle-timeout"),
    60_000,
  );
  return cmd.action(async (raw) => {
    const opts = raw as unknown as ProxyFlagValues & {
      json?: boolean;
      maxBuffered?: string;
      admin?: string;
      metrics?: string;
      name: string;
    };
    if (isUdpListen(opts)) {
      for (const flag of ["admin", "metrics", "toxicity", "dropConnect"] as const) {
        if (opts[flag] !== undefined) {
          const name = flag === "dropConnect" ? "drop-connect" : flag;
          throw new UsageError(`a udp:// proxy has no --${name}`, { where: `--${name}` });
        }
      }
      return await runUdp(opts, (raw as unknown as { idleTimeout: number }).idleTimeout);
    }
    const faults = faultsFromFlags(opts);
    const { listen, upstream } = await sidesFromFlags(opts);
    const adminAt = opts.admin !== undefined ? httpBindArg(opts.admin, "--admin") : undefined;
    const metricsAt = opts.metrics !== undefined
      ? httpBindArg(opts.metrics, "--metrics")
      : undefined;
    // with --admin, each connection's faults are the flags' plus the API's toxics
    let api: ApiProxy | undefined;
    await using proxy = await startProxy({
      listen,
      upstream,
      faults,
      faultsFor: adminAt ? () => api!.faultsFor() : undefined,
      maxShapedBytes: opts.maxBuffered !== undefined
        ? parseSize(opts.maxBuffered, "--max-buffered")
        : undefined,
      onError: (m) => console.error(`wireplay: proxy: ${m}`),
    });
    const registry = new ToxiproxyRegistry((m) => console.error(`wireplay: admin: ${m}`));
    if (adminAt) api = registry.adopt(opts.name, proxy, faults);
    await using admin = adminAt ? startToxiproxyServer({ ...adminAt, registry }) : undefined;
    await using _metrics = metricsAt
      ? serveMetrics(metricsAt.hostname, metricsAt.port, () => {
        const live = [...registry.proxies.values()].filter((p) => p.proxy);
        return live.length
          ? live.map((p) => ({ name: p.name, stats: p.proxy!.stats }))
          : [{ name: opts.name, stats: proxy.stats }];
      })
      : undefined;
    if (opts.json) {
      console.log(JSON.stringify({
        event: "listening",
        admin: admin?.url ?? null,
        metrics: _metrics ? `http://${metricsAt!.hostname}:${_metrics.addr.port}/metrics` : null,
        address: proxy.address,
        upstream: proxy.upstream,
        cert: proxy.certPath ?? null,
        faults,
      }));
    } else {
      console.log(`proxy ${proxy.address} → ${proxy.upstream} (faults: ${describeFaults(faults)})`);
      if (proxy.certPath) console.log(`certificate: ${proxy.certPath}`);
      if (admin) console.log(`toxiproxy API on ${admin.url} (proxy "${opts.name}")`);
      if (_metrics) {
        console.log(`metrics on http://${metricsAt!.hostname}:${_metrics.addr.port}/metrics`);
      }
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

/** `proxy --listen udp://…`: the UDP proxy until Ctrl-C or SIGTERM. */
async function runUdp(opts: ProxyFlagValues & { json?: boolean }, idleTimeoutMs: number) {
  const faults = udpFaultsFromFlags(opts);
  const { listen, upstream } = udpSides(opts);
  await using proxy = startUdpProxy({
    listen,
    upstream,
    faults,
    idleTimeoutMs,
    onError: (m) => console.error(`wireplay: proxy: ${m}`),
  });
  if (opts.json) {
    console.log(JSON.stringify({
      event: "listening",
      address: proxy.address,
      upstream: proxy.upstream,
      faults,
    }));
  } else {console.log(
      `proxy ${proxy.address} → ${proxy.upstream} (faults: ${JSON.stringify(faults)})`,
    );}
  await untilSignal();
  await proxy.close();
  if (opts.json) console.log(JSON.stringify({ event: "stopped", ...proxy.stats }));
  else console.error(JSON.stringify(proxy.stats));
}
