/**
 * Executors of the core statements (see `lib/script/grammar/core.ts`).
 *
 * @module
 */
import { type Address, parseAddress } from "../../address/address.ts";
import { escapeForDisplay } from "../../bytes/escape.ts";
import { bytesEqual, concatBytes, fromUtf8 } from "../../bytes/text.ts";
import type {
  AcceptNode,
  AssertNode,
  BindNode,
  CloseNode,
  ConnectNode,
  ExpectNode,
  LetNode,
  ListenNode,
  PrintNode,
  SendNode,
  ServeNode,
  SettleNode,
  ShutdownNode,
  SleepNode,
  TimeoutNode,
} from "../../script/grammar/core.ts";
import { connectStream } from "../../transport/connect.ts";
import {
  bindDatagram,
  connectDatagram,
  type DatagramChannel,
} from "../../transport/datagram_channel.ts";
import {
  bytesMatcher,
  eofMatcher,
  exactMatcher,
  execOnBytes,
  lineMatcher,
  regexMatcher,
  regexPrepare,
} from "../../transport/matchers.ts";
import { type Matcher, MatchError } from "../../transport/stream_buffer.ts";
import type { StreamChannel } from "../../transport/stream_channel.ts";
import { listenStream, type StreamListener } from "../../transport/stream_listener.ts";
import type { Resource, Session } from "../session.ts";
import {
  evalBytes,
  evalMatch,
  evalPemFile as pem,
  evalText,
  evalVar,
  type MatchValue,
  readPem,
} from "../values.ts";
import type { Var, VarObject } from "../vars.ts";
import { ExpectationUpdater, takeWhenQuiet } from "../updater.ts";
import type { Executor } from "./executor.ts";
import {
  applyBindOptions,
  datagramOptions,
  listenSocketOptions,
  tcpSocketOptions,
} from "./sockets.ts";
import { compare } from "../condition.ts";
// WebSocket channels and servers load on first use (start-up: node:http2, node:tls, x509…)
const webSockets = () => import("./websocket.ts");

/** True for a ws:// or wss:// address. */
function isWsUrl(text: string): boolean {
  return /^wss?:\/\//i.test(text);
}
import { connectOptions } from "./connect_options.ts";

/** `ws://…` → `http://…` (`wss` → `https`): where a WebSocket server listens. */
function wsToHttp(text: string): string {
  return text.replace(/^ws/i, "http");
}

/** A statement's address; a plain `HOST:PORT` means `tcp://HOST:PORT` (`udp://` for bind). */
async function address(
  session: Session,
  node: { address: ConnectNode["address"] },
  plain: "tcp" | "udp" = "tcp",
): Promise<Address> {
  const text = await evalText(session, node.address);
  try {
    return parseAddress(text, plain);
  } catch (e) {
    return session.fail((e as Error).message);
  }
}

/** The resource record for a stream channel. */
export function streamResource(channel: StreamChannel): Resource {
  return {
    name: channel.name,
    kind: channel.kind,
    openedAt: channel.openedAt,
    local: () => channel.local,
    remote: () => channel.remote,
    bytesIn: () => channel.bytesIn,
    bytesOut: () => channel.bytesOut,
    vars: () => ({
      ...channelVars(channel.local, channel.remote),
      ...(Object.keys(channel.socketOptions).length ? { options: channel.socketOptions } : {}),
    }),
    close: () => channel.close(),
    stream: channel,
  };
}

function channelVars(local: string, remote: string): VarObject {
  const port = (a: string) => Number(/:(\d+)$/.exec(a)?.[1] ?? 0);
  return { $: remote || local, local, remote, port: port(local), remotePort: port(remote) };
}

function datagramResource(channel: DatagramChannel, kind = "udp"): Resource {
  return {
    name: channel.name,
    kind,
    openedAt: channel.openedAt,
    local: () => channel.local,
    remote: () => channel.remote,
    bytesIn: () => channel.bytesIn,
    bytesOut: () => channel.bytesOut,
    vars: () => ({
      ...channelVars(channel.local, channel.remote),
      host: channel.host,
      port: channel.port,
      options: channel.socketOptions,
    }),
    close: () => channel.close(),
    datagram: channel,
  };
}

function listenerResource(listener: StreamListener, options: VarObject = {}): Resource {
  return {
    name: listener.name,
    kind: `${listener.kind} listener`,
    openedAt: Date.now(),
    local: () => listener.address,
    vars: () => ({
      $: listener.address,
      address: listener.address,
      host: listener.host,
      port: listener.port,
      ...(listener.certPath ? { cert: listener.certPath } : {}),
      ...(Object.keys(options).length ? { options } : {}),
    }),
    close: () => listener.close(),
    listener,
  };
}

