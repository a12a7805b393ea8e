/**
 * `Deno.serve` that outlives a failing accept. `Deno.serve` runs its own accept loop (in
 * Rust) and stops for good at the first accept error, such as running out of file
 * descriptors; connections already open keep being served. This starts it again on the
 * same address, with the back-off and logging of the shared accept loop
 * (`lib/transport/accept_loop.ts`): one line when accepting fails, one when it works again.
 *
 * @module
 */
import { isTransientAcceptError } from "../../transport/accept_loop.ts";

/** The options `Deno.serve` takes here (TCP, plain or with a certificate). */
export type ResilientServeOptions = Deno.ServeTcpOptions & { cert?: string; key?: string };

/** A running server. */
export interface ResilientServer {
  /** The bound address (port 0 resolved). */
  readonly addr: Deno.NetAddr;
  /** Resolves when the signal stopped the server; rejects on an error that does not pass. */
  readonly finished: Promise<void>;
}

const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 200;

/** Starts `Deno.serve` and starts it again whenever its accept loop dies of a passing error. */
export function serveResilient(
  options: ResilientServeOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  log: (line: string) => void = () => {},
): ResilientServer {
  const start = (o: ResilientServeOptions) =>
    (o.cert !== undefined
      ? Deno.serve(o as Deno.ServeTcpOptions & Deno.TlsCertifiedKeyPem, handler)
      : Deno.serve(o, handler)) as Deno.HttpServer<Deno.NetAddr>;
  let server = start(options);
  const addr = server.addr;
  const again = { ...options, hostname: addr.hostname, port: addr.port };
  const signal = options.signal;
  const finished = (async () => {
    while (true) {
      try {
        await server.finished;
        return;
      } catch (e) {
        if (signal?.aborted) return;
        if (!isTransientAcceptError(e)) throw e;
        log(
          `cannot accept: ${
            (e as Error).message.replace(/^Error: /, "")
          }; listening again when possible`,
        );
      }
      const since = performance.now();
      let backoff = FIRST_BACKOFF_MS;
      let attempts = 0;
      while (true) {
        await pause(backoff, signal);
        if (signal?.aborted) return;
        attempts++;
        try {
          server = start(again);
          break;
        } catch (e) {
          // out of descriptors still, or the port is briefly held: keep trying
          if (!isTransientAcceptError(e) && !(e instanceof Deno.errors.AddrInUse)) throw e;
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
      log(
        `accepting again after ${attempts} attempt(s) in ${
          Math.round(performance.now() - since)
        }ms`,
      );
    }
  })();
  return { addr, finished };
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
