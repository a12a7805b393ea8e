/**
 * One client connection of the chat server: reads lines within the limits, applies the
 * rate limit, hands commands to the hub, and writes through a bounded outbox.
 *
 * @module
 */
import { neutraliseText } from "../../bytes/terminal.ts";
import { type ChatHub, type ChatMember } from "./hub.ts";
import { parseChatLine } from "./commands.ts";
import type { ChatLimits } from "./limits.ts";
import { LineSplitter } from "./line_splitter.ts";
import { Outbox } from "./outbox.ts";
import { TokenBucket } from "./token_bucket.ts";

/** The connection a session runs over (a `Deno.Conn` or `Deno.TlsConn`). */
export interface SessionConn {
  read(into: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}

const READ_CHUNK = 4096;
const FLUSH_ON_CLOSE_MS = 1000;

/**
 * Runs one client until it quits, disconnects, is dropped or `signal` aborts.
 *
 * @param conn The accepted connection; closed when this resolves.
 * @param hub The shared chat state.
 * @param limits Line, queue and rate limits.
 * @param peer A label for the log, e.g. `127.0.0.1:50123`.
 * @param signal Aborts the session (server shutdown).
 * @param welcome The first line the client sees.
 */
export async function runChatSession(
  conn: SessionConn,
  hub: ChatHub,
  limits: ChatLimits,
  peer: string,
  signal: AbortSignal,
  welcome: string,
): Promise<void> {
  let closed = false;
  const closeConn = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  const outbox = new Outbox(conn, limits.maxQueueBytes);
  let dropReason: string | undefined;
  const member: ChatMember = {
    id: 0,
    nick: hub.guestNick(),
    room: "",
    peer,
    gone: false,
    // a client already on its way out is not "too slow": its notices just go nowhere
    push: (data) => outbox.closing || outbox.push(data),
    drop: (reason) => {
      dropReason = reason;
      outbox.end();
      closeConn();
    },
  };
  const onAbort = () => {
    // let the writer say goodbye, then cut; never wait long for a stuck reader
    outbox.end();
    timer = setTimeout(closeConn, FLUSH_ON_CLOSE_MS);
    outbox.finished.then(closeConn);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener("abort", onAbort, { once: true });
  const bucket = new TokenBucket(limits.ratePerSecond, limits.burst);
  const splitter = new LineSplitter(limits.maxLineBytes);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const buf = new Uint8Array(READ_CHUNK);
  let reason = "connection closed";
  try {
    hub.admit(member, welcome);
    reading: while (!member.gone && !signal.aborted) {
      const n = await conn.read(buf);
      if (n === null) break;
      for (const item of splitter.push(buf.subarray(0, n))) {
        if (member.gone || signal.aborted) break reading;
        if (item.kind === "too-long") {
          hub.notice(member, `! line too long (limit ${limits.maxLineBytes} bytes), ignored`);
          continue;
        }
        let text: string;
        try {
          text = decoder.decode(item.bytes);
        } catch {
          hub.notice(member, "! line is not valid UTF-8, ignored");
          continue;
        }
        // the rate limit holds the reader back: a flooder fills its own socket, no one else's
        const wait = bucket.waitMs();
        if (wait > 0) await abortableDelay(wait, signal);
        if (signal.aborted) break reading;
        bucket.tryTake();
        if (!hub.handle(member, parseChatLine(neutraliseText(text), limits.maxNickLength))) {
          reason = "quit";
          break reading;
        }
      }
    }
  } catch {
    reason = dropReason ?? "connection error";
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (signal.aborted) reason = "server shutting down";
    hub.leave(member, dropReason ? `dropped: ${dropReason}` : reason);
    outbox.end();
    if (!closed) {
      // flush what is queued (a goodbye), but never wait long for a stuck reader
      const t = setTimeout(closeConn, FLUSH_ON_CLOSE_MS);
      await outbox.finished;
      clearTimeout(t);
    }
    if (timer !== undefined) clearTimeout(timer);
    closeConn();
    await outbox.finished;
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
