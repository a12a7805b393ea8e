/**
 * Moves the bytes of one direction of a proxied connection: read into a fixed buffer,
 * write it out, read again. Without faults that is the whole loop (the write is awaited
 * before the next read, so a slow reader slows the writer and memory stays bounded);
 * with faults the chunks go through a {@linkcode ShapedWriter}.
 *
 * @module
 */
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import { type DirectionFaults, isClean } from "./faults.ts";
import { type After, delay, type ShapedBudget, ShapedWriter } from "./shaper.ts";

/** The size a pump's read buffer starts at. */
export const PUMP_BUFFER = 64 * 1024;
/**
 * The size a pump's read buffer grows to while reads keep filling it (bulk transfer):
 * fewer, larger reads and writes double loopback throughput compared with 64 KiB.
 */
export const PUMP_BUFFER_MAX = 2 * 1024 * 1024;

/** How a direction ended. */
export type PumpEnd =
  /** The source closed its side; the end was passed on (closeWrite). */
  | { kind: "eof" }
  /** The source reset or failed, or writing to the destination failed. */
  | { kind: "reset"; error: unknown }
  /** A reset-after / close-after budget was used up. */
  | { kind: "fault"; action: After }
  /** The direction was stalled by timeout-after; its source ended later (not passed on). */
  | { kind: "stalled" }
  /** The connection was torn down from outside. */
  | { kind: "stopped" };

/** What a pump needs. */
export interface PumpOptions {
  src: ByteDuplex;
  dst: ByteDuplex;
  /** The current faults of this direction, read on every chunk. */
  faults: () => DirectionFaults;
  /** When the connection started (performance.now()), for timeout-after. */
  startedAt: number;
  /** Aborted when the connection is torn down. */
  signal: AbortSignal;
  /** Sees each forwarded chunk (a view valid only during the call); may ask to wait. */
  onData?: (bytes: Uint8Array) => void | Promise<void>;
  /** Told when the source's end was passed on. */
  onEof?: () => void;
  /** Largest read buffer (default {@linkcode PUMP_BUFFER_MAX}); it starts at 64 KiB or less. */
  bufferSize?: number;
  /** What all shaped directions of the proxy may hold together (default: one of its own). */
  shapedBudget?: ShapedBudget;
}

/** Pumps `src` to `dst` until the source ends, a fault ends it, or the signal aborts. */
export async function pump(o: PumpOptions): Promise<PumpEnd> {
  const max = o.bufferSize ?? PUMP_BUFFER_MAX;
  // Two buffers: the next read fills one while the previous chunk's write is in flight, so
  // both sockets work at once; never more than one write is outstanding (backpressure).
  const bufs = [
    new Uint8Array(Math.min(PUMP_BUFFER, max)),
    new Uint8Array(Math.min(PUMP_BUFFER, max)),
  ];
  let current = 0;
  let buf = bufs[0]!;
  let inFlight: Promise<unknown> | undefined;
  const settle = async (): Promise<void> => {
    if (!inFlight) return;
    const w = inFlight;
    inFlight = undefined;
    await w;
  };
  let writer: ShapedWriter | undefined;
  let admitted = 0;
  let stalled = false;
  /** stall-after reached: read and drop until the source ends. */
  let stalledForGood = false;
  const stopped = (): PumpEnd | undefined => (o.signal.aborted ? { kind: "stopped" } : undefined);
  while (true) {
    let n: number | null;
    try {
      n = await o.src.read(buf);
    } catch (error) {
      await settle().catch(() => {});
      return stopped() ?? { kind: "reset", error };
    }
    if (o.signal.aborted) {
      await settle().catch(() => {});
      return { kind: "stopped" };
    }
    if (n === null) {
      if (stalled || stalledForGood) {
        await settle().catch(() => {});
        return { kind: "stalled" };
      }
      try {
        await settle();
        if (writer) await writer.drain();
        const slow = o.faults().slowCloseMs;
        if (slow) await delay(slow, o.signal);
        await o.dst.closeWrite();
      } catch (error) {
        return stopped() ?? { kind: "reset", error };
      }
      o.onEof?.();
      return { kind: "eof" };
    }
    if (stalledForGood) continue;
    let chunk = buf.subarray(0, n);
    const f = o.faults();
    // stalled (timeout-after): read and drop, keep the connection, until the fault is removed
    stalled = f.timeoutAfterMs !== undefined &&
      performance.now() - o.startedAt >= f.timeoutAfterMs;
    if (stalled) continue;
    if (isClean(f) && (!writer || writer.idle)) {
      if (n === buf.byteLength && buf.byteLength < max) {
        // this read filled the buffer: bulk data, read more at a time from now on (the
        // filled buffer stays as this chunk; the slot gets a larger one). Only here: a
        // shaped direction copies each chunk into its bounded queue and keeps 64 KiB reads.
        bufs[current] = new Uint8Array(Math.min(max, buf.byteLength * 2));
      }
      admitted += n;
      try {
        const wait = o.onData?.(chunk);
        if (wait) await wait;
        await settle(); // the previous write must finish before this one starts
        const w = writeAll(o.dst, chunk);
        w.catch(() => {}); // observed by settle()
        inFlight = w;
      } catch (error) {
        return stopped() ?? { kind: "reset", error };
      }
      current ^= 1; // read into the other buffer while this chunk is written
      buf = bufs[current]!;
      continue;
    }
    try {
      await settle();
    } catch (error) {
      return stopped() ?? { kind: "reset", error };
    }
    let after: After | undefined;
    let stallNow = false;
    const budget = minDefined(minDefined(f.resetAfter, f.closeAfter), f.stallAfter);
    if (budget !== undefined && admitted + n >= budget) {
      chunk = chunk.subarray(0, Math.max(0, budget - admitted));
      if (f.resetAfter === budget) after = "reset";
      else if (f.closeAfter === budget) after = "close";
      else stallNow = true;
    }
    admitted += chunk.byteLength;
    writer ??= new ShapedWriter(o.dst, o.faults, o.signal, o.shapedBudget);
    try {
      const wait = chunk.byteLength ? o.onData?.(chunk) : undefined;
      if (wait) await wait;
      await writer.push(chunk.slice(), after);
      if (after) {
        await writer.drain();
        return { kind: "fault", action: after };
      }
      if (stallNow) {
        await writer.drain();
        stalledForGood = true;
      }
    } catch (error) {
      return stopped() ?? { kind: "reset", error };
    }
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