/** Returns the stream channel named `name`, or fails the statement. */
export function streamOf(session: Session, name: string): StreamChannel {
  const r = session.get(name);
  if (!r.stream) return session.fail(`"${name}" is a ${r.kind}, not a connection`);
  return r.stream;
}

const connect: Executor<ConnectNode> = async (node, session) => {
  session.claim(node.name);
  const text = await evalText(session, node.address);
  if (isWsUrl(text)) return await (await webSockets()).connectWs(node, session, text);
  const addr = await address(session, node);
  const socket = await tcpSocketOptions(session, node.socket, addr.scheme);
  if (addr.scheme === "udp") {
    session.add(datagramResource(connectDatagram(node.name, addr, { events: session.events })));
    return;
  }
  if (addr.scheme === "http" || addr.scheme === "https") {
    return session.fail(
      `use "http GET ${addr.url}" for HTTP, or connect tcp://${addr.host}:${addr.port}`,
    );
  }
  try {
    const channel = await connectStream(node.name, addr, {
      ...(await connectOptions(node, session)),
      bufferLimit: node.bufferLimit,
      socket,
    });
    session.add(streamResource(channel));
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail((e as Error).message, undefined, e);
  }
};

const listen: Executor<ListenNode> = async (node, session) => {
  session.claim(node.name);
  const addr = await address(session, node);
  if (addr.scheme === "udp") {
    return session.fail(
      `use "bind ${await evalText(session, node.address)} as ${node.name}" for UDP`,
    );
  }
  const sockopts = listenSocketOptions(session, node.socket, addr.scheme);
  try {
    const listener = await listenStream(node.name, addr, {
      reusePort: sockopts.reusePort,
      cert: await pem(session, node.cert),
      key: await pem(session, node.key),
      clientCa: await pem(session, node.clientCa),
      bufferLimit: node.bufferLimit,
      events: session.events,
    });
    session.add(listenerResource(listener, sockopts.shown));
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail(
      `cannot listen on ${await evalText(session, node.address)}: ${(e as Error).message}`,
    );
  }
};

const accept: Executor<AcceptNode> = async (node, session) => {
  const r = session.get(node.listener);
  if (!r.listener) return session.fail(`"${node.listener}" is a ${r.kind}, not a listener`);
  session.claim(node.name);
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  const started = performance.now();
  try {
    const channel = await r.listener.accept(node.name, { timeoutMs, signal: session.signal });
    session.add(streamResource(channel));
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail(`no connection accepted on "${node.listener}": ${(e as Error).message}`, {
      waitedMs: performance.now() - started,
      timeoutMs,
    });
  }
};

const bind: Executor<BindNode> = async (node, session) => {
  session.claim(node.name);
  const addr = await address(session, node, "udp");
  if (addr.scheme !== "udp") {
    return session.fail(`bind takes a udp:// address; use listen for ${addr.scheme}`);
  }
  try {
    const channel = bindDatagram(node.name, addr, {
      events: session.events,
      socket: datagramOptions(node.socket),
    });
    try {
      await applyBindOptions(session, channel, node.socket);
    } catch (e) {
      await channel.close();
      throw e;
    }
    session.add(datagramResource(channel));
  } catch (e) {
    if (e instanceof Error && e.name === "ExpectationError") throw e;
    return session.fail(
      `cannot bind ${await evalText(session, node.address)}: ${(e as Error).message}`,
    );
  }
};

const send: Executor<SendNode> = async (node, session) => {
  const r = session.get(node.channel);
  const parts = [];
  for (const p of node.payload) parts.push(await evalBytes(session, p));
  const bytes = parts.length === 1 ? parts[0]! : concatBytes(parts);
  if (r.messages) {
    await (await webSockets()).sendWs(node, session, r.messages, bytes);
  } else if (node.ws) {
    return session.fail(`send ${node.channel} ${node.ws.frame} is for WebSockets (ws://)`);
  }
  const to = node.to && r.datagram ? await evalText(session, node.to) : undefined;
  if (!r.messages) {
    try {
      await sendBytes(node, session, r, bytes, to);
    } catch (e) {
      if (e instanceof Error && e.name === "ExpectationError") throw e;
      return session.fail(`send failed: ${(e as Error).message}`);
    }
  }
  session.events.emit({ type: "sent", channel: node.channel, bytes, ...(to ? { to } : {}) });
};

