/**
 * WebSocket statement forms (issue 13): `expect NAME message …`, `expect NAME close
 * [CODE]`, `expect NAME pong`, the frame words of `send` (`send NAME binary …`, `ping`,
 * `pong`, `close [CODE] ["reason"]`) and `ws-route SERVER PATH …` on a `serve http`.
 * `connect ws://…` itself is the core `connect`.
 *
 * @module
 */
import type { ValueNode } from "../ast.ts";
import type { StatementBase } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import type { SendNode } from "./core.ts";
import { type HttpMatcherNode, parseHttpMatcher } from "./http.ts";
import type { ExpectForm, StatementSyntax } from "./syntax.ts";

/** What `send NAME WORD …` sends on a WebSocket besides a text message. */
export type WsSendFrame = "binary" | "ping" | "pong" | "close";

/** The WebSocket part of a `send` node. */
export interface WsSendOptions {
  frame: WsSendFrame;
  /** `send NAME close CODE`. */
  code?: number;
}

/** `expect NAME message [text|binary] [MATCH | json PATH MATCHER]`, `close [CODE] ["reason"]`, `pong [MATCH]`. */
export interface WsExpectNode extends StatementBase {
  kind: "expect-ws";
  channel: string;
  what: "message" | "close" | "pong";
  /** `message text` / `message binary`: the message's type. */
  type?: "text" | "binary";
  /** The payload (or close reason): "text", hex "…", /regex/. */
  value?: ValueNode;
  /** `json PATH MATCHER` on a message. */
  json?: { path: string; matcher: HttpMatcherNode };
  /** `close CODE`. */
  code?: number;
  as?: string;
  withinMs?: number;
}

/** `ws-route SERVER PATH [send PAYLOAD]… [echo | reply PAYLOAD] [close CODE]` */
export interface WsRouteNode extends StatementBase {
  kind: "ws-route";
  server: string;
  path: ValueNode;
  /** Messages sent when a client connects. */
  greet: ValueNode[];
  /** What each client message gets: itself back, a fixed reply, or nothing. */
  answer: "echo" | "reply" | "none";
  reply?: ValueNode;
  /** Close with this code after the greeting (or after the first answer). */
  close?: number;
}

const FRAME_WORDS: readonly WsSendFrame[] = ["binary", "ping", "pong", "close"];

function closeCode(r: LineReader): number | undefined {
  if (!/^\d+$/.test(r.peekWord() ?? "")) return undefined;
  const v = r.value("a close code");
  if (v.type !== "number") return r.fail("a close code from 1000 to 4999", v.span);
  if (!Number.isInteger(v.value) || v.value < 1000 || v.value > 4999) {
    return r.fail("a close code from 1000 to 4999", v.span);
  }
  return v.value;
}

/**
 * The frame words of `send` (`binary`, `ping`, `pong`, `close`), read after the channel
 * name: a complete `send` node, or undefined when the next word is none of them.
 */
export function parseWsSend(
  r: LineReader,
  base: Omit<StatementBase, "kind">,
  channel: string,
): SendNode | undefined {
  const w = r.peekWord();
  const frame = FRAME_WORDS.find((f) => f === w);
  if (!frame) return undefined;
  r.word(frame);
  const ws: WsSendOptions = { frame };
  if (frame === "close") {
    const code = closeCode(r);
    if (code !== undefined) ws.code = code;
  }
  const payload: ValueNode[] = [];
  while (!r.atEnd()) {
    const v = r.value("a payload");
    if (v.type === "regex") r.fail("a payload cannot be a regex", v.span);
    payload.push(v);
  }
  if (frame === "binary" && payload.length === 0) {
    r.fail('binary needs a payload: send NAME binary hex "01 02"');
  }
  if (frame === "close" && payload.length > 0 && ws.code === undefined) {
    r.fail('a close reason needs a code first: send NAME close 1000 "bye"');
  }
  return { ...base, kind: "send", channel, payload, ws };
}

/** `expect NAME message|close|pong …`, selected by the word after the name. */
export const WS_NAMED_EXPECT_FORMS: ExpectForm[] = [
  {
    word: "message",
    usage: "expect NAME message [text|binary] [MATCH | json PATH MATCHER] [as VAR] [within D]",
    summary: 'the next WebSocket message: "text", hex "…", /regex/, json $.a == 1',
    example: 'expect w message "hello"',
    parse(r, base): WsExpectNode {
      const node = head(r, base, "message");
      if (r.keyword("text")) node.type = "text";
      else if (r.keyword("binary")) node.type = "binary";
      if (r.keyword("json")) {
        const path = r.word("a JSONPath like $.a.b").text;
        node.json = { path, matcher: parseHttpMatcher(r, "a JSON value", true) };
      } else {
        optionalValue(r, node, 'what to expect: "text", hex "…", /regex/');
      }
      return tail(r, node);
    },
  },
  {
    word: "close",
    usage: 'expect NAME close [CODE] ["reason" | /regex/] [within D]',
    summary: "the peer's WebSocket close frame (1006: ended without one)",
    example: "expect w close 1000",
    parse(r, base): WsExpectNode {
      const node = head(r, base, "close");
      const code = closeCode(r);
      if (code !== undefined) node.code = code;
      optionalValue(r, node, 'a reason: "text" or /regex/');
      return tail(r, node);
    },
  },
  {
    word: "pong",
    usage: "expect NAME pong [MATCH] [within D]",
    summary: "a pong (after send NAME ping)",
    example: "expect w pong",
    parse(r, base): WsExpectNode {
      const node = head(r, base, "pong");
      optionalValue(r, node, 'the payload: "text" or /regex/');
      return tail(r, node);
    },
  },
];

