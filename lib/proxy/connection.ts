/**
 * One proxied connection: two pumps, and how the end of one direction ends the other.
 * A clean end (FIN) is passed on as a half-close and the connection closes once both
 * directions ended; a reset on either side resets both; a fault ends both its way.
 *
 * @module
 */
import type { ByteDuplex } from "../transport/duplex.ts";
import type { Faults } from "./faults.ts";
import { pump, type PumpEnd } from "./pump.ts";
import { resetConn } from "./reset.ts";
import type { ShapedBudget } from "./shaper.ts";
import type { ProxyTap, TapConnection, TapEnd } from "./tap.ts";

/**
 * Counters a proxy keeps over all its connections.
 *
 * @example Bytes through the proxy
 * ```ts
 * import type { ProxyStats } from "@wireplay/wireplay/proxy";
 * function line(s: ProxyStats): string {
 *   return `${s.accepted} connections, ${s.bytesUp} B up, ${s.bytesDown} B down`;
 * }
 * ```
 */
export interface ProxyStats {
  /** Client connections accepted. */
  accepted: number;
  /** Connections running now. */
  active: number;
  /** Connections refused on purpose (the `drop-connect` fault). */
  dropped: number;
  /** Connections that could not be proxied (upstream down, TLS handshake failed). */
  failed: number;
  /** Bytes forwarded client → upstream. */
  bytesUp: number;
  /** Bytes forwarded upstream → client. */
  bytesDown: number;
  /** Faults that took effect, by kind (`drop-connect`, `reset`, `close`, `stall`, `outage`…). */
  faults: Record<string, number>;
}

/** Counts one fault of `kind` in `stats`. */
export function countFault(stats: ProxyStats, kind: string): void {
  stats.faults[kind] = (stats.faults[kind] ?? 0) + 1;
}

/** What a connection needs from its proxy. */
export interface ConnectionContext {
  faults: () => Faults;
  tap?: ProxyTap;
  stats: ProxyStats;
  /** Aborted when the proxy closes. */
  signal: AbortSignal;
  bufferSize?: number;
  /** Shared by every shaped direction of the proxy (latency, bandwidth…). */
  shapedBudget?: ShapedBudget;
  /** Calls `listener` whenever the faults change; returns the unsubscribe function. */
  onChange?: (listener: () => void) => () => void;
}

/**
 * The faults that act on time rather than on bytes: reset the connection D after it
 * started (or after the fault was set on a running one), close it D after a direction
 * stalled, reset it when the proxy is down. Re-armed whenever the faults change.
 */
function watchTimedFaults(
  ctx: ConnectionContext,
  startedAt: number,
  teardown: (how: TapEnd) => void,
): () => void {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const arm = (since: number) => {
    for (const t of timers.splice(0)) clearTimeout(t);
    const f = ctx.faults();
    if (f.outage) {
      countFault(ctx.stats, "outage");
      teardown("reset");
      return;
    }
    const now = performance.now();
    const at = (ms: number, fn: () => void) =>
      timers.push(setTimeout(fn, Math.max(0, since + ms - now)));
    const reset = minOf(f.up.resetAfterMs, f.down.resetAfterMs);
    if (reset !== undefined) {
      at(reset, () => (countFault(ctx.stats, "reset"), teardown("fault-reset")));
    }
    for (const d of [f.up, f.down]) {
      if (d.stallCloseMs === undefined || d.timeoutAfterMs === undefined) continue;
      const stallAt = Math.max(startedAt + d.timeoutAfterMs, since);
      at(
        stallAt - since + d.stallCloseMs,
        () => (countFault(ctx.stats, "timeout"), teardown("fault-close")),
      );
    }
  };
  arm(startedAt);
  const off = ctx.onChange?.(() => arm(performance.now()));
  return () => {
    off?.();
    for (const t of timers.splice(0)) clearTimeout(t);
  };
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function safeClose(c: ByteDuplex): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

/** Pumps both directions between `client` and `upstream` until the connection is over. */
export async function runConnection(
  info: TapConnection,
  client: ByteDuplex,
  upstream: ByteDuplex,
  ctx: ConnectionContext,
): Promise<TapEnd> {
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, ctx.signal]);
  const startedAt = performance.now();
  const tap = ctx.tap;
  tap?.open(info);
  let ended: TapEnd | undefined;
  const teardown = (how: TapEnd) => {
    if (ended) return;
    ended = how;
    stop.abort();
    if (how === "reset" || how === "fault-reset") {
      resetConn(client);
      resetConn(upstream);
    } else {
      safeClose(client);
      safeClose(upstream);
    }
  };
  const onAbort = () => teardown("stopped");
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const unwatch = watchTimedFaults(ctx, startedAt, teardown);
  const settle = (end: PumpEnd) => {
    if (end.kind === "reset") teardown("reset");
    else if (end.kind === "fault") {
      countFault(ctx.stats, end.action);
      teardown(end.action === "reset" ? "fault-reset" : "fault-close");
    } else if (end.kind === "stalled") countFault(ctx.stats, "stall");
  };
  const up = pump({
    src: client,
    dst: upstream,
    faults: () => ctx.faults().up,
    startedAt,
    signal,
    bufferSize: ctx.bufferSize,
    shapedBudget: ctx.shapedBudget,
    onData: (b) => {
      ctx.stats.bytesUp += b.byteLength;
      return tap?.data(info, "up", b);
    },
    onEof: () => tap?.eof(info, "up"),
  }).then((e) => (settle(e), e));
  const down = pump({
    src: upstream,
    dst: client,
    faults: () => ctx.faults().down,
    startedAt,
    signal,
    bufferSize: ctx.bufferSize,
    shapedBudget: ctx.shapedBudget,
    onData: (b) => {
      ctx.stats.bytesDown += b.byteLength;
      return tap?.data(info, "down", b);
    },
    onEof: () => tap?.eof(info, "down"),
  }).then((e) => (settle(e), e));
  await Promise.all([up, down]);
  unwatch();
  ctx.signal.removeEventListener("abort", onAbort);
  teardown("closed");
  tap?.close(info, ended ?? "closed");
  return ended ?? "closed";
}