async function sendBytes(
  node: SendNode,
  session: Session,
  r: Resource,
  bytes: Uint8Array,
  to: string | undefined,
): Promise<void> {
  {
    if (r.datagram) {
      await r.datagram.send(bytes, to);
    } else if (r.stream) {
      if (node.to) {
        return session.fail(`"to" is for UDP sockets; "${node.channel}" is a ${r.kind} connection`);
      }
      await r.stream.send(bytes);
    } else return session.fail(`cannot send to "${node.channel}", a ${r.kind}`);
  }
}

function describeMatch(m: MatchValue): string {
  return "regex" in m
    ? `/${m.regex.source}/${m.regex.flags}`
    : `"${escapeForDisplay(m.bytes, 200)}"`;
}

/** A regex match as a variable: `$` the whole match, `1`… its groups, named groups by name. */
export function captureVars(
  whole: Uint8Array,
  groups: (Uint8Array | undefined)[],
  named: Record<string, Uint8Array | undefined>,
): VarObject {
  const v: VarObject = { $: textOrBytes(whole) };
  groups.forEach((g, i) => (v[String(i + 1)] = g === undefined ? "" : textOrBytes(g)));
  for (const [k, g] of Object.entries(named)) v[k] = g === undefined ? "" : textOrBytes(g);
  return v;
}

/** Bytes as a variable: text when they are UTF-8, else the bytes. */
export function textOrBytes(b: Uint8Array): Var {
  const t = fromUtf8(b);
  return t.includes("\uFFFD") ? b : t;
}

const expect: Executor<ExpectNode> = async (node, session) => {
  const r = session.get(node.channel);
  if (r.datagram) return await expectDatagram(node, session, r.datagram);
  if (r.messages) return await (await webSockets()).expectWsCore(node, session, r.messages);
  if (!r.stream) return session.fail(`cannot expect on "${node.channel}", a ${r.kind}`);
  const channel = r.stream;
  const m = node.matcher;
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  const opts = { timeoutMs, signal: session.signal };
  let expected = "";
  try {
    switch (m.type) {
      case "silence":
        expected = `silence for ${m.ms}ms`;
        await channel.buffer.silence(m.ms, session.signal);
        session.done(node);
        return;
      case "eof":
        expected = "the peer to close (eof)";
        await channel.buffer.until(eofMatcher(), opts);
        session.done(node);
        return;
      case "bytes": {
        expected = `${m.count} bytes`;
        const got = await channel.buffer.until(bytesMatcher(m.count), opts);
        if (node.as) session.vars.set(node.as, textOrBytes(got));
        session.done(node, { received: got });
        return;
      }
      case "line": {
        const want = m.value ? await evalMatch(session, m.value) : undefined;
        expected = want ? `line ${describeMatch(want)}` : "a line";
        const updater = ExpectationUpdater.of(session);
        const rewrite = updater && m.value && ExpectationUpdater.canRewrite(m.value)
          ? updater
          : undefined;
        // the line is taken only if it matches: a failed expect leaves it unread
        let found: RegExpExecArray | null = null;
        let rejected: Uint8Array | undefined;
        const test = (line: Uint8Array, deadline: number): string | undefined => {
          if (!want) return undefined;
          if ("bytes" in want) {
            if (bytesEqual(line, want.bytes) || rewrite) return undefined;
            rejected = line;
            return "line differs";
          }
          found = execOnBytes(want.regex, line, deadline);
          if (found) return undefined;
          rejected = line;
          return "line does not match";
        };
        const prepare = want && "regex" in want ? regexPrepare(want.regex) : undefined;
        let line: Uint8Array;
        try {
          line = await channel.buffer.until(
            lineMatcher(channel.buffer.limit, test, prepare),
            opts,
          );
        } catch (e) {
          if (rejected && e instanceof MatchError && e.reason === "mismatch") {
            return session.fail(e.message, { expected, received: rejected });
          }
          throw e;
        }
        if (want && "bytes" in want && rewrite && !bytesEqual(line, want.bytes)) {
          rewrite.replace(m.value!, line);
        } else if (found && node.as) session.vars.set(node.as, latin1Captures(found));
        else if (node.as) session.vars.set(node.as, textOrBytes(line));
        session.done(node, { received: line });
        return;
      }
      case "value": {
        const want = await evalMatch(session, m.value);
        expected = describeMatch(want);
        if ("bytes" in want) {
          let got: Uint8Array;
          try {
            got = await channel.buffer.until(
              exactMatcher(want.bytes, { shareExpected: true }) as Matcher<Uint8Array>,
              opts,
            );
          } catch (e) {
            const updater = ExpectationUpdater.of(session);
            if (!(e instanceof MatchError) || !updater || !ExpectationUpdater.canRewrite(m.value)) {
              throw e;
            }
            if (e.reason !== "mismatch" && e.reason !== "timeout" && e.reason !== "closed") throw e;
            got = await takeWhenQuiet(channel.buffer, want.bytes, 250, timeoutMs);
            if (got.byteLength === 0) throw e;
            updater.replace(m.value, got);
          }
          if (node.as) session.vars.set(node.as, textOrBytes(got));
          session.done(node, { received: got });
        } else {
          const got = await channel.buffer.until(
            regexMatcher(want.regex, {
              settleMs: node.settleMs ?? session.settleMs,
              now: node.now,
            }),
            opts,
          );
          if (node.as) session.vars.set(node.as, captureVars(got.whole, got.groups, got.named));
          session.done(node, { received: got.whole });
        }
        return;
      }
    }
  } catch (e) {
    if (e instanceof MatchError) {
      const reason = e.reason === "timeout"
        ? `timed out waiting for ${expected}`
        : e.reason === "mismatch"
        ? `received data does not match (${e.message})`
        : e.reason === "aborted"
        ? "cancelled"
        : e.message;
      return session.fail(reason, {
        expected,
        received: e.received,
        waitedMs: e.waitedMs,
        timeoutMs,
      }, e);
    }
    throw e;
  }
};

