/**
 * The server's side of a recorded WebSocket connection (what `ws_record.ts` writes): the
 * client's upgrade is matched by its request line (its key is fresh each time) and the
 * recorded 101 is answered with the accept value for that key; after `websocket cN`, a
 * `send cN …` is a frame the client must send (masked, any key), an `expect cN message …`
 * a frame to send.
 *
 * @module
 */
import { bytesEqual, fromUtf8 } from "../bytes/text.ts";
import { escapeForDisplay } from "../bytes/escape.ts";
import type { StatementBase, ValueNode } from "../script/ast.ts";
import type { ExpectNode, SendNode } from "../script/grammar/core.ts";
import type { WebsocketNode, WsExpectNode } from "../script/grammar/websocket.ts";
import type { Matcher, StreamBuffer } from "../transport/stream_buffer.ts";
import {
  closePayload,
  decodeWsFrame,
  encodeWsFrame,
  OPCODE,
  wsAccept,
  WsMessageAssembler,
} from "../transport/ws_frame.ts";
import type { ReplayConnection, ReplayContext, ReplayStep } from "./replay_plan.ts";

const LIMIT = 64 * 1024 * 1024;

/** What the planner hands over: the connections so far, a value's bytes, a failure. */
export interface WsPlanTools {
  byName: Map<string, ReplayConnection>;
  bytesOf(node: StatementBase, v: ValueNode): Promise<Uint8Array>;
  fail(node: StatementBase, message: string): never;
}

/**
 * Plans one statement if it is about a WebSocket connection (`websocket cN`, and sends and
 * expects on a connection after it); returns false for every other statement.
 */
export async function planWebSocket(node: StatementBase, t: WsPlanTools): Promise<boolean> {
  if (node.kind === "websocket") {
    const n = node as WebsocketNode;
    const c = t.byName.get(n.name);
    if (!c) return t.fail(node, `"${n.name}" is not a recorded connection`);
    upgradeSteps(c, node, t);
    c.websocket = true;
    return true;
  }
  const channel = (node as { channel?: string }).channel;
  const c = channel === undefined ? undefined : t.byName.get(channel);
  if (!c?.websocket) {
    if (node.kind === "expect-ws") {
      return t.fail(node, `"${channel}" is not a WebSocket here (no websocket ${channel} before)`);
    }
    return false;
  }
  const bytes = async (values: (ValueNode | undefined)[]) => {
    const parts: Uint8Array[] = [];
    for (const v of values) if (v) parts.push(await t.bytesOf(node, v));
    return parts.length === 1 ? parts[0]! : new Uint8Array(parts.flatMap((p) => [...p]));
  };
  if (node.kind === "send") {
    const n = node as SendNode;
    const frame = n.ws?.frame ?? "text";
    let payload = await bytes(n.payload);
    if (frame === "close") payload = closePayload(n.ws?.code, fromUtf8(payload));
    const opcode = OPCODE[frame];
    c.steps.push({
      kind: "receive",
      bytes: payload,
      node,
      matcher: (ctx) => clientFrame(ctx, opcode, payload),
    });
    return true;
  }
  if (node.kind === "expect" && (node as ExpectNode).matcher.type === "eof") return false;
  let frame: Uint8Array;
  if (node.kind === "expect") {
    const m = (node as ExpectNode).matcher;
    if (m.type !== "value" || m.value.type === "regex") {
      return t.fail(node, `only expect ${channel} "text" can be replayed on a WebSocket`);
    }
    frame = encodeWsFrame(OPCODE.text, await bytes([m.value]));
  } else if (node.kind === "expect-ws") {
    const n = node as WsExpectNode;
    if (n.json || n.value?.type === "regex") {
      return t.fail(node, "a /regex/ or json expect cannot be replayed: it says nothing exact");
    }
    if (n.what === "close") {
      const reason = n.value ? fromUtf8(await bytes([n.value])) : "";
      frame = encodeWsFrame(OPCODE.close, closePayload(n.code, reason));
    } else {
      const payload = n.value ? await bytes([n.value]) : new Uint8Array(0);
      const opcode = n.what === "pong"
        ? OPCODE.pong
        : n.type === "binary"
        ? OPCODE.binary
        : OPCODE.text;
      frame = encodeWsFrame(opcode, payload);
    }
  } else return false;
  const step: ReplayStep = { kind: "reply", bytes: frame, node };
  c.steps.push(step);
  return true;
}

