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

/** Counters a proxy keeps over all its connections. */
export interface ProxyStats {
  accepted: number;
  active: number;
  dropped: number;
  failed: number;
  bytesUp: number;
  bytesDown: number;
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
  const settle = (end: PumpEnd) => {
    if (end.kind === "reset") teardown("reset");
    else if (end.kind === "fault") teardown(end.action === "reset" ? "fault-reset" : "fault-close");
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
  ctx.signal.removeEventListener("abort", onAbort);
  teardown("closed");
  tap?.close(info, ended ?? "closed");
  return ended ?? "closed";
}
