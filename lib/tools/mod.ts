/**
 * The network tools as a typed API: port scan, probes and ping, DNS, interfaces and the
 * source address for a host, watching targets, and the load generator. The CLI commands
 * `scan`, `ping`, `dns`, `ifaces`, `watch`, `bench` and the `.wire` statements of the same
 * names are thin layers over these.
 *
 * @module
 */
export { DEFAULT_PORT_SPEC, parsePorts } from "./scan/ports.ts";
export { type OpenPort, type ScanOptions, scanPorts, type ScanResult } from "./scan/scan.ts";
export { type Banner, type BannerOptions, grabBanner } from "./scan/banner.ts";
export { serviceName } from "./scan/services.ts";
export { probe, type ProbeOptions, type ProbeOutcome, type ProbeTarget } from "./probe/probe.ts";
export type { Address } from "../address/address.ts";
export { ping, type PingOptions, type PingSummary } from "./ping/ping.ts";
export type { LatencySummary } from "./common/stats.ts";
export {
  type DnsAnswer,
  type DnsOptions,
  type DnsRecord,
  type DnsResult,
  lookupDns,
  type NameServer,
  RECORD_TYPES,
  type RecordType,
} from "./dns/dns.ts";

export { reverseName } from "./dns/reverse.ts";
export { listInterfaces, type NetworkInterface } from "./ifaces/interfaces.ts";
export { type SourceAddress, sourceAddressFor } from "./ifaces/source.ts";
export type { Route } from "./ifaces/routes.ts";
export type { InterfaceAddress } from "./ifaces/interfaces.ts";
export { type WatchOptions, watchTargets } from "./watch/watch.ts";
export type { TargetState, Transition } from "./watch/state.ts";
export { renderMetrics, serveMetrics } from "./watch/metrics.ts";
export {
  type BenchOptions,
  type BenchResult,
  runBench,
  type StatementResult,
} from "./bench/bench.ts";
export type { BenchScript, BenchSpec, StatementPartial } from "./bench/spec.ts";
export type { Stage } from "./bench/stages.ts";
export type { ThresholdResult } from "./bench/threshold.ts";
export type { LiveSnapshot } from "./bench/live.ts";
export type { LatencyFigures } from "./bench/histogram.ts";
export { latencySvg, writeLatencySvg } from "./bench/svg.ts";
