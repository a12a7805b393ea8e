/**
 * The `http` kind of `serve KIND ADDR` (CLI, REPL, scripts): adapts
 * {@linkcode startHttpServer} to the servers' registry (`lib/servers/server.ts`).
 *
 * @module
 */
import type { Address } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { formatDuration, parseDuration, parseSize } from "../../bytes/units.ts";
import type { ServeOptions } from "../../servers/server.ts";
import type { RecordedRequest } from "./request_log.ts";
import { startHttpServer } from "./serve.ts";

import type { HttpServerHandle } from "./handle.ts";
export { type HttpServerHandle, isHttpServerHandle } from "./handle.ts";

/**
 * Starts `serve http ADDR [root DIR]`. Options: `root`, `cert` and `key` (PEM text),
 * `header-timeout` (a duration: drop clients whose request head is slower, see
 * `guard.ts`), `max-buffered` (a size: the memory budget of bodies, see
 * `memory_budget.ts`), `record: "false"` to keep no request log (the CLI: nobody reads it),
 * and `watch: "true"` to answer unchanged small files without system calls while the root
 * is watched (the CLI; scripts check every request, so a file written just before is seen).
 *
 * @throws {UsageError} when `root` is not a directory or the address is not http/https/tcp/tls.
 */
export async function startHttpServerKind(
  address: Address,
  options: ServeOptions = {},
): Promise<HttpServerHandle> {
  if (options.root !== undefined) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(options.root);
    } catch {
      throw new UsageError(`root "${options.root}" does not exist`, { where: "root" });
    }
    if (!info.isDirectory) {
      throw new UsageError(`root "${options.root}" is not a directory`, { where: "root" });
    }
  }
  const server = await startHttpServer(address, {
    root: options.root,
    cert: options.cert,
    key: options.key,
    record: options.record !== "false",
    watch: options.watch === "true",
    reusePort: options["reuse-port"] === "true",
    headerTimeoutMs: options["header-timeout"] !== undefined
      ? parseDuration(options["header-timeout"], "header-timeout")
      : undefined,
    limits: options["max-buffered"] !== undefined
      ? { maxBufferedBytes: parseSize(options["max-buffered"], "max-buffered") }
      : undefined,
    onLog: (line) => console.error(`http: ${line}`),
  });
  return {
    kind: "http",
    address: server.url,
    url: server.url,
    host: server.host,
    port: server.port,
    certPath: server.certPath,
    finished: server.finished,
    routes: server.routes,
    log: server.log,
    vars: () => ({ url: server.url }),
    // one access line per answered request, for the REPL's log
    watch: (fn) => server.log.onAnswered((r) => fn(accessLine(r))),
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** `GET /get?x=1 200 0.42ms from 127.0.0.1:51234`: one answered request, as an access log shows it. */
export function accessLine(r: RecordedRequest): string {
  const took = r.durationMs !== undefined ? ` ${formatDuration(r.durationMs)}` : "";
  return `${r.method} ${r.path}${r.query ? `?${r.query}` : ""} ${r.status ?? "-"}${took} from ${
    r.remote ?? "?"
  }`;
}
