/**
 * The HTTP area's public API: the built-in server (as a plain handler or started on an
 * address), the client with its assertions and pretty printer, and `ping` for URLs.
 *
 * @module
 */
export {
  createHttpHandler,
  type HandlerInfo,
  type HttpHandler,
  type HttpHandlerOptions,
} from "./server/handler.ts";
export { type HttpServeOptions, type RunningHttpServer, startHttpServer } from "./server/serve.ts";
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./server/limits.ts";
export {
  type MockContext,
  type MockResponse,
  type MockRoute,
  MockRoutes,
} from "./server/mock_routes.ts";
export { type RecordedRequest, RequestLog } from "./server/request_log.ts";
export { HTTPBIN_ENDPOINTS } from "./server/httpbin.ts";
export { StaticFiles, type StaticFilesOptions } from "./server/static_files.ts";
export { httpRequest, HttpRequestError } from "./client/request.ts";
export type { HttpRequestOptions, HttpResponse, HttpTimings, SentRequest } from "./client/types.ts";
export { type Cookie, CookieJar } from "./client/cookies.ts";
export type { MultipartPart } from "./client/form_body.ts";
export {
  bodyText,
  captureBody,
  expectBody,
  expectDuration,
  expectHeader,
  expectJson,
  expectStatus,
  HttpAssertionError,
  jsonValue,
} from "./client/assertions.ts";
export { JsonPathError, queryJsonPath } from "./client/jsonpath.ts";
export { matchValue, type ValueMatcher } from "./client/matchers.ts";
export { formatResponse, type FormatResponseOptions, formatTimings } from "./client/pretty.ts";
export {
  formatPingResult,
  formatPingSummary,
  type HttpPingOptions,
  type HttpPingResult,
  type HttpPingSummary,
  type PhaseStats,
  pingHttp,
} from "./ping.ts";