function head(
  r: LineReader,
  base: Omit<StatementBase, "kind">,
  what: WsExpectNode["what"],
): WsExpectNode {
  const channel = r.name("connection name").text;
  r.expectKeyword(what);
  return { ...base, kind: "expect-ws", channel, what };
}

/** The value to match (`what` names it in errors), unless the line ends or its options begin. */
function optionalValue(r: LineReader, node: WsExpectNode, what: string): void {
  if (r.atEnd() || ["as", "within"].includes(r.peekWord() ?? "")) return;
  node.value = r.value(what, { allowRegex: true });
}

function tail(r: LineReader, node: WsExpectNode): WsExpectNode {
  while (!r.atEnd()) {
    if (r.keyword("as")) node.as = r.name("variable name").text;
    else if (r.keyword("within")) node.withinMs = r.duration().ms;
    else r.fail(`unexpected "${r.peekWord()}" (options: as VAR, within D)`);
  }
  return node;
}

/** `websocket NAME`: a stream connection whose upgrade was sent as HTTP speaks WebSocket now. */
export interface WebsocketNode extends StatementBase {
  kind: "websocket";
  name: string;
}

/** The `websocket` and `ws-route` statements. */
export const WS_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "websocket",
    usage: "websocket NAME",
    summary: "switches a connection that sent its WebSocket upgrade as HTTP to messages",
    example: "websocket c1",
    details: [
      "WebSockets: connect ws://… or wss://… opens one; expect then takes whole messages:",
      "  serve echo ws://127.0.0.1:0 as e",
      "  connect ${e.url}/chat as w",
      '  send w "hi"                     # text; send w binary hex "01 02"; send w ping "p"',
      '  expect w message "hi"           # or /re/, json $.a == 1, binary hex "01 02"',
      '  send w close 1000 "bye"',
      "  expect w close 1000             # and expect w pong after a ping",
      'serve http takes WebSocket routes: ws-route api /chat send "welcome" echo.',
      "`websocket NAME` itself is what record writes: the upgrade as HTTP (send/expect),",
      "then `websocket cN`, then one statement per message; replay plays it back.",
    ].join("\n"),
    parse(r, base): WebsocketNode {
      const name = r.name("connection name").text;
      r.end();
      return { ...base, kind: "websocket", name };
    },
  },
  {
    keyword: "ws-route",
    usage: "ws-route SERVER PATH [send PAYLOAD]… [echo | reply PAYLOAD] [close CODE]",
    summary: "answers WebSocket upgrades on PATH of a serve http server",
    example: 'ws-route api /chat send "welcome" echo',
    completions: ["send", "echo", "reply", "close"],
    details: "Each client that upgrades on PATH gets the `send` messages, then every message " +
      "it sends back (`echo`, the default) or `reply PAYLOAD` for each; `close CODE` ends " +
      "the connection with that code after the greeting. `serve echo ws://ADDR` is an echo " +
      "on every path.",
    parse(r, base): WsRouteNode {
      const server = r.name("server name").text;
      const path = r.value("a path like /chat");
      if (path.type === "word" && !path.text.startsWith("/") && !path.text.startsWith("${")) {
        r.fail(`a route path starts with "/"`, path.span);
      }
      const node: WsRouteNode = {
        ...base,
        kind: "ws-route",
        server,
        path,
        greet: [],
        answer: "echo",
      };
      let answered = false;
      while (!r.atEnd()) {
        if (r.keyword("send")) node.greet.push(r.value("a message to send"));
        else if (r.keyword("echo") && !answered) answered = true;
        else if (r.keyword("reply") && !answered) {
          answered = true;
          node.answer = "reply";
          node.reply = r.value("the reply");
        } else if (r.keyword("close")) {
          const code = closeCode(r);
          if (code === undefined) r.fail("close takes a code from 1000 to 4999");
          node.close = code;
        } else r.fail(`unexpected "${r.peekWord()}" (options: send, echo, reply, close)`);
      }
      return node;
    },
  },
];
