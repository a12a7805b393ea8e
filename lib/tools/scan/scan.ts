/**
 * `scanPorts`: a TCP connect scan of one host, spread over worker isolates, with the
 * timed-out ports tried once more at low concurrency so a slow moment does not hide an
 * open port.
 *
 * @module
 */
import { type ChunkResult, MAX_INFLIGHT_PER_ISOLATE, scanChunk } from "./engine.ts";
import { FFI_DEFAULT_INFLIGHT, ffiEngineAvailable } from "./ffi_engine.ts";
import type { WorkerRequest } from "./worker_request.ts";
import { type BannerOptions, grabBanner } from "./banner.ts";
import { serviceName } from "./services.ts";
import { resolveHost } from "../common/resolve.ts";
import { toLatin1 } from "../../bytes/text.ts";
import { roundMs } from "../common/stats.ts";

/**
 * Options of {@linkcode scanPorts}.
 *
 * @example A few ports, quickly
 * ```ts
 * import type { ScanOptions } from "@wireplay/wireplay/tools";
 * const options: ScanOptions = { host: "127.0.0.1", ports: [22, 80, 443], timeout: 500, concurrency: 64 };
 * // await scanPorts(options)
 * ```
 */
export interface ScanOptions {
  /** Host name or IP address. */
  host: string;
  /** Ports to scan (see `parsePorts`). */
  ports: readonly number[];
  /** Connects in flight in total (default 100 per worker; above 100, one worker per 100). */
  concurrency?: number;
  /** Milliseconds a connect may take before the port counts as filtered (default 1000). */
  timeout?: number;
  /** Worker isolates; default: 1 for small scans, up to the CPU count for large ones. */
  workers?: number;
  /** Times a timed-out port is tried again, alone-ish (default 1). */
  retries?: number;
  /** Grab a banner from each open port. */
  banner?: boolean | BannerOptions;
  /** Called with progress. */
  onProgress?: (done: number, total: number, open: number) => void;
  /**
   * `deno`: `Deno.connect` (any OS, no extra permission); `ffi`: raw non-blocking sockets
   * through FFI (Linux, `--allow-ffi`, several times cheaper per port); `auto` (default):
   * `ffi` for scans of 1024 ports or more when it can run, else `deno`.
   */
  engine?: "auto" | "deno" | "ffi";
  /** Stops the scan. */
  signal?: AbortSignal;
}

/**
 * One open port.
 *
 * @example As nmap prints it
 * ```ts
 * import type { OpenPort } from "@wireplay/wireplay/tools";
 * function line(p: OpenPort): string {
 *   return `${p.port}/tcp open ${p.service ?? ""}`.trim();
 * }
 * ```
 */
export interface OpenPort {
  /** The port number. */
  port: number;
  /** Our name for the service usually on that port. */
  service?: string;
  /** Connect time in milliseconds. */
  ms: number;
  /** What the service said (text, latin1), when `banner` was asked for. */
  banner?: string;
  /** True when the banner answered our probe rather than came unprompted. */
  probed?: boolean;
}

/**
 * The result of a scan.
 *
 * @example Open ports as a list
 * ```ts
 * import type { ScanResult } from "@wireplay/wireplay/tools";
 * function openPorts(r: ScanResult): number[] {
 *   return r.open.map((p) => p.port);
 * }
 * ```
 */
export interface ScanResult {
  /** The host as given. */
  host: string;
  /** The IP address scanned. */
  address: string;
  /** How many ports were scanned. */
  scanned: number;
  /** Every open port, in order. */
  open: OpenPort[];
  /** Ports that refused connections. */
  closed: number;
  /** Ports that never answered within the timeout (even on retry). */
  filtered: number[];
  /** Connections to itself, rejected (they are not a service). */
  selfConnects: number;
  /** Other failures by error name, with their ports. */
  errors: Record<string, number[]>;
  /** Wall time of the scan in milliseconds. */
  elapsedMs: number;
  /** Isolates the first pass ran in. */
  workers: number;
  /** Connects in flight in total. */
  concurrency: number;
  /** The engine that did the first pass. */
  engine: "deno" | "ffi";
}

