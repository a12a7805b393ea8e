/**
 * Executors of the WebSocket forms (see `lib/script/grammar/websocket.ts`): `connect
 * ws://…`, `send` on a WebSocket, `expect NAME message|close|pong`, the core `expect`
 * matchers on messages, and `ws-route`.
 *
 * @module
 */
import { bytesEqual, fromUtf8 } from "../../bytes/text.ts";
import { escapeForDisplay } from "../../bytes/escape.ts";
import { JsonPathError, queryJsonPath } from "../../http/client/jsonpath.ts";
import { describeMatcher, matchValue } from "../../http/client/matchers.ts";
import { isHttpServerHandle } from "../../http/server/handle.ts";
import { wsRoutesOf } from "../../http/server/ws_routes.ts";
import type { ConnectNode, ExpectNode, SendNode } from "../../script/grammar/core.ts";
import type { WebsocketNode, WsExpectNode, WsRouteNode } from "../../script/grammar/websocket.ts";
import { execOnBytes, regexPrepare } from "../../transport/matchers.ts";
import { connectWebSocket, WsChannel, type WsMessage } from "../../transport/ws_channel.ts";
import type { Resource, Session } from "../session.ts";
import { evalBytes, evalMatch, evalText, type MatchValue } from "../values.ts";
import type { VarObject } from "../vars.ts";
import { evalMatcher } from "./http.ts";
import type { Executor } from "./executor.ts";
import { connectOptions } from "./connect_options.ts";

function wsResource(w: WsChannel): Resource {
  return {
    name: w.name,
    kind: w.kind,
    openedAt: w.openedAt,
    local: () => w.local,
    remote: () => w.remote,
    bytesIn: () => w.bytesIn,
    bytesOut: () => w.bytesOut,
    vars: () => ({ $: w.url, url: w.url, local: w.local, remote: w.remote }),
    close: () => w.close(),
    messages: w,
  };
}

/** `connect ws://…|wss://… as NAME [ca FILE | insecure] [servername H] [cert F key F] [timeout D]` */
export async function connectWs(node: ConnectNode, session: Session, url: string): Promise<void> {
  try {
    const w = await connectWebSocket(node.name, url, {
      ...(await connectOptions(node, session)),
      messageLimit: node.bufferLimit,
    });
    session.add(wsResource(w));
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail((e as Error).message, undefined, e);
  }
}

/** `send NAME …` on a WebSocket: a text message, or `binary`, `ping`, `pong`, `close`. */
export async function sendWs(
  node: SendNode,
  session: Session,
  w: WsChannel,
  bytes: Uint8Array,
): Promise<void> {
  if (node.to) return session.fail(`"to" is for UDP sockets; "${node.channel}" is a WebSocket`);
  const frame = node.ws?.frame;
  try {
    if (frame === "close") await w.sendClose(node.ws?.code, fromUtf8(bytes));
    else if (frame) await w.send(frame, bytes);
    else {
      if (fromUtf8(bytes).includes("\uFFFD")) {
        return session.fail("a text message must be UTF-8; use send NAME binary … for bytes");
      }
      await w.send("text", bytes);
    }
  } catch (e) {
    return session.fail(`send failed: ${(e as Error).message}`);
  }
}

function describeMatch(m: MatchValue): string {
  return "regex" in m
    ? `/${m.regex.source}/${m.regex.flags}`
    : `"${escapeForDisplay(m.bytes, 200)}"`;
}

/** A message as a variable: its text (or bytes), its type. */
function messageVar(m: WsMessage, captures?: RegExpExecArray): VarObject {
  const v: VarObject = {
    $: m.type === "text" ? fromUtf8(m.bytes) : m.bytes,
    type: m.type,
    length: m.bytes.byteLength,
  };
  captures?.slice(1).forEach((g, i) => (v[String(i + 1)] = g ?? ""));
  for (const [k, g] of Object.entries(captures?.groups ?? {})) v[k] = g ?? "";
  return v;
}

