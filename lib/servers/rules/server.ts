/**
 * `serve rules ADDR as m`: a TCP/TLS/Unix mock driven by rules added with `on m …`.
 * Each connection has its own state (starting in `start`) and is served on its own, so
 * any number of clients can talk to it at once; a client that sends more than 1 MiB no
 * rule takes is dropped.
 *
 * @module
 */
import type { Address } from "../../address/address.ts";
import { writeAll } from "../../transport/duplex.ts";
import type { ServeOptions, ServerHandle } from "../server.ts";
import { startStreamServer } from "../stream_server.ts";
import { type Firing, onConnect, ReceivedLog, type Rule, START_STATE, step } from "./rules.ts";

/** The most unmatched bytes held per connection. */
export const MAX_UNMATCHED = 1024 * 1024;

/** A running rules mock. */
export interface RulesServerHandle extends ServerHandle {
  /** The rules, in the order written; add to it while it runs. */
  readonly rules: Rule[];
  /** Everything rules took from clients. */
  readonly received: ReceivedLog;
}

/** True when `h` is a rules mock. */
export function isRulesServer(h: unknown): h is RulesServerHandle {
  return typeof h === "object" && h !== null && (h as { kind?: string }).kind === "rules" &&
    "rules" in h;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Starts a rules mock on `address`. */
export async function startRulesServer(
  address: Address,
  options: ServeOptions,
): Promise<RulesServerHandle> {
  const rules: Rule[] = [];
  const received = new ReceivedLog();
  const handle = await startStreamServer("rules", address, options, async (conn, signal) => {
    let state = START_STATE;
    let closed = false;
    const fire = async (f: Firing) => {
      if (f.consumed.byteLength) received.add(f.consumed);
      if (!f.rule) return;
      f.rule.hits++;
      if (f.rule.delayMs) await sleep(f.rule.delayMs, signal);
      if (f.reply.byteLength) await writeAll(conn, f.reply);
      if (f.rule.setState !== undefined) state = f.rule.setState;
      if (f.rule.close) closed = true;
    };
    const first = onConnect(rules, state);
    if (first) await fire(first);
    let unread = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    while (!closed && !signal.aborted) {
      const n = await conn.read(chunk);
      if (n === null) break;
      const next = new Uint8Array(unread.byteLength + n);
      next.set(unread);
      next.set(chunk.subarray(0, n), unread.byteLength);
      unread = next;
      while (!closed) {
        const f = step(rules, state, unread);
        if (!f) break;
        unread = unread.slice(f.consumed.byteLength);
        await fire(f);
      }
      if (unread.byteLength > MAX_UNMATCHED) break; // no rule takes it: drop this client
    }
  });
  return Object.assign(handle, { rules, received });
}
