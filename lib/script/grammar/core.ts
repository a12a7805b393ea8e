/**
 * The core statements of SPEC §3: variables, connections, listeners, datagrams,
 * send / expect / close, sleep, print, assert and the built-in servers.
 *
 * @module
 */
import type { Span, StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import { SERVE_KINDS } from "./serve_kinds.ts";
import { parseWsSend, type WsSendOptions } from "./websocket.ts";
import type { StatementSyntax } from "./syntax.ts";
import {
  parseSocketOption,
  socketOptionList,
  type SocketOptionsNode,
  socketOptionWords,
} from "./socket_options.ts";

/** `let NAME = VALUE` */
export interface LetNode extends StatementBase {
  kind: "let";
  name: string;
  value: ValueNode;
}
/** `timeout DURATION` */
export interface TimeoutNode extends StatementBase {
  kind: "timeout";
  ms: number;
}
/** `settle DURATION` */
export interface SettleNode extends StatementBase {
  kind: "settle";
  ms: number;
}
/** TLS and connection options shared by connect. */
export interface ConnectNode extends StatementBase {
  kind: "connect";
  address: ValueNode;
  name: string;
  ca?: ValueNode;
  insecure: boolean;
  servername?: ValueNode;
  /** A client certificate and its key (mutual TLS). */
  cert?: ValueNode;
  key?: ValueNode;
  timeoutMs?: number;
  bufferLimit?: number;
  /** `nodelay`, `keepalive`, `bind-source`, `ttl`, `sndbuf`, `rcvbuf`. */
  socket?: SocketOptionsNode;
}
/** `listen ADDR as NAME [cert FILE key FILE] [require-client-cert ca FILE]` */
export interface ListenNode extends StatementBase {
  kind: "listen";
  address: ValueNode;
  name: string;
  cert?: ValueNode;
  key?: ValueNode;
  /** TLS: clients must present a certificate signed by this CA file (mutual TLS). */
  clientCa?: ValueNode;
  bufferLimit?: number;
  /** `exec "COMMAND"`: the listener is an exec server (each client runs COMMAND). */
  exec?: ValueNode;
  /** `reuseaddr`, `reuseport`, `v6only`. */
  socket?: SocketOptionsNode;
}
/** `accept NAME as PEER [within D]` */
export interface AcceptNode extends StatementBase {
  kind: "accept";
  listener: string;
  name: string;
  withinMs?: number;
}
/** `bind udp://HOST:PORT as NAME [broadcast] [join GROUP [iface ADDR]]… [ttl N] [loopback on|off]` */
export interface BindNode extends StatementBase {
  kind: "bind";
  address: ValueNode;
  name: string;
  socket?: SocketOptionsNode;
}
/** `send NAME PAYLOAD… [to HOST:PORT]` */
export interface SendNode extends StatementBase {
  kind: "send";
  channel: string;
  payload: ValueNode[];
  to?: ValueNode;
  /** A WebSocket frame other than a text message (`binary`, `ping`, `pong`, `close`). */
  ws?: WsSendOptions;
}

/** What an `expect NAME …` waits for. */
export type StreamMatcherNode =
  | { type: "value"; value: ValueNode }
  | { type: "line"; value?: ValueNode }
  | { type: "bytes"; count: number }
  | { type: "eof" }
  | { type: "silence"; ms: number };

/** `expect NAME MATCHER [as VAR] [within D]` */
export interface ExpectNode extends StatementBase {
  kind: "expect";
  channel: string;
  matcher: StreamMatcherNode;
  as?: string;
  withinMs?: number;
  /** Quiet time before a held regex match is taken (default: the session's `settle`). */
  settleMs?: number;
  /** Take the first regex match at once (chunking-dependent, as in expect). */
  now?: true;
}
/** `close NAME` */
export interface CloseNode extends StatementBase {
  kind: "close";
  name: string;
}
/** `shutdown NAME`: half-close for writing. */
export interface ShutdownNode extends StatementBase {
  kind: "shutdown";
  name: string;
}
/** `sleep DURATION` */
export interface SleepNode extends StatementBase {
  kind: "sleep";
  ms: number;
}
/** `print VALUE…` */
export interface PrintNode extends StatementBase {
  kind: "print";
  values: ValueNode[];
}
/** The comparison operators of `assert`. */
export type AssertOp = "==" | "!=" | "~" | "!~" | "<" | ">" | "<=" | ">=";
/** `assert VALUE OP VALUE` */
export interface AssertNode extends StatementBase {
  kind: "assert";
  left: ValueNode;
  op: AssertOp;
  right: ValueNode;
}
/** `serve KIND ADDR as NAME [OPTION VALUE]…` */
export interface ServeNode extends StatementBase {
  kind: "serve";
  server: string;
  address: ValueNode;
  name: string;
  options: Record<string, ValueNode | true>;
}

/** The operators `assert` accepts, longest first. */
export const ASSERT_OPS: AssertOp[] = ["==", "!=", "!~", "<=", ">=", "~", "<", ">"];

function within(r: LineReader): number | undefined {
  return r.keyword("within") ? r.duration('a duration after "within"').ms : undefined;
}

function payloadValue(r: LineReader, what: string): ValueNode {
  const v = r.value(what);
  if (v.type === "regex") r.fail("a payload cannot be a regex", v.span);
  return v;
}

/** Reads the part of `expect NAME …` after the channel name. */
export function parseStreamMatcher(r: LineReader): StreamMatcherNode {
  const w = r.peekWord();
  if (w === "line") {
    r.word("line");
    const next = r.peekWord();
    if (next === undefined || next === "as" || next === "within") return { type: "line" };
    return { type: "line", value: r.value("the expected line", { allowRegex: true }) };
  }
  if (w === "bytes") {
    r.word("bytes");
    return { type: "bytes", count: r.size("a byte count").bytes };
  }
  if (w === "eof") {
    r.word("eof");
    return { type: "eof" };
  }
  if (w === "silence") {
    r.word("silence");
    return { type: "silence", ms: r.duration('a duration after "silence"').ms };
  }
  const value = r.value('what to expect: "text", /regex/, line, bytes N, eof or silence D', {
    allowRegex: true,
  });
  if (value.type === "number" || value.type === "duration" || value.type === "size") {
    r.fail(
      `expected a string, hex, file or /regex/ matcher; quote text: "${
        r.text.slice(value.span.col - 1, value.span.endCol - 1)
      }"`,
      value.span,
    );
  }
  if (value.type === "word" && !value.text.startsWith("${")) {
    r.fail(
      `"${value.text}" is not a matcher: quote text ("…"), or use /regex/, line, bytes N, eof, silence D`,
      value.span,
    );
  }
  return { type: "value", value };
}

function spanOf(v: ValueNode): Span {
  return v.span;
}

/** `listen ADDR as NAME exec "COMMAND"` is `serve exec ADDR "COMMAND" as NAME`. */
function listenExec(r: LineReader, node: ListenNode, command: ValueNode): ServeNode {
  if (node.clientCa || node.bufferLimit !== undefined) {
    r.fail(
      "exec takes no require-client-cert or buffer: each client talks to its own program",
      command.span,
    );
  }
  const options: Record<string, ValueNode | true> = { command };
  if (node.cert) options.cert = node.cert;
  if (node.key) options.key = node.key;
  const { span, source, address, name } = node;
  return { span, source, kind: "serve", server: "exec", address, name, options };
}

/** The core statements. */
export const CORE_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "let",
    aliases: ["set"],
    usage: "let NAME = VALUE",
    summary: "sets a variable, read back as ${NAME}",
    example: 'let key = "user:42"',
    parse(r, base): LetNode {
      const name = r.name("variable name").text;
      r.expectKeyword("=", "after the variable name");
      const value = r.value("a value", { allowRegex: true });
      r.end();
      return { ...base, kind: "let", name, value };
    },
  },
  {
    keyword: "timeout",
    usage: "timeout DURATION",
    summary: "sets how long expect and accept wait by default (5s)",
    example: "timeout 2s",
    parse(r, base): TimeoutNode {
      const ms = r.duration().ms;
      r.end();
      return { ...base, kind: "timeout", ms };
    },
  },
  {
    keyword: "settle",
    usage: "settle DURATION",
    summary: "how long a regex match that more bytes could change waits for quiet (50ms)",
    example: "settle 100ms",
    parse(r, base): SettleNode {
      const ms = r.duration().ms;
      r.end();
      return { ...base, kind: "settle", ms };
    },
  },
  {
    keyword: "connect",
    usage:
      "connect ADDR as NAME [ca FILE | insecure] [servername HOST] [cert FILE key FILE] [timeout D] [buffer SIZE] [nodelay on|off] [keepalive D|on|off] [bind-source ADDR[:PORT]] [ttl N] [sndbuf SIZE] [rcvbuf SIZE]",
    summary: "opens a TCP, TLS, Unix or UDP connection",
    example: "connect tcp://127.0.0.1:6379 as redis",
    completions: [
      "as",
      "ca",
      "insecure",
      "servername",
      "cert",
      "key",
      "timeout",
      "buffer",
      ...socketOptionWords("connect"),
    ],
    details:
      "TLS verifies the server's certificate against the built-in roots, or only `ca FILE` " +
      "(PEM, as curl --cacert: the server's own certificate or its CA); `insecure` skips " +
      "verification. `servername` sets SNI and the name verified. `cert FILE key FILE` sends a " +
      "client certificate (mutual TLS). `timeout D` bounds connecting and the handshake. " +
      "Socket options (TCP): `nodelay off` (on by default), `keepalive 30s|on|off`, " +
      "`bind-source ADDR[:PORT]` (as nc -s/-p), `ttl N`, `sndbuf SIZE`, `rcvbuf SIZE` (ttl, " +
      "buffer sizes and a keepalive time need --allow-ffi); read back as " +
      "${NAME.options.nodelay} and shown in :conns. " +
      "A udp:// address makes the peer the default destination of `send`. A ws:// or wss:// " +
      "URL opens a WebSocket: expect then works on whole messages (expect NAME message …).",
    parse(r, base): ConnectNode {
      const address = r.value("an address (tcp://HOST:PORT, tls://…, unix:///path, udp://…)");
      r.expectKeyword("as", "after the address");
      const name = r.name("connection name").text;
      const node: ConnectNode = { ...base, kind: "connect", address, name, insecure: false };
      while (!r.atEnd()) {
        if (r.keyword("ca")) node.ca = r.value("a CA file");
        else if (r.keyword("insecure")) node.insecure = true;
        else if (r.keyword("servername")) node.servername = r.value("a server name");
        else if (r.keyword("cert")) node.cert = r.value("a client certificate file");
        else if (r.keyword("key")) node.key = r.value("a client key file");
        else if (r.keyword("timeout")) node.timeoutMs = r.duration().ms;
        else if (r.keyword("buffer")) node.bufferLimit = r.size().bytes;
        else if (parseSocketOption(r, "connect", node.socket ??= {})) continue;
        else {r.fail(
            `unexpected "${r.peekWord()}" (options: ca FILE, insecure, servername HOST, cert FILE, key FILE, timeout D, buffer SIZE, ${
              socketOptionList("connect")
            })`,
          );}
      }
      if (node.insecure && node.ca) {
        r.fail("use either ca FILE or insecure, not both", spanOf(node.ca));
      }
      if ((node.cert === undefined) !== (node.key === undefined)) {
        r.fail("cert and key go together");
      }
      if (node.socket && Object.keys(node.socket).length === 0) delete node.socket;
      return node;
    },
  },
  {
    keyword: "listen",
    usage:
      "listen ADDR as NAME [cert FILE key FILE] [require-client-cert ca FILE] [buffer SIZE] [exec COMMAND] [reuseaddr] [reuseport] [v6only]",
    summary: "listens for TCP, TLS or Unix connections (port 0: any free port, see ${NAME.port})",
    example: "listen tcp://127.0.0.1:0 as srv",
    completions: [
      "as",
      "cert",
      "key",
      "require-client-cert",
      "ca",
      "buffer",
      "exec",
      ...socketOptionWords("listen"),
    ],
    details: "tls:// without `cert FILE key FILE` makes a self-signed pair (${NAME.cert}). " +
      "`require-client-cert ca FILE` refuses every client that does not present a certificate " +
      "signed by (or equal to) one in FILE (mutual TLS). " +
      '`exec "COMMAND"` (ncat -e) wires each client to a new run of COMMAND, as `serve exec`. ' +
      "`reuseport` lets several listeners (other processes too) share the port; `v6only` keeps " +
      "a [::] listener from taking IPv4 clients; `reuseaddr` is always on (Deno sets it).",
    parse(r, base): ListenNode | ServeNode {
      const address = r.value("an address");
      r.expectKeyword("as", "after the address");
      const name = r.name("listener name").text;
      const node: ListenNode = { ...base, kind: "listen", address, name };
      while (!r.atEnd()) {
        if (r.keyword("cert")) node.cert = r.value("a certificate file");
        else if (r.keyword("key")) node.key = r.value("a key file");
        else if (r.keyword("require-client-cert")) {
          r.expectKeyword("ca", "after require-client-cert");
          node.clientCa = r.value("a CA file");
        } else if (r.keyword("buffer")) node.bufferLimit = r.size().bytes;
        else if (r.keyword("exec")) node.exec = r.value('the command to run per client: "cat"');
        else if (parseSocketOption(r, "listen", node.socket ??= {})) continue;
        else {r.fail(
            `unexpected "${r.peekWord()}" (options: cert FILE, key FILE, require-client-cert ca FILE, buffer SIZE, exec COMMAND, ${
              socketOptionList("listen")
            })`,
          );}
      }
      if ((node.cert === undefined) !== (node.key === undefined)) {
        r.fail("cert and key go together");
      }
      if (node.socket && Object.keys(node.socket).length === 0) delete node.socket;
      if (node.exec) return listenExec(r, node, node.exec);
      return node;
    },
  },
  {
    keyword: "accept",
    usage: "accept LISTENER as NAME [within DURATION]",
    summary: "takes the next connection on a listener",
    example: "accept srv as client within 2s",
    completions: ["as", "within"],
    parse(r, base): AcceptNode {
      const listener = r.name("listener name").text;
      r.expectKeyword("as", "after the listener name");
      const name = r.name("connection name").text;
      const node: AcceptNode = { ...base, kind: "accept", listener, name, withinMs: within(r) };
      r.end();
      return node;
    },
  },
  {
    keyword: "bind",
    usage:
      "bind udp://HOST:PORT as NAME [broadcast] [join GROUP [iface ADDR]]… [ttl N] [loopback on|off] [reuseaddr|reuseport]",
    summary: "opens a UDP socket (port 0: any free port); broadcast and multicast",
    example: "bind udp://0.0.0.0:5000 as m join 239.1.2.3",
    completions: ["as", ...socketOptionWords("bind"), "iface"],
    details: "`broadcast` allows `send u … to 10.0.0.255:PORT` (a broadcast address); " +
      "`join 239.1.2.3 [iface 10.0.0.1]` joins a multicast group (IPv6: `join ff02::1234 iface " +
      "eth0`; `join`/`leave` statements later); `ttl N` is the multicast TTL; `loopback off` " +
      "keeps this host's members from hearing what this socket sends; `reuseaddr` (or " +
      "`reuseport`) lets several sockets share the port. ${NAME.options.groups} lists groups.",
    parse(r, base): BindNode {
      const address = r.value("a udp:// address");
      r.expectKeyword("as", "after the address");
      const name = r.name("socket name").text;
      const socket: SocketOptionsNode = {};
      while (!r.atEnd()) {
        if (!parseSocketOption(r, "bind", socket)) {
          r.fail(`unexpected "${r.peekWord()}" (options: ${socketOptionList("bind")})`);
        }
      }
      return {
        ...base,
        kind: "bind",
        address,
        name,
        ...(Object.keys(socket).length ? { socket } : {}),
      };
    },
  },
  {
    keyword: "send",
    usage: "send NAME PAYLOAD… [to HOST:PORT] | send NAME binary|ping|pong|close [CODE] PAYLOAD…",
    summary: "sends bytes (several payloads are joined); UDP: one datagram; WebSocket: one message",
    example: 'send redis "PING\\r\\n"',
    completions: ["to"],
    parse(r, base): SendNode {
      const channel = r.name("connection name").text;
      const ws = parseWsSend(r, base, channel);
      if (ws) return ws;
      const payload: ValueNode[] = [
        payloadValue(r, 'a payload ("text", \'raw\', hex "…", file "…")'),
      ];
      let to: ValueNode | undefined;
      while (!r.atEnd()) {
        if (r.keyword("to")) {
          to = r.value("a destination HOST:PORT");
          break;
        }
        payload.push(payloadValue(r, "a payload"));
      }
      r.end();
      return { ...base, kind: "send", channel, payload, to };
    },
  },
  {
    keyword: "close",
    usage: "close NAME",
    summary: "closes a connection, listener, socket or server",
    example: "close redis",
    parse(r, base): CloseNode {
      const name = r.name("name").text;
      r.end();
      return { ...base, kind: "close", name };
    },
  },
  {
    keyword: "shutdown",
    usage: "shutdown NAME",
    summary: "half-closes a connection: the peer sees end of stream, replies still arrive",
    example: "shutdown c",
    parse(r, base): ShutdownNode {
      const name = r.name("connection name").text;
      r.end();
      return { ...base, kind: "shutdown", name };
    },
  },
  {
    keyword: "sleep",
    usage: "sleep DURATION",
    summary: "waits",
    example: "sleep 100ms",
    parse(r, base): SleepNode {
      const ms = r.duration().ms;
      r.end();
      return { ...base, kind: "sleep", ms };
    },
  },
  {
    keyword: "print",
    aliases: ["echo"],
    usage: "print VALUE…",
    summary: "prints values",
    example: 'print "port is ${srv.port}"',
    parse(r, base): PrintNode {
      const values: ValueNode[] = [];
      while (!r.atEnd()) values.push(r.value("a value", { allowRegex: true }));
      return { ...base, kind: "print", values };
    },
  },
  {
    keyword: "assert",
    usage: "assert VALUE (== | != | ~ | !~ | < | > | <= | >=) VALUE",
    summary: "checks a value: equality, regex match (~) or numeric order",
    example: 'assert "${v.1}" == "PONG"',
    parse(r, base): AssertNode {
      const left = r.value("a value");
      const opWord = r.word("an operator (==, !=, ~, !~, <, >, <=, >=)");
      const op = ASSERT_OPS.find((o) => o === opWord.text);
      if (!op) {
        return r.fail(
          `"${opWord.text}" is not an operator (==, !=, ~, !~, <, >, <=, >=)`,
          opWord.span,
        );
      }
      const right = r.value("a value", { allowRegex: true });
      r.end();
      return { ...base, kind: "assert", left, op, right };
    },
  },
  {
    keyword: "serve",
    usage: "serve KIND ADDR as NAME [OPTION VALUE]…",
    details: 'serve exec ADDR "COMMAND" as NAME runs COMMAND for each client (ncat -e). ' +
      "`workers N` (echo, discard, chargen, http) runs N servers in N isolates on one port " +
      "(SO_REUSEPORT): serve http tcp://0.0.0.0:8080 as web workers 2. chat refuses it (one hub).",
    summary: `starts a built-in server: ${Object.keys(SERVE_KINDS).join(", ")}`,
    example: "serve echo tcp://127.0.0.1:0 as echo",
    get completions() {
      return Object.keys(SERVE_KINDS);
    },
    parse(r, base): ServeNode {
      const kindWord = r.word("a server kind");
      const kind = SERVE_KINDS[kindWord.text];
      if (!kind) {
        return r.fail(
          `unknown server kind "${kindWord.text}" (known: ${Object.keys(SERVE_KINDS).join(", ")})`,
          kindWord.span,
        );
      }
      const address = r.value("an address");
      const options: Record<string, ValueNode | true> = {};
      if (kind.argument) options[kind.argument.option] = r.value(kind.argument.what);
      r.expectKeyword("as", "after the address");
      const name = r.name("server name").text;
      while (!r.atEnd()) {
        const opt = r.word("an option");
        // every kind takes `quiet`: the REPL then does not log its connections
        const type = opt.text === "quiet" ? "flag" : kind.options[opt.text];
        if (!type) {
          const known = Object.keys(kind.options);
          r.fail(
            `serve ${kindWord.text} has no option "${opt.text}"${
              known.length ? ` (options: ${known.join(", ")})` : ""
            }`,
            opt.span,
          );
        }
        options[opt.text] = type === "flag" ? true : r.value(`a value for ${opt.text}`);
      }
      return { ...base, kind: "serve", server: kindWord.text, address, name, options };
    },
  },
];