/**
 * Turns the recorded upgrade (the last receive and reply before `websocket cN`) into a
 * match on its request line and an answer with the accept value for the client's key.
 */
function upgradeSteps(c: ReplayConnection, node: StatementBase, t: WsPlanTools): void {
  const receive = c.steps.findLast((s) => s.kind === "receive");
  const reply = c.steps.findLast((s) => s.kind === "reply");
  if (!receive || receive.kind !== "receive" || !reply || reply.kind !== "reply") {
    return t.fail(node, "websocket needs the upgrade (send … and expect … 101) before it");
  }
  const head = String.fromCharCode(...receive.bytes.subarray(0, 8192));
  const line = head.split("\r\n")[0]!;
  receive.bytes = new TextEncoder().encode(`${line}\r\n`);
  receive.matcher = (ctx) => upgradeRequest(ctx, line);
  const recorded = reply.bytes;
  reply.bytesFor = async (ctx) => {
    const text = String.fromCharCode(...recorded);
    const accept = await wsAccept(String(ctx.wsKey ?? ""));
    return Uint8Array.from(
      text.replace(/^(sec-websocket-accept:[ \t]*)\S+/im, `$1${accept}`),
      (ch) => ch.charCodeAt(0),
    );
  };
}

/**
 * Waits for a client's request head and says whether it asks for a WebSocket upgrade
 * (false on a head over 64 KiB, the client closing, or the deadline).
 */
export async function asksWebSocket(
  buffer: StreamBuffer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    return await buffer.until<boolean>({
      describe: () => "a request head",
      check(b) {
        const end = b.latin1().indexOf("\r\n\r\n");
        if (end >= 0) {
          return { done: /^upgrade:[ \t]*websocket[ \t]*$/im.test(b.latin1().slice(0, end)) };
        }
        return b.ended || b.length > 64 * 1024 ? { done: false } : undefined;
      },
    }, { timeoutMs, signal });
  } catch {
    return false;
  }
}

/** The client's upgrade: the recorded request line, any headers; keeps its key. */
function upgradeRequest(ctx: ReplayContext, line: string): Matcher<void> {
  return {
    describe: () => `the upgrade "${line}"`,
    check(buffer) {
      const text = buffer.latin1();
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        if (!(line + "\r\n").startsWith(text.slice(0, line.length + 2))) {
          return { fail: "not the recorded upgrade request" };
        }
        return buffer.length > 64 * 1024 ? { fail: "a request head over 64 KiB" } : undefined;
      }
      const head = text.slice(0, end);
      if (head.split("\r\n")[0] !== line) return { fail: "not the recorded upgrade request" };
      const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(head)?.[1];
      if (!key) return { fail: "an upgrade without Sec-WebSocket-Key" };
      ctx.wsKey = key;
      buffer.discard(end + 4);
      return { done: undefined };
    },
  };
}

/** The client's next message (masked, fragmented or not; its pongs skipped) must be this one. */
function clientFrame(ctx: ReplayContext, opcode: number, payload: Uint8Array): Matcher<void> {
  const assembler = (ctx.wsAssembler ??= new WsMessageAssembler(LIMIT)) as WsMessageAssembler;
  const name = Object.entries(OPCODE).find(([, v]) => v === opcode)?.[0] ?? "frame";
  return {
    describe: () => `a ${name} "${escapeForDisplay(payload, 200)}"`,
    check(buffer) {
      while (true) {
        let got;
        try {
          got = decodeWsFrame(buffer.unread, LIMIT);
        } catch (e) {
          return { fail: (e as Error).message };
        }
        if (!got) return undefined;
        if (!got.frame.masked) return { fail: "an unmasked frame from the client" };
        buffer.discard(got.size);
        const m = assembler.push(got.frame);
        if (!m || m.opcode === OPCODE.pong) continue;
        if (m.opcode !== opcode || !bytesEqual(m.payload, payload)) {
          const kind = Object.entries(OPCODE).find(([, v]) => v === m.opcode)?.[0];
          return { fail: `the client sent a ${kind} "${escapeForDisplay(m.payload, 200)}"` };
        }
        return { done: undefined };
      }
    },
  };
}
