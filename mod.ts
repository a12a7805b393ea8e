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
export {
  type Address,
  AddressError,
  formatAddress,
  parseAddress,
  type Scheme,
} from "./lib/address/address.ts";
export { Connection, type ExpectOptions } from "./lib/api/connection.ts";
export { bind, connect, listen, Listener, serve } from "./lib/api/open.ts";
export type { ConnectOptions } from "./lib/transport/connect.ts";
export type { TcpSocketOptions } from "./lib/transport/tcp_options.ts";
export type { ListenOptions } from "./lib/transport/stream_listener.ts";
export { runWire, runWireFile } from "./lib/api/run_script.ts";
export { UsageError } from "./lib/errors.ts";
export { ExpectationError, type FailureDetails } from "./lib/run/failure.ts";
export {
  execute,
  type RunOptions,
  runScript,
  runScriptFile,
  type ScriptResult,
} from "./lib/run/interpreter.ts";
export { Session, type SessionObserver, type SessionOptions } from "./lib/run/session.ts";
export type { Var, VarObject } from "./lib/run/vars.ts";
export { parseScript, parseStatement } from "./lib/script/parser.ts";
export { parseStream, type ParseStreamOptions, type ScriptStream } from "./lib/script/stream.ts";
export type { Script, Span, StatementBase } from "./lib/script/ast.ts";
export { ScriptSyntaxError } from "./lib/script/syntax_error.ts";
export type { ServerHandle } from "./lib/servers/server.ts";
export type {
  Datagram,
  DatagramChannel,
  DatagramSocketOptions,
} from "./lib/transport/datagram_channel.ts";
export {
  type Look,
  type Matcher,
  MatchError,
  type MatchStep,
  StreamBuffer,
} from "./lib/transport/stream_buffer.ts";
export type { RegexMatch } from "./lib/transport/matchers.ts";
export {
  runSuite,
  type SuiteOptions,
  type SuiteResult,
  type TestResult,
} from "./lib/runner/run_suite.ts";
export { renderReport, type ReporterName, REPORTERS } from "./lib/report/mod.ts";
export type { FailurePoint, TraceEntry } from "./lib/run/trace.ts";
export { addSecret, maskScript, maskSecrets } from "./lib/secrets/secrets.ts";
export * from "./lib/http/mod.ts";
export * from "./lib/tools/mod.ts";
export * from "./lib/proxy/mod.ts";
export { generalise, type Generalised } from "./lib/script/dynamic.ts";
export { type ReplOptions, runRepl } from "./lib/repl/repl.ts";
export { type LineOutcome, ReplCore, type ReplOutput } from "./lib/repl/repl_core.ts";
export type { Palette } from "./lib/repl/colors.ts";
export type { HexMode } from "./lib/repl/display.ts";
export {
  type AuthorityOptions,
  type CertificatePair,
  createCertificateAuthority,
  issueCertificate,
  type IssueOptions,
  selfSignedCertificate,
  type SelfSignedOptions,
} from "./lib/tls/mod.ts";
export {
  type ChatLimits,
  type ChatServer,
  type ChatServerOptions,
  startChatServer,
} from "./lib/servers/chat/mod.ts";
export {
  connectTransfer,
  type ConnectTransferOptions,
  type FileServer,
  listenTransfer,
  type ListenTransferOptions,
  type OpenedConn,
  type ProgressCallback,
  receiveFile,
  type ReceiveOptions,
  sendFile,
  type SendOptions,
  serveFiles,
  type ServeFilesOptions,
  type TransferConn,
  TransferError,
  type TransferFailure,
  type TransferListener,
  type TransferSummary,
} from "./lib/transfer/mod.ts";