/** The `expect NAME …` statement (the stream and datagram form). */
export const EXPECT_CHANNEL = {
  usage: "expect NAME MATCHER [as VAR] [within DURATION] [settle DURATION | now]",
  summary: 'waits for data: "text", /regex/, line [MATCHER], bytes N, eof, silence D',
  example: 'expect redis line "+PONG"',
  parse(r: LineReader, base: Omit<StatementBase, "kind">): ExpectNode {
    const channel = r.name("connection name").text;
    const matcher = parseStreamMatcher(r);
    let as: string | undefined;
    let withinMs: number | undefined;
    let settleMs: number | undefined;
    let now: true | undefined;
    while (!r.atEnd()) {
      if (r.keyword("as")) as = r.name("variable name").text;
      else if (r.keyword("within")) withinMs = r.duration().ms;
      else if (r.keyword("settle")) settleMs = r.duration().ms;
      else if (r.keyword("now")) now = true;
      else r.fail(`unexpected "${r.peekWord()}" (options: as VAR, within D, settle D, now)`);
    }
    if (matcher.type === "silence" && withinMs !== undefined) {
      r.fail('silence takes its own duration; drop "within"');
    }
    if (now && settleMs !== undefined) r.fail('"now" takes a match at once; drop "settle"');
    return {
      ...base,
      kind: "expect",
      channel,
      matcher,
      as,
      withinMs,
      ...(settleMs !== undefined ? { settleMs } : {}),
      ...(now ? { now } : {}),
    };
  },
};