function latin1Captures(m: RegExpExecArray): VarObject {
  const enc = (
    s: string | undefined,
  ) => (s === undefined ? "" : textOrBytes(Uint8Array.from(s, (c) => c.charCodeAt(0))));
  const v: VarObject = { $: enc(m[0]) };
  m.slice(1).forEach((g, i) => (v[String(i + 1)] = enc(g)));
  for (const [k, g] of Object.entries(m.groups ?? {})) v[k] = enc(g);
  return v;
}

async function expectDatagram(
  node: ExpectNode,
  session: Session,
  channel: DatagramChannel,
): Promise<void> {
  const m = node.matcher;
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  if (m.type === "silence") {
    const started = performance.now();
    if (channel.pending) {
      return session.fail("a datagram arrived during the silence", {
        received: channel.peek()[0]!.bytes,
        waitedMs: 0,
      });
    }
    try {
      const d = await channel.next({ timeoutMs: m.ms, signal: session.signal });
      return session.fail("a datagram arrived during the silence", {
        received: d.bytes,
        waitedMs: performance.now() - started,
      });
    } catch (e) {
      if (e instanceof Error && e.name === "ExpectationError") throw e;
      const message = (e as Error).message;
      if (!message.startsWith("timed out")) {
        return session.fail(message === "cancelled" ? "cancelled" : message);
      }
      session.done(node); // the silence held
      return;
    }
  }
  if (m.type === "eof") {
    return session.fail("eof does not apply to UDP: datagrams have no end of stream");
  }
  const want = m.type === "value"
    ? await evalMatch(session, m.value)
    : m.type === "line" && m.value
    ? await evalMatch(session, m.value)
    : undefined;
  const expected = want
    ? `a datagram ${describeMatch(want)}`
    : m.type === "bytes"
    ? `a datagram of ${m.count} bytes`
    : "a datagram";
  const started = performance.now();
  let d;
  try {
    d = await channel.next({ timeoutMs, signal: session.signal });
  } catch (e) {
    return session.fail(`no datagram: ${(e as Error).message}`, {
      expected,
      waitedMs: performance.now() - started,
      timeoutMs,
    });
  }
  let vars: Var = textOrBytes(d.bytes);
  const taken = d;
  // a failed expect consumes nothing: the datagram goes back to the front of the queue
  const fail = (...args: Parameters<Session["fail"]>) => {
    channel.giveBack(taken);
    return session.fail(...args);
  };
  if (want && "bytes" in want && !bytesEqual(d.bytes, want.bytes)) {
    return fail("datagram differs", {
      expected,
      received: d.bytes,
      actual: `from ${d.from}`,
    });
  }
  if (m.type === "bytes" && d.bytes.byteLength !== m.count) {
    return fail(`datagram has ${d.bytes.byteLength} bytes`, {
      expected,
      received: d.bytes,
    });
  }
  if (want && "regex" in want) {
    const prepare = regexPrepare(want.regex);
    if (prepare) await prepare();
    const mm = execOnBytes(want.regex, d.bytes, performance.now() + timeoutMs);
    if (!mm) {
      return fail("datagram does not match", {
        expected,
        received: d.bytes,
        actual: `from ${d.from}`,
      });
    }
    vars = latin1Captures(mm);
  }
  const obj: VarObject =
    typeof vars === "object" && vars !== null && !(vars instanceof Uint8Array) &&
      !Array.isArray(vars)
      ? vars
      : { $: vars };
  obj.from = d.from;
  if (node.as) session.vars.set(node.as, obj);
  const own = session.vars.get(node.channel);
  if (own && typeof own === "object" && !(own instanceof Uint8Array) && !Array.isArray(own)) {
    own.from = d.from;
  }
  session.done(node, { received: d.bytes });
}