/**
 * Connect-scans `options.ports` of `options.host`.
 *
 * @returns Every open port with its service name (and banner), and counts of the rest.
 *
 * @example Scan one port we opened
 * ```ts
 * import { scanPorts } from "./scan.ts";
 * import { assertEquals } from "@std/assert";
 * using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const r = await scanPorts({ host: "127.0.0.1", ports: [l.addr.port] });
 * assertEquals(r.open.map((p) => p.port), [l.addr.port]);
 * ```
 */
export async function scanPorts(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const address = await resolveHost(options.host);
  const timeout = options.timeout ?? 1000;
  const ports = options.ports;
  const cpus = navigator.hardwareConcurrency || 1;
  const engine = pickEngine(options.engine ?? "auto", ports.length);
  if (engine === "ffi") return await scanWithFfi(options, address, started);
  // More than 100 connects in flight need more isolates (Deno stalls beyond ~128 in one).
  const byDefault =
    options.concurrency !== undefined && options.concurrency > MAX_INFLIGHT_PER_ISOLATE
      ? Math.ceil(options.concurrency / MAX_INFLIGHT_PER_ISOLATE)
      : ports.length >= 4096
      ? Math.min(cpus, 4)
      : 1;
  const workers = Math.max(1, Math.min(options.workers ?? byDefault, 16, ports.length));
  const concurrency = Math.min(
    options.concurrency ?? MAX_INFLIGHT_PER_ISOLATE * workers,
    MAX_INFLIGHT_PER_ISOLATE * workers,
  );
  const perIsolate = Math.max(1, Math.floor(concurrency / workers));
  const total = ports.length;
  const progress = options.onProgress;

  let chunks: ChunkResult[];
  if (workers === 1) {
    chunks = [
      await scanChunk({
        address,
        ports,
        inflight: perIsolate,
        timeout,
        signal: options.signal,
        onProgress: progress && ((d, o) => progress(d, total, o)),
      }),
    ];
  } else {
    const shares: number[][] = Array.from({ length: workers }, () => []);
    ports.forEach((p, i) => shares[i % workers]!.push(p));
    const done = new Array<number>(workers).fill(0);
    const open = new Array<number>(workers).fill(0);
    chunks = await Promise.all(
      shares.map((share, k) =>
        runWorker(
          { address, ports: share, inflight: perIsolate, timeout, engine: "deno" },
          options.signal,
          (d, o) => {
            done[k] = d;
            open[k] = o;
            progress?.(sum(done), total, sum(open));
          },
        )
      ),
    );
  }
  return await finish(options, address, started, merge(chunks), {
    workers,
    concurrency: perIsolate * workers,
    engine: "deno",
    retryInflight: Math.min(MAX_INFLIGHT_PER_ISOLATE, Math.max(16, perIsolate)),
  });
}

/** The first pass with the FFI engine, in workers (it blocks while it polls). */
async function scanWithFfi(
  options: ScanOptions,
  address: string,
  started: number,
): Promise<ScanResult> {
  const ports = options.ports;
  const cpus = navigator.hardwareConcurrency || 1;
  const workers = Math.max(
    1,
    Math.min(options.workers ?? (ports.length >= 4096 ? Math.min(cpus, 4) : 1), 16),
  );
  const perIsolate = Math.max(
    1,
    Math.floor((options.concurrency ?? FFI_DEFAULT_INFLIGHT * workers) / workers),
  );
  const timeout = options.timeout ?? 1000;
  const total = ports.length;
  const shares: number[][] = Array.from({ length: workers }, () => []);
  ports.forEach((p, i) => shares[i % workers]!.push(p));
  const done = new Array<number>(workers).fill(0);
  const open = new Array<number>(workers).fill(0);
  const chunks = await Promise.all(
    shares.map((share, k) =>
      runWorker(
        { address, ports: share, inflight: perIsolate, timeout, engine: "ffi" },
        options.signal,
        (d, o) => {
          done[k] = d;
          open[k] = o;
          options.onProgress?.(sum(done), total, sum(open));
        },
      )
    ),
  );
  return await finish(options, address, started, merge(chunks), {
    workers,
    concurrency: perIsolate * workers,
    engine: "ffi",
    retryInflight: MAX_INFLIGHT_PER_ISOLATE,
  });
}