function wsOf(session: Session, name: string): WsChannel {
  const r = session.get(name);
  if (!r.messages) return session.fail(`"${name}" is a ${r.kind}, not a WebSocket`);
  return r.messages;
}

/** Checks one message against the expectation; undefined when it matches, else why not. */
async function checkMessage(
  node: WsExpectNode,
  session: Session,
  m: WsMessage,
  deadline: number,
): Promise<{ why?: string; captures?: RegExpExecArray; json?: unknown }> {
  if (node.type && m.type !== node.type) return { why: `a ${m.type} message` };
  if (node.json) {
    const text = fromUtf8(m.bytes);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { why: "a message that is not JSON" };
    }
    let found: unknown;
    try {
      found = queryJsonPath(doc, node.json.path)[0];
    } catch (e) {
      if (e instanceof JsonPathError) return session.fail(e.message);
      throw e;
    }
    const vm = await evalMatcher(session, node.json.matcher, true);
    const ok = matchValue(found, vm) !== (vm.negate ?? false);
    return ok ? { json: found } : {
      why: `json ${node.json.path} is ${found === undefined ? "absent" : JSON.stringify(found)}`,
    };
  }
  if (!node.value) return {};
  const want = await evalMatch(session, node.value);
  if ("bytes" in want) return bytesEqual(m.bytes, want.bytes) ? {} : { why: "message differs" };
  const prepare = regexPrepare(want.regex);
  if (prepare) await prepare();
  const found = execOnBytes(want.regex, m.bytes, deadline);
  return found ? { captures: found } : { why: "message does not match" };
}

async function expectedText(node: WsExpectNode, session: Session): Promise<string> {
  const type = node.type ? `${node.type} ` : "";
  if (node.json) {
    const vm = await evalMatcher(session, node.json.matcher, true);
    return `a ${type}message with json ${node.json.path} ${describeMatcher(vm)}`;
  }
  if (!node.value) return `a ${type}message`;
  return `a ${type}message ${describeMatch(await evalMatch(session, node.value))}`;
}

async function expectMessage(node: WsExpectNode, session: Session, w: WsChannel): Promise<void> {
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  const started = performance.now();
  const expected = await expectedText(node, session);
  let m: WsMessage;
  try {
    m = await w.next({ timeoutMs, signal: session.signal });
  } catch (e) {
    return session.fail(`no message: ${(e as Error).message}`, {
      expected,
      waitedMs: performance.now() - started,
      timeoutMs,
    });
  }
  const got = await checkMessage(node, session, m, performance.now() + timeoutMs);
  if (got.why) {
    w.giveBack(m); // a failed expect consumes nothing
    return session.fail(got.why, { expected, received: m.bytes, actual: `a ${m.type} message` });
  }
  if (node.as) {
    const v = messageVar(m, got.captures);
    if (node.json) v.json = got.json === undefined ? null : JSON.stringify(got.json);
    session.vars.set(node.as, v);
  }
  session.done(node, { received: m.bytes });
}

/** `expect NAME message|close|pong …`. */
const expectWs: Executor<WsExpectNode> = async (node, session) => {
  const w = wsOf(session, node.channel);
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  const started = performance.now();
  if (node.what === "message") return await expectMessage(node, session, w);
  if (node.what === "pong") {
    const want = node.value ? await evalMatch(session, node.value) : undefined;
    const expected = want ? `a pong ${describeMatch(want)}` : "a pong";
    let p: Uint8Array;
    try {
      p = await w.nextPong({ timeoutMs, signal: session.signal });
    } catch (e) {
      return session.fail(`no pong: ${(e as Error).message}`, {
        expected,
        waitedMs: performance.now() - started,
        timeoutMs,
      });
    }
    const ok = !want ||
      ("bytes" in want
        ? bytesEqual(p, want.bytes)
        : execOnBytes(want.regex, p, performance.now() + timeoutMs) !== null);
    if (!ok) return session.fail("pong differs", { expected, received: p });
    session.done(node, { received: p });
    return;
  }
  const expected = `close${node.code !== undefined ? ` ${node.code}` : ""}`;
  let c;
  try {
    c = await w.closed({ timeoutMs, signal: session.signal });
  } catch (e) {
    const pending = w.pending ? ` (${w.pending} unread messages)` : "";
    return session.fail(`no close frame: ${(e as Error).message}${pending}`, {
      expected,
      waitedMs: performance.now() - started,
      timeoutMs,
    });
  }
  const actual = `close ${c.code}${c.reason ? ` "${c.reason}"` : ""}`;
  if (node.code !== undefined && c.code !== node.code) {
    return session.fail("close code differs", { expected, actual });
  }
  if (node.value) {
    const want = await evalMatch(session, node.value);
    const reason = new TextEncoder().encode(c.reason);
    const ok = "bytes" in want
      ? bytesEqual(reason, want.bytes)
      : execOnBytes(want.regex, reason, performance.now() + timeoutMs) !== null;
    if (!ok) return session.fail("close reason differs", { expected: describeMatch(want), actual });
  }
  if (node.as) session.vars.set(node.as, { $: c.code, code: c.code, reason: c.reason });
  session.done(node);
};

