/**
 * The state a script or REPL session runs in: variables, named resources (connections,
 * listeners, sockets, servers), the default timeout, where output goes. Closing the
 * session closes every resource it opened.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { StatementBase } from "../script/ast.ts";
import type { DatagramChannel } from "../transport/datagram_channel.ts";
import { EventHub } from "../transport/events.ts";
import { DEFAULT_SETTLE_MS } from "../transport/matchers.ts";
import type { StreamChannel } from "../transport/stream_channel.ts";
import type { StreamListener } from "../transport/stream_listener.ts";
import type { WsChannel } from "../transport/ws_channel.ts";
import { ExpectationError, type FailureDetails } from "./failure.ts";
import type { Var, VarObject } from "./vars.ts";

/** Something a session holds open under a name. */
export interface Resource {
  name: string;
  /** e.g. `tcp`, `tls`, `unix`, `udp`, `listener`, `server echo`, `http server`, `proxy`. */
  kind: string;
  openedAt: number;
  local?(): string;
  remote?(): string;
  bytesIn?(): number;
  bytesOut?(): number;
  /** What `${name}` and `${name.field}` read. */
  vars(): VarObject;
  close(): Promise<void>;
  stream?: StreamChannel;
  datagram?: DatagramChannel;
  listener?: StreamListener;
  /** A WebSocket: message-based, see `lib/run/exec/websocket.ts`. */
  messages?: WsChannel;
  /** Anything else a plugin keeps (an HTTP server, a proxy). */
  handle?: unknown;
}

/** `~` and `~/…` name the user's home folder (as in a shell); other paths are unchanged. */
export function expandHome(p: string): string {
  if (p !== "~" && !p.startsWith("~/")) return p;
  let home: string | undefined;
  try {
    home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  } catch { /* env not readable */ }
  return home ? home + p.slice(1) : p;
}

/**
 * Options for a {@linkcode Session}.
 *
 * @example A session for a script file
 * ```ts
 * import type { SessionOptions } from "@wireplay/wireplay";
 * const options: SessionOptions = { file: "checks/login.wire", vars: { user: "ada" }, timeoutMs: 2000 };
 * // new Session(options)
 * ```
 */
export interface SessionOptions {
  /** The script's path as shown in messages; relative `file "…"` paths resolve from its folder. */
  file?: string;
  /** Variables set before the script runs (`--var`). */
  vars?: Record<string, string>;
  /** Default timeout for expect and accept (5 s). */
  timeoutMs?: number;
  /** Where `print` writes (default: stdout). */
  print?: (text: string) => void;
  /** Cancels whatever the session is waiting on. */
  signal?: AbortSignal;
}

/**
 * Observes statements as they complete (the REPL's `:save`, the recorder).
 *
 * @example See what each expect consumed
 * ```ts
 * import { parseScript, runScript, type SessionObserver } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const seen: string[] = [];
 * const observer: SessionObserver = {
 *   statementDone: (node, info) => {
 *     if (info.received) seen.push(`${node.kind}: ${new TextDecoder().decode(info.received)}`);
 *   },
 * };
 * const script = parseScript(
 *   'serve echo tcp://127.0.0.1:0 as s\nconnect ${s.address} as c\nsend c "hi\\n"\nexpect c line "hi"\n',
 *   "inline.wire",
 * );
 * await runScript(script, { timeoutMs: 2000, setup: (session) => session.observers.push(observer) });
 * assertEquals(seen, ["expect: hi"]);
 * ```
 */
export interface SessionObserver {
  /** A statement completed: the bytes it consumed, the variables it set. */
  statementDone?(node: StatementBase, info: { received?: Uint8Array; vars?: Var }): void;
}

/**
 * A running session.
 *
 * @example Variables live in the session
 * ```ts
 * import { Session } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using session = new Session({ vars: { host: "127.0.0.1" }, timeoutMs: 1000 });
 * assertEquals(session.vars.get("host"), "127.0.0.1");
 * assertEquals(session.timeoutMs, 1000);
 * ```
 */
