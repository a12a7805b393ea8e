/**
 * The scan loop of one isolate: TCP connects to a list of ports with a bounded number in
 * flight, each timed from the moment it really starts, aborted by one sweeper timer.
 *
 * Deno leaves connects beyond about 128 in flight per isolate hanging until others
 * finish (measured: 200 in flight on loopback → 216 spurious timeouts), so
 * {@linkcode MAX_INFLIGHT_PER_ISOLATE} caps it; more parallelism comes from workers.
 *
 * @module
 */

/** The most connects one isolate keeps in flight (Deno stalls the excess beyond ~128). */
export const MAX_INFLIGHT_PER_ISOLATE = 100;

/** What one isolate found. */
export interface ChunkResult {
  /** Open ports with the connect time in milliseconds. */
  open: { port: number; ms: number }[];
  /** Ports that refused the connection. */
  closed: number;
  /** Ports whose connect did not finish within the timeout. */
  timedOut: number[];
  /** Connections to itself (local end == remote end), rejected as not open. */
  selfConnects: number;
  /** Other failures by error name, with the ports. */
  errors: Record<string, number[]>;
}

/** Options of {@linkcode scanChunk}. */
export interface ChunkOptions {
  /** The IP address to connect to. */
  address: string;
  /** Ports to try, in order. */
  ports: readonly number[];
  /** Connects in flight (capped at {@linkcode MAX_INFLIGHT_PER_ISOLATE}). */
  inflight: number;
  /** Milliseconds a connect may take. */
  timeout: number;
  /** Called with the count of ports finished so far, at most every 100 ms. */
  onProgress?: (done: number, open: number) => void;
  /** Stops the scan early. */
  signal?: AbortSignal;
  /**
   * Connect without an abort signal (cheaper): an attempt past the timeout is recorded as
   * timed out and left pending while a fresh lane carries on. Only for an isolate that
   * is terminated afterwards (a worker), which cancels what is still pending.
   */
  abandonLate?: boolean;
}

interface Attempt {
  started: number;
  abort: AbortController;
}

/**
 * Connect-scans `ports` of one address in this isolate.
 *
 * @returns Open, closed, timed out and failed ports; self-connects are not open.
 */
export async function scanChunk(options: ChunkOptions): Promise<ChunkResult> {
  if (options.abandonLate) return await scanAbandoning(options);
  const { address, ports, timeout } = options;
  const inflight = Math.max(1, Math.min(options.inflight, MAX_INFLIGHT_PER_ISOLATE));
  const result: ChunkResult = { open: [], closed: 0, timedOut: [], selfConnects: 0, errors: {} };
  const attempts = new Set<Attempt>();
  let next = 0;
  let done = 0;
  let lastProgress = 0;
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const a of attempts) if (now - a.started >= timeout) a.abort.abort();
    if (options.onProgress && now - lastProgress >= 100) {
      lastProgress = now;
      options.onProgress(done, result.open.length);
    }
  }, Math.max(5, Math.min(100, timeout / 4)));
  const onAbort = () => {
    next = ports.length;
    for (const a of attempts) a.abort.abort();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const lane = async () => {
    while (next < ports.length) {
      const port = ports[next++]!;
      const attempt: Attempt = { started: performance.now(), abort: new AbortController() };
      attempts.add(attempt);
      try {
        const conn = await Deno.connect({ hostname: address, port, signal: attempt.abort.signal });
        const ms = performance.now() - attempt.started;
        if (isSelfConnect(conn)) result.selfConnects++;
        else result.open.push({ port, ms });
        conn.close();
      } catch (e) {
        if (attempt.abort.signal.aborted) {
          if (!options.signal?.aborted) result.timedOut.push(port);
        } else if (e instanceof Deno.errors.ConnectionRefused) result.closed++;
        else (result.errors[(e as Error).name] ??= []).push(port);
      } finally {
        attempts.delete(attempt);
        done++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(inflight, ports.length) }, lane));
  } finally {
    clearInterval(sweep);
    options.signal?.removeEventListener("abort", onAbort);
  }
  options.onProgress?.(done, result.open.length);
  return result;
}

/** True when a TCP connection's local and remote ends are the same (a self-connect). */
export function isSelfConnect(conn: Deno.Conn): boolean {
  const l = conn.localAddr as Deno.NetAddr;
  const r = conn.remoteAddr as Deno.NetAddr;
  return l.port === r.port && l.hostname === r.hostname;
}

/** Most late attempts left pending before no more lanes are added (keeps the total < 128). */
const MAX_ABANDONED = 24;

interface LateAttempt {
  started: number;
  port: number;
  late: boolean;
}

/** {@linkcode scanChunk} without abort signals; see `abandonLate`. */
async function scanAbandoning(options: ChunkOptions): Promise<ChunkResult> {
  const { address, ports, timeout } = options;
  const inflight = Math.max(1, Math.min(options.inflight, MAX_INFLIGHT_PER_ISOLATE));
  const result: ChunkResult = { open: [], closed: 0, timedOut: [], selfConnects: 0, errors: {} };
  const attempts = new Set<LateAttempt>();
  const timedOut = new Set<number>();
  let next = 0;
  let done = 0;
  let abandoned = 0;
  let lastProgress = 0;
  // Lanes still working (not finished, not stuck on an abandoned attempt).
  let active = 0;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  const laneEnded = () => {
    if (--active === 0) finish();
  };
  const lane = async () => {
    active++;
    while (next < ports.length) {
      const port = ports[next++]!;
      const attempt: LateAttempt = { started: performance.now(), port, late: false };
      attempts.add(attempt);
      try {
        const conn = await Deno.connect({ hostname: address, port });
        const ms = performance.now() - attempt.started;
        if (isSelfConnect(conn)) result.selfConnects++;
        else {
          // Open, even if late: the truth beats the timeout.
          timedOut.delete(port);
          result.open.push({ port, ms });
        }
        conn.close();
      } catch (e) {
        timedOut.delete(port);
        if (e instanceof Deno.errors.ConnectionRefused) result.closed++;
        else (result.errors[(e as Error).name] ??= []).push(port);
      } finally {
        attempts.delete(attempt);
        if (!attempt.late) done++;
      }
      // A late lane was already counted out and replaced.
      if (attempt.late) return;
    }
    laneEnded();
  };
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const a of attempts) {
      if (a.late || now - a.started < timeout) continue;
      a.late = true;
      timedOut.add(a.port);
      done++;
      abandoned++;
      if (abandoned <= MAX_ABANDONED && next < ports.length) lane();
      laneEnded();
    }
    if (options.onProgress && now - lastProgress >= 100) {
      lastProgress = now;
      options.onProgress(done, result.open.length);
    }
  }, Math.max(5, Math.min(100, timeout / 4)));
  const lanes = Math.min(inflight, ports.length);
  if (lanes === 0) finish();
  for (let i = 0; i < lanes; i++) lane();
  try {
    await finished;
  } finally {
    clearInterval(sweep);
  }
  // Ports never tried because every lane was lost to late attempts: retried by the caller.
  for (; next < ports.length; next++) timedOut.add(ports[next]!);
  result.timedOut = [...timedOut];
  options.onProgress?.(done, result.open.length);
  return result;
}