/**
 * The core `expect NAME "text" | /re/ | line … | bytes N | eof | silence D` on a
 * WebSocket: the value matchers take the next message whole; `eof` waits for the close.
 */
export async function expectWsCore(
  node: ExpectNode,
  session: Session,
  w: WsChannel,
): Promise<void> {
  const m = node.matcher;
  if (m.type === "silence") {
    const started = performance.now();
    try {
      const got = await w.next({ timeoutMs: m.ms, signal: session.signal });
      w.giveBack(got);
      return session.fail("a message arrived during the silence", {
        received: got.bytes,
        waitedMs: performance.now() - started,
      });
    } catch (e) {
      if (e instanceof Error && e.name === "ExpectationError") throw e;
      if (!(e as Error).message.startsWith("timed out")) return session.fail((e as Error).message);
      session.done(node);
      return;
    }
  }
  if (m.type === "bytes") {
    return session.fail(`"${node.channel}" is a WebSocket: expect ${node.channel} message …`);
  }
  const ws: WsExpectNode = {
    kind: "expect-ws",
    span: node.span,
    source: node.source,
    channel: node.channel,
    what: m.type === "eof" ? "close" : "message",
    value: m.type === "value" ? m.value : m.type === "line" ? m.value : undefined,
    as: node.as,
    withinMs: node.withinMs,
  };
  await expectWs(ws, session);
}

/** `ws-route SERVER PATH …` */
const wsRoute: Executor<WsRouteNode> = async (node, session) => {
  const r = session.get(node.server);
  if (!isHttpServerHandle(r.handle)) {
    return session.fail(`"${node.server}" is a ${r.kind}, not a serve http server`);
  }
  const greet: Uint8Array[] = [];
  for (const g of node.greet) greet.push(await evalBytes(session, g));
  try {
    wsRoutesOf(r.handle.routes).add(await evalText(session, node.path), {
      greet,
      answer: node.answer,
      reply: node.reply ? await evalBytes(session, node.reply) : undefined,
      close: node.close,
    });
  } catch (e) {
    return session.fail((e as Error).message);
  }
  session.done(node);
};

/** `websocket NAME`: the stream connection `NAME` (upgraded by hand) becomes a WebSocket. */
const websocket: Executor<WebsocketNode> = (node, session) => {
  const r = session.get(node.name);
  if (!r.stream) return session.fail(`"${node.name}" is a ${r.kind}, not a stream connection`);
  const url = r.stream.remote.replace(/^tcp:/, "ws:").replace(/^tls:/, "wss:") + "/";
  session.resources.delete(node.name);
  session.add(wsResource(new WsChannel(node.name, url, r.stream, { events: session.events })));
  session.done(node);
  return Promise.resolve();
};

/** Executors of the WebSocket forms, by kind. */
export const WS_EXECUTORS: Record<string, Executor> = {
  websocket,
  "expect-ws": expectWs,
  "ws-route": wsRoute,
};