/** Retries timed-out ports, grabs banners, and builds the result. */
async function finish(
  options: ScanOptions,
  address: string,
  started: number,
  merged: ChunkResult,
  how: { workers: number; concurrency: number; engine: "deno" | "ffi"; retryInflight: number },
): Promise<ScanResult> {
  const timeout = options.timeout ?? 1000;
  const total = options.ports.length;

  // A port that timed out may be filtered, or may have met a slow moment (or a worker
  // gave it up untried): try again here, each connect timed afresh and aborted by signal.
  let timedOut = merged.timedOut.sort((a, b) => a - b);
  for (let r = 0; r < (options.retries ?? 1) && timedOut.length > 0; r++) {
    if (options.signal?.aborted) break;
    const again = await scanChunk({
      address,
      ports: timedOut,
      inflight: how.retryInflight,
      timeout,
      signal: options.signal,
    });
    merged.open.push(...again.open);
    merged.closed += again.closed;
    merged.selfConnects += again.selfConnects;
    for (const [k, v] of Object.entries(again.errors)) (merged.errors[k] ??= []).push(...v);
    timedOut = again.timedOut;
  }
  merged.open.sort((a, b) => a.port - b.port);

  const open: OpenPort[] = merged.open.map(({ port, ms }) => {
    const service = serviceName(port);
    return service ? { port, service, ms: roundMs(ms) } : { port, ms: roundMs(ms) };
  });
  if (options.banner && !options.signal?.aborted) {
    const bo = typeof options.banner === "object" ? options.banner : {};
    await Promise.all(open.map(async (p) => {
      const b = await grabBanner(address, p.port, bo);
      if (b) {
        p.banner = toLatin1(b.bytes);
        p.probed = b.probed;
      }
    }));
  }
  return {
    host: options.host,
    address,
    scanned: total,
    open,
    closed: merged.closed,
    filtered: timedOut,
    selfConnects: merged.selfConnects,
    errors: merged.errors,
    elapsedMs: roundMs(performance.now() - started),
    workers: how.workers,
    concurrency: how.concurrency,
    engine: how.engine,
  };
}

function pickEngine(asked: "auto" | "deno" | "ffi", ports: number): "deno" | "ffi" {
  if (asked === "deno") return "deno";
  const available = ffiEngineAvailable();
  if (asked === "ffi") {
    if (!available) throw new Error("The ffi scan engine needs Linux and --allow-ffi");
    return "ffi";
  }
  return available && ports >= 1024 ? "ffi" : "deno";
}

function runWorker(
  request: WorkerRequest,
  signal: AbortSignal | undefined,
  onProgress: (done: number, open: number) => void,
): Promise<ChunkResult> {
  const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, { type: "module" });
  return new Promise<ChunkResult>((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(signal?.reason ?? new DOMException("Scan aborted", "AbortError"));
    };
    signal?.addEventListener("abort", stop, { once: true });
    worker.onmessage = (e) => {
      if (e.data.kind === "progress") onProgress(e.data.done, e.data.open);
      else {
        signal?.removeEventListener("abort", stop);
        worker.terminate();
        resolve(e.data.result);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      signal?.removeEventListener("abort", stop);
      worker.terminate();
      reject(new Error(`Scan worker failed: ${e.message}`));
    };
    worker.postMessage(request);
  });
}

function merge(chunks: ChunkResult[]): ChunkResult {
  const out: ChunkResult = { open: [], closed: 0, timedOut: [], selfConnects: 0, errors: {} };
  for (const c of chunks) {
    out.open.push(...c.open);
    out.closed += c.closed;
    out.timedOut.push(...c.timedOut);
    out.selfConnects += c.selfConnects;
    for (const [k, v] of Object.entries(c.errors)) (out.errors[k] ??= []).push(...v);
  }
  return out;
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
