/**
 * The options every `connect` shares whatever it opens (a stream or a WebSocket): TLS
 * material, server name, timeout, the session's cancel signal and event hub.
 *
 * @module
 */
import type { ConnectNode } from "../../script/grammar/core.ts";
import type { EventHub } from "../../transport/events.ts";
import type { Session } from "../session.ts";
import { evalPemFile as pem, evalText } from "../values.ts";

/** The evaluated TLS and wait options of a `connect` statement. */
export interface ConnectOptions {
  caCerts?: string[];
  insecure?: boolean;
  servername?: string;
  cert?: string;
  key?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  events: EventHub;
}

/** Evaluates a `connect` node's shared options in `session`. */
export async function connectOptions(node: ConnectNode, session: Session): Promise<ConnectOptions> {
  return {
    caCerts: node.ca ? [(await pem(session, node.ca))!] : undefined,
    insecure: node.insecure,
    servername: node.servername ? await evalText(session, node.servername) : undefined,
    cert: await pem(session, node.cert),
    key: await pem(session, node.key),
    timeoutMs: node.timeoutMs ?? session.timeoutMs,
    signal: session.signal,
    events: session.events,
  };
}
