/**
 * Plays the client's side of a recorded conversation against a real server, with one
 * fault at one place: what `chaos` and `fuzz` are made of. A conversation is the
 * replay plan's steps seen from the client: `receive` steps are what the client sends,
 * `reply` steps what it reads back.
 *
 * @module
 */
import type { Address } from "../address/address.ts";
import { openDuplex } from "../transport/connect.ts";
import { type ByteDuplex, writeAll } from "../transport/duplex.ts";
import { resetConn } from "../proxy/reset.ts";
import { delay } from "../proxy/shaper.ts";
import type { ReplayConnection } from "../proxy/replay_plan.ts";

/** A fault the client injects at one place of its side. */
export type ChaosFault = "reset" | "close" | "stall" | "slice" | "latency";

/** Every fault, in case order. */
export const CHAOS_FAULTS: readonly ChaosFault[] = ["reset", "close", "stall", "slice", "latency"];

/** Where and what to inject: before (or half-way through) the client's message `message`. */
export interface Injection {
  fault: ChaosFault;
  /** The index among the connection's client messages (receive steps). */
  message: number;
  /** Half-way through the message instead of before it. */
  mid: boolean;
}

/** Limits of one play. */
export interface PlayLimits {
  /** How long to wait for each reply (ms). */
  replyTimeoutMs: number;
  /** How long a stall holds the connection open (ms). */
  stallMs: number;
  /** How long a latency spike is (ms). */
  spikeMs: number;
}

/** How one play ended. */
export interface PlayOutcome {
  /** The replies matched (a fault that ends the connection early ends it "ok"). */
  ok: boolean;
  /** What went wrong: `reply 2 differs`, `no reply within 2s`, `refused`, `reset`. */
  problem?: "refused" | "reset" | "timeout" | "differs" | "eof";
  detail?: string;
  /** What the server answered, per reply step (the baseline of later plays). */
  replies: Uint8Array[];
  /** The fault left this connection open (stall): close it when the case is over. */
  held?: ByteDuplex;
}

/** Reads exactly `n` bytes, or fewer at EOF; throws a timeout after `ms`. */
async function readN(conn: ByteDuplex, n: number, ms: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* closed */ }
  }, ms);
  try {
    while (got < n) {
      const r = await conn.read(out.subarray(got));
      if (r === null) break;
      got += r;
    }
  } catch (e) {
    if (timedOut) throw new PlayTimeout();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return out.subarray(0, got);
}

class PlayTimeout extends Error {}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Plays one connection's client side against `target`.
 * `baseline` replaces the recorded replies (what this server answered on a clean play).
 */
export async function playConnection(
  target: Address,
  conn: ReplayConnection,
  options: {
    limits: PlayLimits;
    injection?: Injection;
    baseline?: Uint8Array[];
  },
): Promise<PlayOutcome> {
  const { limits, injection } = options;
  const replies: Uint8Array[] = [];
  let c: ByteDuplex;
  try {
    c = await openDuplex(target, {}, AbortSignal.timeout(limits.replyTimeoutMs));
  } catch (e) {
    return { ok: false, problem: "refused", detail: (e as Error).message, replies };
  }
  let sliced = false;
  let messageIndex = 0;
  let replyIndex = 0;
  const send = async (bytes: Uint8Array) => {
    if (!sliced) return await writeAll(c, bytes);
    for (let i = 0; i < bytes.byteLength; i++) await writeAll(c, bytes.subarray(i, i + 1));
  };
  try {
    const steps = conn.steps;
    for (const step of steps) {
      if (step.kind === "receive") {
        const k = messageIndex++;
        let bytes = step.bytes;
        if (injection && injection.message === k) {
          const half = injection.mid ? Math.floor(bytes.byteLength / 2) : 0;
          switch (injection.fault) {
            case "reset":
            case "close":
            case "stall":
              if (half) await send(bytes.subarray(0, half));
              if (injection.fault === "reset") resetConn(c);
              else if (injection.fault === "close") c.close();
              else {
                await delay(limits.stallMs, AbortSignal.timeout(limits.stallMs + 1000)).catch(
                  () => {},
                );
                return { ok: true, replies, held: c };
              }
              return { ok: true, replies };
            case "slice":
              sliced = true;
              break;
            case "latency":
              if (half) {
                await send(bytes.subarray(0, half));
                bytes = bytes.subarray(half);
              }
              await delay(limits.spikeMs, AbortSignal.timeout(limits.spikeMs + 1000));
              break;
          }
        }
        await send(bytes);
      } else if (step.kind === "reply") {
        const want = options.baseline?.[replyIndex] ?? step.bytes;
        replyIndex++;
        const got = await readN(c, want.byteLength, limits.replyTimeoutMs);
        replies.push(got);
        if (got.byteLength < want.byteLength) {
          c.close();
          return {
            ok: false,
            problem: "eof",
            detail: `reply ${replyIndex} ended after ${got.byteLength} of ${want.byteLength} bytes`,
            replies,
          };
        }
        if (!same(got, want)) {
          c.close();
          return { ok: false, problem: "differs", detail: `reply ${replyIndex} differs`, replies };
        }
      } else if (step.kind === "reply-eof") {
        const rest = await readN(c, 1, limits.replyTimeoutMs);
        if (rest.byteLength) {
          c.close();
          return { ok: false, problem: "differs", detail: "more bytes than recorded", replies };
        }
      } else if (step.kind === "receive-eof") {
        await c.closeWrite();
      }
    }
    c.close();
    return { ok: true, replies };
  } catch (e) {
    try {
      c.close();
    } catch { /* closed */ }
    if (e instanceof PlayTimeout) {
      return {
        ok: false,
        problem: "timeout",
        detail: `no reply ${replyIndex} within ${limits.replyTimeoutMs}ms`,
        replies,
      };
    }
    if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe) {
      return { ok: false, problem: "reset", detail: (e as Error).message, replies };
    }
    return { ok: false, problem: "reset", detail: (e as Error).message, replies };
  }
}

/** How many client messages a connection has. */
export function messageCount(conn: ReplayConnection): number {
  return conn.steps.filter((s) => s.kind === "receive").length;
}
