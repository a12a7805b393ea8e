/**
 * A running `serve http`'s handle and its test, apart from the server itself: the `http`,
 * `route`, `expect request` and `ws-route` statements check a handle without loading the
 * HTTP server (start-up).
 *
 * @module
 */
import type { ServerHandle } from "../../servers/server.ts";
import type { MockRoutes } from "./mock_routes.ts";
import type { RequestLog } from "./request_log.ts";

/** A running `serve http`, with what `route` and `expect request` need. */
export interface HttpServerHandle extends ServerHandle {
  /** Always `http`. */
  readonly kind: "http";
  /** The base URL, e.g. `https://127.0.0.1:41234`. */
  readonly url: string;
  /** The scripted routes. */
  readonly routes: MockRoutes;
  /** The received requests. */
  readonly log: RequestLog;
}

/** Whether a server handle is a `serve http` one. */
export function isHttpServerHandle(handle: unknown): handle is HttpServerHandle {
  return typeof handle === "object" && handle !== null &&
    (handle as { kind?: string }).kind === "http" &&
    "routes" in handle && "log" in handle;
}
