/**
 * wireplay: talk to any TCP, UDP, TLS, Unix or HTTP service and keep the
 * conversation as a test. This module is the typed API over the same engine the CLI,
 * the REPL and `.wire` scripts use.
 *
 * ```ts
 * import { connect, serve } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * await using c = await connect(`tcp://127.0.0.1:${echo.port}`);
 * await c.send("PING\r\n");
 * assertEquals(await c.line(), "PING");
 * ```
 *
 * @module
 */
export { type Address, AddressError, formatAddress, parseAddress } from "./lib/address/address.ts";
export { Connection, type ExpectOptions } from "./lib/api/connection.ts";
export { bind, connect, listen, Listener, serve } from "./lib/api/open.ts";
export { runWire, runWireFile } from "./lib/api/run_script.ts";
export { UsageError } from "./lib/errors.ts";
export { ExpectationError } from "./lib/run/failure.ts";
export { execute, runScript, runScriptFile, type ScriptResult } from "./lib/run/interpreter.ts";
export { Session, type SessionOptions } from "./lib/run/session.ts";
export { parseScript, parseStatement } from "./lib/script/parser.ts";
export { ScriptSyntaxError } from "./lib/script/syntax_error.ts";
export type { ServerHandle } from "./lib/servers/server.ts";
export type { Datagram, DatagramChannel } from "./lib/transport/datagram_channel.ts";
export { MatchError } from "./lib/transport/stream_buffer.ts";
export type { RegexMatch } from "./lib/transport/matchers.ts";
export { runSuite, type SuiteResult, type TestResult } from "./lib/runner/run_suite.ts";
export { renderReport } from "./lib/report/mod.ts";
export * from "./lib/http/mod.ts";
export * from "./lib/tools/mod.ts";
export { Proxy, type ProxyOptions, startProxy } from "./lib/proxy/proxy.ts";
export {
  describeFaults,
  type Direction,
  type DirectionFaults,
  type FaultName,
  type Faults,
  noFaults,
  withFault,
} from "./lib/proxy/faults.ts";
export { type RecorderOptions, WireRecorder } from "./lib/proxy/recorder.ts";
export {
  type ReplayOptions,
  type ReplayResult,
  ReplayServer,
  startReplay,
} from "./lib/proxy/replayer.ts";
export { generalise } from "./lib/script/dynamic.ts";
export { type ReplOptions, runRepl } from "./lib/repl/repl.ts";
export { ReplCore, type ReplOutput } from "./lib/repl/repl_core.ts";
export {
  type CertificatePair,
  createCertificateAuthority,
  issueCertificate,
  selfSignedCertificate,
} from "./lib/tls/mod.ts";
export {
  type ChatLimits,
  type ChatServer,
  type ChatServerOptions,
  startChatServer,
} from "./lib/servers/chat/mod.ts";
export {
  connectTransfer,
  listenTransfer,
  receiveFile,
  sendFile,
  serveFiles,
  TransferError,
  type TransferSummary,
} from "./lib/transfer/mod.ts";
