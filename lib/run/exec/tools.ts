/**
 * Runs the tools statements: `scan`, `ping`, `dns`, `bench` (issue 6).
 *
 * @module
 */
import { parseAddress } from "../../address/address.ts";
import type { BenchNode, DnsNode, PingNode, ScanNode } from "../../script/grammar/tools.ts";
import type { Session } from "../session.ts";
import { evalBytes, evalPemFile, evalText } from "../values.ts";
import type { Var } from "../vars.ts";
import type { Executor } from "./executor.ts";
import { DEFAULT_PORT_SPEC, parsePorts } from "../../tools/scan/ports.ts";
import { scanPorts } from "../../tools/scan/scan.ts";
import { formatScan } from "../../tools/scan/format.ts";
import { ping } from "../../tools/ping/ping.ts";
import { formatPingSummary } from "../../tools/ping/format.ts";
import type { ProbeTarget } from "../../tools/probe/probe.ts";
import { lookupDns, parseServer, type RecordType } from "../../tools/dns/dns.ts";
import { formatDns } from "../../tools/dns/format.ts";
import { runBench } from "../../tools/bench/bench.ts";
import { crossedLine, formatBench } from "../../tools/bench/format.ts";
import { roundMs } from "../../tools/common/stats.ts";

/** Runs `fn`, turning a user's mistake (bad ports, bad server) into a script failure. */
async function guarded<T>(session: Session, what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && (e.name === "UsageError" || e.name === "AddressError")) {
      return session.fail(`${what}: ${e.message}`);
    }
    throw e;
  }
}

const scanStatement: Executor<ScanNode> = async (node, session) => {
  const host = (await evalText(session, node.host)).replace(/^\[(.*)\]$/, "$1");
  const spec = node.ports ? await evalText(session, node.ports) : DEFAULT_PORT_SPEC;
  const ports = await guarded(session, "ports", () => parsePorts(spec, "ports"));
  const r = await guarded(session, "scan", async () => {
    try {
      return await scanPorts({ host, ports, timeout: node.timeoutMs, banner: node.banner });
    } catch (e) {
      return session.fail(`scan ${host}: ${(e as Error).message}`);
    }
  });
  session.print(formatScan(r));
  const open = r.open.map((p) => p.port);
  const value: Var = {
    $: open.join(","),
    open,
    count: open.length,
    closed: r.closed,
    filtered: r.filtered.length,
    banners: Object.fromEntries(
      r.open.filter((p) => p.banner !== undefined).map((p) => [String(p.port), p.banner!]),
    ),
  };
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

async function probeTarget(
  session: Session,
  node: { target: PingNode["target"] },
): Promise<ProbeTarget> {
  const text = await evalText(session, node.target);
  const a = await guarded(session, "address", () => parseAddress(text, "tcp"));
  if (a.scheme === "unix") return session.fail("unix sockets are not supported here");
  return a;
}

const pingStatement: Executor<PingNode> = async (node, session) => {
  const target = await probeTarget(session, node);
  const caCerts = node.ca ? [(await evalPemFile(session, node.ca))!] : undefined;
  const s = await ping(target, {
    count: node.count,
    interval: node.intervalMs,
    timeout: node.timeoutMs,
    tls: node.tls,
    caCerts,
    insecure: node.insecure,
    payload: node.payload ? await evalBytes(session, node.payload) : undefined,
    expect: node.reply ? await evalBytes(session, node.reply) : undefined,
  });
  session.print(formatPingSummary(s));
  if (s.received === 0) {
    const why = s.probes.find((p) => !p.ok);
    return session.fail(
      `ping ${s.target}: no answer to ${s.sent} probe(s)${why && !why.ok ? ` (${why.error})` : ""}`,
    );
  }
  const value: Var = {
    $: roundMs(s.median),
    sent: s.sent,
    received: s.received,
    loss: s.loss,
    min: roundMs(s.min),
    median: roundMs(s.median),
    p99: roundMs(s.p99),
    max: roundMs(s.max),
  };
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

const dnsStatement: Executor<DnsNode> = async (node, session) => {
  const name = await evalText(session, node.name);
  const server = node.server
    ? await guarded(
      session,
      "server",
      async () => parseServer(await evalText(session, node.server!), "server"),
    )
    : undefined;
  const r = await lookupDns(name, { types: node.types as RecordType[] | undefined, server });
  session.print(formatDns(r));
  const records = r.answers.flatMap((a) => a.records);
  if (records.length === 0) {
    return session.fail(
      `dns ${name}: ${r.answers.map((a) => `${a.type} ${a.error ?? "no records"}`).join(", ")}`,
    );
  }
  const value: Var = {
    $: records[0]!.value,
    values: records.map((x) => x.value),
    count: records.length,
    ttl: records[0]!.ttl ?? null,
    records: records.map((x) => ({ type: x.type, value: x.value, ttl: x.ttl ?? null })),
  };
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

const benchStatement: Executor<BenchNode> = async (node, session) => {
  const target = await probeTarget(session, node);
  if (node.stream && target.scheme !== "tcp" && target.scheme !== "tls") {
    return session.fail("stream needs a tcp:// or tls:// address");
  }
  const r = await runBench({
    scheme: target.scheme,
    host: target.host,
    port: target.port,
    url: "url" in target ? target.url : undefined,
    mode: node.stream ? "stream" : "rr",
    conns: node.conns,
    durationMs: node.durationMs,
    warmupMs: node.warmupMs,
    rate: node.rate,
    size: node.size,
  });
  // gate.ts reads the histogram (hdr-histogram-js): loaded only when a threshold is given
  if (node.thresholds.length) (await import("../../tools/bench/gate.ts")).gate(r, node.thresholds);
  session.print(formatBench(r));
  const crossed = crossedLine(r);
  if (crossed) return session.fail(`bench ${r.target}: ${crossed}`);
  if (r.requests === 0) {
    return session.fail(`bench ${r.target}: no request succeeded (${JSON.stringify(r.errors)})`);
  }
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const value: Var = {
    $: r.rps,
    rps: r.rps,
    requests: r.requests,
    throughput: r.throughput,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors,
  };
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

/** Executors of the tools statements, by kind. */
export const TOOLS_EXECUTORS: Record<string, Executor> = {
  scan: scanStatement,
  ping: pingStatement,
  dns: dnsStatement,
  bench: benchStatement,
};
