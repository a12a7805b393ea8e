/**
 * A file receiving server (`serve files ADDR --dir DIR`): accepts WPFT/1 senders one
 * after another or at once, each file written and verified independently.
 *
 * @module
 */
import { type Address, parseAddress } from "../address/address.ts";
import { TransferError } from "./errors.ts";
import { listenTransfer, withIdleTimeout } from "./net.ts";
import { receiveFile } from "./receive.ts";
import type { TransferSummary } from "./summary.ts";

/**
 * Options for {@linkcode serveFiles}.
 *
 * @example Receive files into a folder
 * ```ts
 * import type { ServeFilesOptions } from "@wireplay/wireplay";
 * const options: ServeFilesOptions = { address: "tcp://127.0.0.1:0", dir: "inbox", maxConcurrent: 4 };
 * // await using server = await serveFiles(options)
 * ```
 */
export interface ServeFilesOptions {
  /** Where to listen (`tcp://127.0.0.1:0`, `tls://…`, `unix://…`). */
  address: string | Address;
  /** The folder files are written into. */
  dir: string;
  /** Replace existing files. */
  force?: boolean;
  /** Refuse files larger than this. */
  maxSize?: number;
  /** Most transfers at once; further senders wait in the listen queue (default 16). */
  maxConcurrent?: number;
  /** Close a connection idle this long (default 30 s). */
  idleTimeoutMs?: number;
  /** PEM certificate for `tls://` (self-signed when absent). */
  cert?: string;
  /** The certificate's private key (PEM). */
  key?: string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /** Called for each file received. */
  onFile?: (summary: TransferSummary) => void;
  /** TLS: a sender whose handshake takes longer is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Told about accept failures and failed TLS handshakes, one line each. */
  onLog?: (line: string) => void;
  /** Called for each transfer that failed. */
  onError?: (error: TransferError | Error, peer: string) => void;
}

/**
 * A running file receiving server.
 *
 * @example Wait until a receiving server stops
 * ```ts
 * import type { FileServer } from "@wireplay/wireplay";
 * async function stop(server: FileServer): Promise<void> {
 *   await server.close();
 *   await server.finished;
 * }
 * ```
 */
export interface FileServer extends AsyncDisposable {
  /** The bound address as text (port 0 resolved). */
  readonly address: string;
  /** The bound address as Deno gives it. */
  readonly addr: Deno.Addr;
  /** The certificate served over TLS (PEM). */
  readonly certPem?: string;
  /** Resolves once stopped and every transfer has ended. */
  readonly finished: Promise<void>;
  /** Stops accepting; running transfers end. */
  close(): Promise<void>;
}

/**
 * Starts receiving files on `address` into `dir` until closed or aborted.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { serveFiles } from "./serve_files.ts";
 * const dir = await Deno.makeTempDir();
 * await using server = await serveFiles({ address: "tcp://127.0.0.1:0", dir });
 * assert(server.address.startsWith("tcp://"));
 * await server.close();
 * await Deno.remove(dir);
 * ```
 */
export async function serveFiles(opts: ServeFilesOptions): Promise<FileServer> {
  const address = typeof opts.address === "string"
    ? parseAddress(opts.address, "tcp")
    : opts.address;
  const listener = await listenTransfer(address, {
    cert: opts.cert,
    key: opts.key,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    log: opts.onLog,
  });
  const inProgress = new Set<string>();
  const active = new Set<{ close(): void }>();
  const running = new Set<Promise<void>>();
  const limit = Math.max(1, opts.maxConcurrent ?? 16);
  let slotFree: (() => void) | undefined;
  let stopped = false;

  const loop = (async () => {
    while (!stopped) {
      while (running.size >= limit && !stopped) await new Promise<void>((r) => (slotFree = r));
      if (stopped) break;
      let opened;
      try {
        opened = await listener.accept();
      } catch {
        if (stopped) break;
        continue;
      }
      const conn = withIdleTimeout(opened.conn, opts.idleTimeoutMs ?? 30_000);
      active.add(conn);
      const job = (async () => {
        try {
          const summary = await receiveFile(conn, {
            dir: opts.dir,
            force: opts.force,
            maxSize: opts.maxSize,
            inProgress,
            peer: opened.peer,
          });
          opts.onFile?.(summary);
        } catch (e) {
          opts.onError?.(e as Error, opened.peer);
        } finally {
          conn[Symbol.dispose]();
          conn.close();
          active.delete(conn);
        }
      })();
      running.add(job);
      job.finally(() => {
        running.delete(job);
        slotFree?.();
        slotFree = undefined;
      });
    }
  })();

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      stopped = true;
      listener.close();
      slotFree?.();
      for (const c of active) c.close();
      await loop;
      await Promise.all([...running]);
      opts.signal?.removeEventListener("abort", onAbort);
    })();
  const onAbort = () => void close();
  if (opts.signal?.aborted) void close();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  const finished = loop.then(() => close());

  return {
    address: listener.address,
    addr: listener.addr,
    certPem: listener.certPem,
    finished,
    close,
    [Symbol.asyncDispose]: close,
  };
}
