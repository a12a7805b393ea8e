/**
 * `serve echo ws://ADDR` (and `wss://`): a WebSocket echo on every path, on the built-in
 * HTTP server (`Deno.serve` and `Deno.upgradeWebSocket`); other requests get 404.
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { startHttpServer } from "../http/server/serve.ts";
import { wsRoutesOf } from "../http/server/ws_routes.ts";
import type { ServeOptions, ServerHandle } from "./server.ts";

/** Starts a WebSocket echo server on an `http://` or `https://` address. */
export async function startWsEchoServer(
  address: Address,
  options: ServeOptions = {},
): Promise<ServerHandle> {
  const server = await startHttpServer(address, {
    cert: options.cert,
    key: options.key,
    httpbin: false,
    record: false,
  });
  wsRoutesOf(server.routes).add("/*", { greet: [], answer: "echo" });
  const url = server.url.replace(/^http/, "ws");
  const close = () => server.close();
  return {
    kind: "echo",
    address: url,
    host: server.host,
    port: server.port,
    certPath: server.certPath,
    finished: server.finished,
    vars: () => ({ url }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