const close: Executor<CloseNode> = async (node, session) => {
  await session.remove(node.name);
  session.vars.delete(node.name);
};

const shutdown: Executor<ShutdownNode> = async (node, session) => {
  await streamOf(session, node.name).closeWrite();
};

const sleep: Executor<SleepNode> = (node, session) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.signal?.removeEventListener("abort", onAbort);
      resolve();
    }, node.ms);
    const onAbort = () => {
      clearTimeout(timer);
      try {
        session.fail("cancelled");
      } catch (e) {
        reject(e);
      }
    };
    if (session.signal?.aborted) return onAbort();
    session.signal?.addEventListener("abort", onAbort, { once: true });
  });

const letStatement: Executor<LetNode> = async (node, session) => {
  session.vars.set(
    node.name,
    node.value.type === "regex"
      ? `/${node.value.source}/${node.value.flags}`
      : await evalVar(session, node.value),
  );
};

const timeout: Executor<TimeoutNode> = (node, session) => {
  session.timeoutMs = node.ms;
  return Promise.resolve();
};

const settle: Executor<SettleNode> = (node, session) => {
  session.settleMs = node.ms;
  return Promise.resolve();
};

const print: Executor<PrintNode> = async (node, session) => {
  const parts = [];
  for (const v of node.values) parts.push(await evalText(session, v));
  session.print(parts.join(" "));
};

const assertStatement: Executor<AssertNode> = async (node, session) => {
  const c = await compare(session, node.left, node.op, node.right);
  if (!c.ok) session.fail("assertion failed", { expected: c.expected, actual: c.actual });
};

const serve: Executor<ServeNode> = async (node, session) => {
  session.claim(node.name);
  // ws:// and wss:// serve on HTTP (the upgrade); the starter sees http:// and https://
  const addr = isWsUrl(await evalText(session, node.address))
    ? await address(session, {
      address: {
        type: "raw",
        text: wsToHttp(await evalText(session, node.address)),
        span: node.address.span,
      },
    })
    : await address(session, node);
  const { SERVER_STARTERS } = await import("../../servers/mod.ts");
  const starter = SERVER_STARTERS.get(node.server);
  if (!starter) return session.fail(`no server of kind "${node.server}"`);
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.options)) {
    options[k] = v === true ? "true" : await evalText(session, v);
  }
  if (options.root) options.root = session.path(options.root);
  for (const k of ["cert", "key"] as const) {
    const path = options[k] ? session.path(options[k]) : undefined;
    if (path) {
      options[k] = await readPem(session, path);
    }
  }
  let server;
  try {
    const { startServer } = await import("../../servers/workers/pool.ts");
    server = await startServer(node.server, addr, options);
  } catch (e) {
    return session.fail(
      `cannot start ${node.server} server on ${await evalText(session, node.address)}: ${
        (e as Error).message
      }`,
    );
  }
  session.add({
    name: node.name,
    kind: `${node.server} server`,
    openedAt: Date.now(),
    local: () => server.address,
    vars: () => ({
      $: server.address,
      address: server.address,
      host: server.host,
      port: server.port,
      ...(server.certPath ? { cert: server.certPath } : {}),
      ...(server.vars?.() ?? {}),
    }),
    close: () => server.close(),
    handle: server,
  });
};

/** Executors of the core statements, by kind. */
export const CORE_EXECUTORS: Record<string, Executor> = {
  let: letStatement,
  timeout,
  settle,
  connect,
  listen,
  accept,
  bind,
  send,
  expect,
  close,
  shutdown,
  sleep,
  print,
  assert: assertStatement,
  serve,
};
