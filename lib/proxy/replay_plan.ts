/**
 * Reads a recording (`.wire`) as the server's side of each connection: what the client
 * is expected to send, what to answer, when to close. `send cN` becomes "receive",
 * `expect cN …` becomes "reply" (a generalised regex uses the exact bytes kept in the
 * `# as recorded:` comment above it), `expect cN eof` "close our side", `shutdown` /
 * `close` "the client closes".
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { Session } from "../run/session.ts";
import { evalBytes, evalText } from "../run/values.ts";
import { dirname, relative, resolve, sep } from "node:path";
import type { StatementBase, ValueNode } from "../script/ast.ts";
import type { ConnectNode, ExpectNode, SendNode } from "../script/grammar/core.ts";
import { parseScript, parseStatement } from "../script/parser.ts";
import { parseDuration } from "../bytes/units.ts";
import { concatBytes } from "../bytes/text.ts";
import { AFTER_NOTE, AS_RECORDED } from "./recorder.ts";
import type { Matcher } from "../transport/stream_buffer.ts";
import { planWebSocket } from "./ws_replay.ts";

/**
 * One step of the server's side.
 *
 * @example Describe a step
 * ```ts
 * import type { ReplayStep } from "@wireplay/wireplay/proxy";
 * function describe(s: ReplayStep): string {
 *   return "bytes" in s ? `${s.kind} ${s.bytes.byteLength} bytes` : s.kind;
 * }
 * ```
 */
export type ReplayStep =
  /**
   * The client must send exactly these bytes next (however chunked); with `matcher`,
   * what it matches instead (a WebSocket frame: `ws_replay.ts`), `bytes` then describing it.
   */
  | {
    kind: "receive";
    bytes: Uint8Array;
    node: StatementBase;
    matcher?: (ctx: ReplayContext) => Matcher<unknown>;
  }
  /**
   * Send these bytes to the client (after `delayMs` when timing is replayed); with
   * `bytesFor`, the bytes it makes from what the connection received (a WebSocket accept).
   */
  | {
    kind: "reply";
    bytes: Uint8Array;
    node: StatementBase;
    delayMs?: number;
    bytesFor?: (ctx: ReplayContext) => Promise<Uint8Array>;
  }
  /** Close our sending side (the server closed or half-closed). */
  | { kind: "reply-eof"; node: StatementBase }
  /** The client must close its sending side now. */
  | { kind: "receive-eof"; node: StatementBase };

/**
 * What the steps of one played connection share (a WebSocket key).
 *
 * @example Shared by the steps of one connection
 * ```ts
 * import type { ReplayContext } from "@wireplay/wireplay/proxy";
 * const ctx: ReplayContext = {};
 * ctx.wsKey = "dGhlIHNhbXBsZSBub25jZQ==";
 * ```
 */
export type ReplayContext = Record<string, unknown>;

/**
 * The server's side of one recorded connection.
 *
 * @example What a recorded client does
 * ```ts
 * import { planReplay, type ReplayConnection } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * const [c1]: ReplayConnection[] = await planReplay('connect tcp://127.0.0.1:1 as c1\nsend c1 "hi"\n', "rec.wire");
 * assertEquals(c1!.steps.map((s) => s.kind), ["receive"]);
 * ```
 */
export interface ReplayConnection {
  /** The connection's name in the recording (`c1`). */
  name: string;
  /** The `connect` statement's line. */
  line: number;
  /** What the server's side does, in order. */
  steps: ReplayStep[];
  /** It turned into a WebSocket (`websocket cN`): played byte-exact with frames, never as HTTP. */
  websocket?: true;
}

/**
 * The pause noted above the statement on `line` (1-based) by a `# after 120ms` comment
 * among the comments right above it, in ms.
 */
