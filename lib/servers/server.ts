/**
 * What every built-in server returns, and the registry of server kinds that
 * `serve KIND ADDR` (CLI, REPL, scripts) starts.
 *
 * @module
 */
import type { Address } from "../address/address.ts";

/**
 * A running server.
 *
 * @example Any built-in server
 * ```ts
 * import { serve, type ServerHandle } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using s: ServerHandle = await serve("chargen", "tcp://127.0.0.1:0");
 * assertEquals(s.kind, "chargen");
 * ```
 */
export interface ServerHandle extends AsyncDisposable {
  /** The kind, e.g. `echo`. */
  readonly kind: string;
  /** The bound address, e.g. `tcp://127.0.0.1:41234` (port 0 resolved). */
  readonly address: string;
  /** The bound host (`127.0.0.1`, `::1`; the path for unix). */
  readonly host: string;
  /** The bound port (0 for unix). */
  readonly port: number;
  /** PEM certificate path of a TLS server (self-signed when none was given). */
  readonly certPath?: string;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Extra fields for `${NAME.field}`. */
  vars?(): Record<string, string | number>;
  /** Stops accepting, closes connections, resolves when done. */
  close(): Promise<void>;
  /**
   * Calls `fn` with one line per client connecting and leaving (`client tcp://… connected`),
   * for the REPL's log; returns the unsubscribe function. Absent on kinds that do not tell.
   */
  watch?(fn: (line: string) => void): () => void;
}

/** Options every starter receives: the kind's own options, as text, by name. */
export interface ServeOptions {
  /** PEM certificate and key text for TLS (resolved from files by the caller). */
  cert?: string;
  key?: string;
  /** Kind-specific options, e.g. `root` for http. */
  [option: string]: string | undefined;
}

/** Starts one kind of server. */
export type ServerStarter = (address: Address, options: ServeOptions) => Promise<ServerHandle>;

/** Server kinds by name; `lib/servers/mod.ts` fills it. */
export const SERVER_STARTERS = new Map<string, ServerStarter>();

/**
 * Wraps a running server as a {@linkcode ServerHandle}: the bound address's host and
 * port, and a close that also removes the temporary folder of a generated certificate.
 */
export function toServerHandle(server: {
  kind: string;
  address: string;
  addr: Deno.Addr;
  certPath?: string;
  tmpDir?: string;
  finished: Promise<void>;
  close(): Promise<void>;
  vars?(): Record<string, string | number>;
}): ServerHandle {
  const a = server.addr;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await server.close();
      if (server.tmpDir) await Deno.remove(server.tmpDir, { recursive: true }).catch(() => {});
    })();
  return {
    kind: server.kind,
    address: server.address,
    host: "hostname" in a ? a.hostname : "",
    port: "port" in a ? a.port : 0,
    certPath: server.certPath,
    finished: server.finished,
    vars: server.vars,
    close,
    [Symbol.asyncDispose]: close,
  };
}
