/**
 * `serve KIND ADDR --workers N` (`serve … workers N` in scripts): N workers, each a server
 * of the kind in its own isolate, listening on one port with SO_REUSEPORT, so the kernel
 * spreads connections (and UDP datagrams) over N cores — the seed's threaded server,
 * without shared state. The first worker binds (port 0 resolved); the others join its
 * port. A generated TLS certificate is made once here, so every worker shows the same.
 * `chat` keeps one room in one process and is refused (see {@linkcode WORKER_KINDS}).
 *
 * @module
 */
import { type Address, formatHostPort } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { type ServeOptions, SERVER_STARTERS, type ServerHandle } from "../mod.ts";
import { selfSignedCertificate } from "../../tls/self_signed.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

/** The kinds that run as workers: those whose connections share no state. */
export const WORKER_KINDS = ["echo", "discard", "chargen", "http"];

/** The most workers. */
export const MAX_WORKERS = 64;

/** The one sentence of a kind that cannot run as workers. */
export function workersRefusal(kind: string): string | undefined {
  if (WORKER_KINDS.includes(kind)) return undefined;
  if (kind === "chat") {
    return "serve chat cannot run as workers: its rooms, nicknames and messages live in one " +
      "process (one hub), and workers share no memory; run it without workers";
  }
  return `serve ${kind} cannot run as workers (only ${WORKER_KINDS.join(", ")})`;
}

class PoolWorker {
  readonly worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  #waiters: ((m: FromWorker) => void)[] = [];

  constructor(onLine: (line: string) => void) {
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.type === "line") return onLine(e.data.line);
      this.#waiters.shift()?.(e.data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.#waiters.shift()?.({ type: "failed", message: e.message, usage: false });
    };
  }

  ask(m: ToWorker): Promise<FromWorker> {
    const reply = new Promise<FromWorker>((resolve) => this.#waiters.push(resolve));
    this.worker.postMessage(m);
    return reply;
  }
}

/** `workers N` as a number, or a {@linkcode UsageError} naming the option. */
export function parseWorkers(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_WORKERS) {
    throw new UsageError(`"${text}" is not a whole number from 1 to ${MAX_WORKERS}`, {
      where: "workers",
    });
  }
  return Number(text);
}

/**
 * Starts a server of `kind` (CLI, scripts, REPL): as `options.workers` workers when that
 * is given, else in this isolate.
 */
export async function startServer(
  kind: string,
  address: Address,
  options: ServeOptions,
): Promise<ServerHandle> {
  const { workers, ...rest } = options;
  if (workers !== undefined) {
    return await startServerWorkers(kind, address, rest, parseWorkers(workers));
  }
  const starter = SERVER_STARTERS.get(kind);
  if (!starter) throw new UsageError(`no server of kind "${kind}"`);
  return await starter(address, rest);
}

/** Starts `workers` servers of `kind` on `address`, one per worker isolate. */
export async function startServerWorkers(
  kind: string,
  address: Address,
  options: ServeOptions,
  workers: number,
): Promise<ServerHandle> {
  const refused = workersRefusal(kind);
  if (refused) throw new UsageError(refused, { where: "workers" });
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new UsageError(`"${workers}" is not a whole number from 1 to ${MAX_WORKERS}`, {
      where: "workers",
    });
  }
  if (address.scheme === "unix") {
    throw new UsageError("workers share a TCP or UDP port, not a unix socket", {
      where: "workers",
    });
  }
  const shared: ServeOptions = { ...options, "reuse-port": "true" };
  let tmpDir: string | undefined;
  let certPath: string | undefined;
  const tls = ["tls", "https"].includes(address.scheme);
  if (tls && !shared.cert) {
    const pair = await selfSignedCertificate({ hosts: ["localhost", "127.0.0.1", "::1"] });
    tmpDir = await Deno.makeTempDir({ prefix: "wireplay-workers-" });
    certPath = `${tmpDir}/cert.pem`;
    await Deno.writeTextFile(certPath, pair.certPem);
    Object.assign(shared, { cert: pair.certPem, key: pair.keyPem });
  }
  const watchers = new Set<(line: string) => void>();
  const pool: PoolWorker[] = [];
  const stop = async () => {
    await Promise.all(pool.map((w) => w.ask({ type: "close" })));
    for (const w of pool) w.worker.terminate();
    if (tmpDir) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  };
  let first: Extract<FromWorker, { type: "started" }> | undefined;
  try {
    for (let i = 1; i <= workers; i++) {
      const w = new PoolWorker((line) => {
        for (const fn of watchers) fn(`worker ${i}: ${line}`);
      });
      pool.push(w);
      // the first worker resolves port 0; the others bind the port it got
      const at = `${address.scheme}://${formatHostPort(address.host, first?.port ?? address.port)}`;
      const r = await w.ask({ type: "start", kind, address: at, options: shared });
      if (r.type === "failed") {
        const message = `worker ${i} of ${workers}: ${r.message}`;
        throw r.usage ? new UsageError(message) : new Error(message);
      }
      if (r.type === "started") first ??= r;
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  let closing: Promise<void> | undefined;
  const close = () => closing ??= stop().then(resolve);
  return {
    kind,
    address: first!.address,
    host: first!.host,
    port: first!.port,
    certPath,
    finished,
    vars: () => ({ workers }),
    close,
    watch(fn) {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    [Symbol.asyncDispose]: close,
  };
}