export class Session implements AsyncDisposable {
  /** The variables, `${name}` → value (resources' fields under their names). */
  readonly vars: Map<string, Var> = new Map<string, Var>();
  /**
   * What the session holds open, by name.
   *
   * @internal
   */
  readonly resources: Map<string, Resource> = new Map<string, Resource>();
  /**
   * Live events of every channel (data in and out, connects), for the REPL.
   *
   * @internal
   */
  readonly events: EventHub = new EventHub();
  /** The script's path as shown in messages (`<repl>` for none). */
  file: string;
  /** The folder relative paths resolve from. */
  baseDir: string;
  /** Default timeout for expect and accept, ms (`timeout D`). */
  timeoutMs: number;
  /** How long a held regex match waits for the stream to go quiet (`settle D`). */
  settleMs: number = DEFAULT_SETTLE_MS;
  /** Cancels whatever the session waits on. */
  signal: AbortSignal | undefined;
  /** Where `print` writes. */
  print: (text: string) => void;
  /**
   * Told about each completed statement.
   *
   * @internal
   */
  observers: SessionObserver[] = [];
  /**
   * The statement being run (for failure reports).
   *
   * @internal
   */
  current: StatementBase | undefined;
  /** Plugins keep per-session state here (e.g. the last HTTP response). */
  readonly state: Map<string, unknown> = new Map<string, unknown>();

  /** A fresh session with no resources open. */
  constructor(options: SessionOptions = {}) {
    this.file = options.file ?? "<repl>";
    this.baseDir = options.file ? dirname(resolve(options.file)) : Deno.cwd();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.signal = options.signal;
    this.print = options.print ?? ((t) => console.log(t));
    for (const [k, v] of Object.entries(options.vars ?? {})) this.vars.set(k, v);
  }

  /** Resolves a path the script names, relative to the script's folder (`~/` is home). */
  path(p: string): string {
    return resolve(this.baseDir, expandHome(p));
  }

  /**
   * Adds a resource under its name; the name must be free.
   *
   * @internal
   */
  add(resource: Resource): void {
    if (this.resources.has(resource.name)) {
      void resource.close();
      this.fail(`"${resource.name}" is already open (close it first or pick another name)`);
    }
    this.resources.set(resource.name, resource);
    this.vars.set(resource.name, resource.vars());
  }

  /** Checks that a name is free before opening something under it. */
  claim(name: string): void {
    if (this.resources.has(name)) {
      this.fail(`"${name}" is already open (close it first or pick another name)`);
    }
  }

  /**
   * Looks a resource up.
   *
   * @internal
   */
  get(name: string): Resource {
    const r = this.resources.get(name);
    if (!r) {
      const open = [...this.resources.keys()];
      this.fail(
        `nothing named "${name}" is open${open.length ? ` (open: ${open.join(", ")})` : ""}`,
      );
    }
    return r;
  }

  /** Closes and forgets one resource. */
  async remove(name: string): Promise<void> {
    const r = this.get(name);
    this.resources.delete(name);
    await r.close();
  }

  /**
   * Throws an {@linkcode ExpectationError} for the current statement.
   *
   * @internal
   */
  fail(reason: string, details?: FailureDetails, cause?: unknown): never {
    throw new ExpectationError(
      reason,
      this.file,
      this.current?.span,
      this.current?.source ?? "",
      details,
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * Tells observers a statement completed.
   *
   * @internal
   */
  done(node: StatementBase, info: { received?: Uint8Array; vars?: Var } = {}): void {
    for (const o of this.observers) o.statementDone?.(node, info);
  }

  /** Closes every resource, newest first. Never throws. */
  async close(): Promise<void> {
    const all = [...this.resources.values()].reverse();
    this.resources.clear();
    await Promise.all(all.map((r) => r.close().catch(() => {})));
  }

  /** Closes every resource at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
