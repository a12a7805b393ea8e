/**
 * The proxy area's public API: a TCP/TLS/Unix proxy whose faults (latency, jitter,
 * bandwidth, slicing, resets, closes, timeouts, refused connects) can change while it runs,
 * the recorder that writes what passes through as a `.wire` script, and the replayer that
 * plays a recording's server side to real clients.
 *
 * @example A proxy that adds latency in front of an echo server
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { connect, parseAddress, serve } from "@wireplay/wireplay";
 * import { startProxy } from "@wireplay/wireplay/proxy";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * await using proxy = await startProxy({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   upstream: { address: parseAddress(echo.address) },
 * });
 * proxy.setFault("latency", 20);
 * await using c = await connect(proxy.address);
 * await c.send("hi\n");
 * assertEquals(await c.line(), "hi");
 * ```
 *
 * @module
 */
export { Proxy, type ProxyOptions, startProxy } from "./proxy.ts";
export type { ProxyStats } from "./connection.ts";
export type { ListenSide, UpstreamSide } from "./endpoints.ts";
export type { ProxyTap, TapConnection, TapEnd } from "./tap.ts";
export {
  describeFaults,
  type Direction,
  type DirectionChoice,
  type DirectionFaults,
  FAULT_NAMES,
  type FaultName,
  type Faults,
  noFaults,
  withFault,
} from "./faults.ts";
export { type RecorderOptions, WireRecorder } from "./recorder.ts";
export type { SideFiles } from "./recording_file.ts";
export type { RedactRule } from "./redact.ts";
export {
  planReplay,
  type ReplayConnection,
  type ReplayContext,
  type ReplayStep,
} from "./replay_plan.ts";
export type { HttpExchange } from "./http_plan.ts";
export type { HttpMatchRule } from "./http_match.ts";
export type { HttpRequest } from "./http_message.ts";
export { type ReplayOptions, type ReplayResult, ReplayServer, startReplay } from "./replayer.ts";
