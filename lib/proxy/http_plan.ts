/**
 * Turns the recorded connections that carry HTTP/1.x into request/response exchanges
 * that `replay` can serve in any order, on any connection. Connections that are not
 * HTTP (or do not frame cleanly) stay byte-exact.
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";
import type { StatementBase } from "../script/ast.ts";
import {
  frameResponse,
  type HttpRequest,
  looksLikeHttpRequest,
  readRequest,
} from "./http_message.ts";
import type { ReplayConnection } from "./replay_plan.ts";

/**
 * One recorded request and the response the server gave.
 *
 * @example A recorded request and its answer
 * ```ts
 * import type { HttpExchange } from "@wireplay/wireplay/proxy";
 * function line(x: HttpExchange): string {
 *   return `${x.conn}: ${x.request.method} ${x.request.target} -> ${x.response.byteLength} bytes`;
 * }
 * ```
 */
export interface HttpExchange {
  /** The recorded connection (`c1`). */
  conn: string;
  /** The `send` statement that starts the request. */
  node: StatementBase;
  /** The recorded request, parsed. */
  request: HttpRequest;
  /** The response's bytes exactly as recorded. */
  response: Uint8Array;
  /** The recorded server closed the connection after this response. */
  closeAfter: boolean;
  /** Recorded pause before the response, ms (from `# after` notes), if any. */
  delayMs?: number;
}

/** The exchanges and the connections left byte-exact. */
export interface SplitPlan {
  exchanges: HttpExchange[];
  byteConnections: ReplayConnection[];
  /** Why a connection that looked like HTTP stays byte-exact. */
  warnings: string[];
}

/** Splits an HTTP connection into exchanges; throws SyntaxError when it does not frame. */
function exchangesOf(c: ReplayConnection): HttpExchange[] {
  const sent: Uint8Array[] = [];
  const starts: { offset: number; node: StatementBase }[] = [];
  const replies: Uint8Array[] = [];
  const replyDelays: { offset: number; delayMs?: number }[] = [];
  let sentSize = 0;
  let replySize = 0;
  let serverClosed = false;
  for (const s of c.steps) {
    if (s.kind === "receive") {
      starts.push({ offset: sentSize, node: s.node });
      sent.push(s.bytes);
      sentSize += s.bytes.byteLength;
    } else if (s.kind === "reply") {
      replyDelays.push({ offset: replySize, delayMs: s.delayMs });
      replies.push(s.bytes);
      replySize += s.bytes.byteLength;
    } else if (s.kind === "reply-eof") serverClosed = true;
  }
  const up = concatBytes(sent);
  const down = concatBytes(replies);
  const out: HttpExchange[] = [];
  let at = 0;
  let rat = 0;
  while (at < up.byteLength) {
    const req = readRequest(up.subarray(at));
    if (!req) throw new SyntaxError(`an incomplete request at byte ${at}`);
    const node = [...starts].reverse().find((s) => s.offset <= at)!.node;
    at += req.raw.byteLength;
    if (rat >= down.byteLength) break; // the client left before an answer
    const frame = frameResponse(down.subarray(rat), req.method, serverClosed);
    if (!frame) throw new SyntaxError(`an incomplete response at byte ${rat}`);
    const delayMs = replyDelays.find((d) => d.offset === rat)?.delayMs;
    out.push({
      conn: c.name,
      node,
      request: req,
      response: down.slice(rat, rat + frame.length),
      closeAfter: frame.untilClose || frame.closes,
      ...(delayMs !== undefined ? { delayMs } : {}),
    });
    rat += frame.length;
  }
  return out;
}

/** Splits a plan into HTTP exchanges and byte-exact connections. */
export function splitHttp(connections: ReplayConnection[]): SplitPlan {
  const plan: SplitPlan = { exchanges: [], byteConnections: [], warnings: [] };
  for (const c of connections) {
    const first = c.steps[0];
    if (first?.kind !== "receive" || c.websocket || !looksLikeHttpRequest(first.bytes)) {
      plan.byteConnections.push(c);
      continue;
    }
    try {
      plan.exchanges.push(...exchangesOf(c));
    } catch (e) {
      plan.warnings.push(`${c.name} (line ${c.line}) stays byte-exact: ${(e as Error).message}`);
      plan.byteConnections.push(c);
    }
  }
  return plan;
}