export function noteAbove(lines: string[], line: number): number | undefined {
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l.startsWith("#")) return undefined;
    if (l.startsWith(AFTER_NOTE)) {
      try {
        return parseDuration(l.slice(AFTER_NOTE.length).trim(), "after");
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function fail(file: string, node: StatementBase, message: string): never {
  throw new UsageError(message, { where: `${file}:${node.span.line}:${node.span.col}` });
}

/**
 * Plans the server's side of every connection in a recording.
 *
 * @param text The recording.
 * @param file Its path (messages, relative `file "…"` values).
 * @param vars `--var` values.
 * @throws {UsageError} (`file:line:col`) when it does not parse or holds a statement the
 *   server's side cannot play.
 *
 * @example Play a recording's server side
 * ```ts
 * import { connect } from "@wireplay/wireplay";
 * import { parseAddress } from "@wireplay/wireplay";
 * import { planReplay, startReplay } from "@wireplay/wireplay/proxy";
 * import { assertEquals } from "@std/assert";
 * const recording = [
 *   'default target = "tcp://127.0.0.1:6379"',
 *   "connect ${target} as c1",
 *   'send c1 "PING\\r\\n"',
 *   'expect c1 "+PONG\\r\\n"',
 *   "close c1",
 * ].join("\n");
 * const connections = await planReplay(recording, "rec.wire");
 * await using server = await startReplay({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   connections,
 *   file: "rec.wire",
 *   timeoutMs: 2000,
 * });
 * {
 *   await using c = await connect(server.address);
 *   await c.send("PING\r\n");
 *   assertEquals(await c.line({ timeoutMs: 2000 }), "+PONG");
 * }
 * await server.finished;
 * assertEquals(server.ok, true);
 * ```
 */
export async function planReplay(
  text: string,
  file: string,
  vars: Record<string, string> = {},
): Promise<ReplayConnection[]> {
  const script = parseScript(text, file);
  for (const w of script.warnings ?? []) console.error(`warning: ${w}`);
  const lines = text.split(/\r?\n/);
  await using session = new Session({ file, vars });
  const byName = new Map<string, ReplayConnection>();
  const all: ReplayConnection[] = [];
  const folder = resolve(dirname(file));
  const bytesOf = async (node: StatementBase, v: ValueNode): Promise<Uint8Array> => {
    try {
      if (v.type === "file") {
        await insideFolder(folder, session.path(await evalText(session, v.path)));
      }
      return await evalBytes(session, v);
    } catch (e) {
      return fail(file, node, (e as Error & { reason?: string }).reason ?? (e as Error).message);
    }
  };
  const conn = (node: StatementBase, name: string): ReplayConnection => {
    const c = byName.get(name);
    if (!c) {
      return fail(
        file,
        node,
        `"${name}" is not a recorded connection (no connect … as ${name} before)`,
      );
    }
    return c;
  };
  // adjacent chunks the same way make one step (chunking does not matter); joined once at the end
  const joins = new Map<ReplayStep & { bytes: Uint8Array }, Uint8Array[]>();
  const push = (c: ReplayConnection, step: ReplayStep) => {
    const last = c.steps.at(-1);
    if (last && (step.kind === "receive" || step.kind === "reply") && last.kind === step.kind) {
      const parts = joins.get(last) ?? [last.bytes];
      parts.push(step.bytes);
      joins.set(last, parts);
    } else c.steps.push(step);
  };
  const after = (node: StatementBase) => {
    const ms = noteAbove(lines, node.span.line);
    return ms === undefined ? {} : { delayMs: ms };
  };
  const ws = { byName, bytesOf, fail: (node: StatementBase, m: string) => fail(file, node, m) };
  for (const node of script.statements) {
    if (await planWebSocket(node, ws)) continue;
    switch (node.kind) {
      case "let":
      case "default": {
        const n = node as StatementBase & { name: string; value: ValueNode };
        if (node.kind === "let" || !session.vars.has(n.name)) {
          session.vars.set(n.name, await bytesOf(node, n.value));
        }
        break;
      }
      case "timeout":
      case "print":
      case "sleep":
        break;
      case "connect": {
        const n = node as ConnectNode;
        if (
          byName.has(n.name) && !byName.get(n.name)!.steps.some((s) => s.kind === "receive-eof")
        ) {
          fail(file, node, `"${n.name}" is connected twice`);
        }
        const c: ReplayConnection = { name: n.name, line: node.span.line, steps: [] };
        byName.set(n.name, c);
        all.push(c);
        break;
      }
      case "send": {
        const n = node as SendNode;
        if (n.to) fail(file, node, "datagram sends cannot be replayed as a server");
        const parts: Uint8Array[] = [];
        for (const v of n.payload) parts.push(await bytesOf(node, v));
        const total = parts.reduce((a, p) => a + p.byteLength, 0);
        const bytes = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.byteLength;
        }
        push(conn(node, n.channel), { kind: "receive", bytes, node });
        break;
      }
      case "expect": {
        const n = node as ExpectNode;
        if (!("channel" in n)) {
          fail(file, node, "only connection expects can be replayed as a server");
        }
        const c = conn(node, n.channel);
        const m = n.matcher;
        if (m.type === "eof") {
          c.steps.push({ kind: "reply-eof", node });
        } else if (m.type === "value" && m.value.type !== "regex") {
          push(c, { kind: "reply", bytes: await bytesOf(node, m.value), node, ...after(node) });
        } else if (m.type === "value" && m.value.type === "regex") {
          const above = lines[node.span.line - 2] ?? "";
          if (!above.startsWith(AS_RECORDED)) {
            fail(
              file,
              node,
              `a regex expect needs the exact bytes in a "${AS_RECORDED.trim()}" comment above it`,
            );
          }
          const exact = parseStatement(above.slice(AS_RECORDED.length), node.span.line - 1, file) as
            | ExpectNode
            | undefined;
          if (!exact || exact.kind !== "expect" || exact.matcher.type !== "value") {
            return fail(file, node, "the comment above does not hold an expect with bytes");
          }
          push(c, {
            kind: "reply",
            bytes: await bytesOf(node, exact.matcher.value),
            node,
            ...after(node),
          });
        } else if (m.type === "silence") {
          break;
        } else {
          fail(
            file,
            node,
            `expect ${m.type} cannot be replayed as a server (it says nothing about the bytes)`,
          );
        }
        break;
      }
      case "shutdown":
      case "close": {
        const name = (node as StatementBase & { name: string }).name;
        const c = byName.get(name);
        if (!c) break; // closing something else (a listener, a server)
        if (!c.steps.some((s) => s.kind === "receive-eof")) {
          c.steps.push({ kind: "receive-eof", node });
        }
        break;
      }
      default:
        fail(
          file,
          node,
          `"${node.kind}" cannot be replayed as a server (a recording holds connect, send, expect, shutdown, close)`,
        );
    }
  }
  for (const [step, parts] of joins) step.bytes = concatBytes(parts);
  return all;
}

/**
 * A recording is data, and may come from anyone: a `file "…"` payload in it (a side file
 * the recorder wrote) must be inside the recording's folder, symbolic links resolved, or
 * `replay --listen` could serve any file the user can read to whoever connects.
 */
async function insideFolder(folder: string, path: string): Promise<void> {
  let real: string;
  let realFolder: string;
  try {
    [real, realFolder] = await Promise.all([Deno.realPath(path), Deno.realPath(folder)]);
  } catch {
    real = path; // missing: evaluating it says so
    realFolder = folder;
  }
  const rel = relative(realFolder, real);
  if (
    rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || resolve(realFolder, rel) !== real
  ) {
    throw new Error(
      `file "${path}" is outside the recording's folder ${folder} (a recording reads only files beside it)`,
    );
  }
}
