/**
 * The REPL without a terminal: feeds lines (typed or piped) through the multi-line
 * joiner, runs statements with the one interpreter ({@linkcode execute}), runs meta
 * commands, shows arriving data and channel events, and keeps the transcript for
 * `:save`. The interactive and piped front ends drive it.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { escapeForDisplay } from "../bytes/escape.ts";
import { formatBytes } from "../bytes/units.ts";
import { UsageError } from "../errors.ts";
import { atomicWrite } from "../fs/atomic_write.ts";
import { execute } from "../run/interpreter.ts";
import { expandHome, Session } from "../run/session.ts";
import type { StatementBase } from "../script/ast.ts";
import { parseStatement, ScriptSyntaxError } from "../script/parser.ts";
import { parseStream } from "../script/stream.ts";
import type { ChannelEvent } from "../transport/events.ts";
import { DEFAULT_BUFFER_LIMIT } from "../transport/stream_buffer.ts";
import type { StreamChannel } from "../transport/stream_channel.ts";
import { connsTable } from "./conns_table.ts";
import { type Palette, palette } from "./colors.ts";
import { announce, formatIncoming, type HexMode } from "./display.ts";
import { helpText } from "./help.ts";
import { LineJoiner } from "./line_joiner.ts";
import { findMeta, suggestMeta } from "./meta_commands.ts";
import { varsTable } from "./vars_table.ts";
import { buildScript } from "./save_script.ts";
import { Transcript } from "./transcript.ts";
import { readUserText } from "../fs/read_file.ts";
import { maskScript, maskSecrets, SecretStreamMask } from "../secrets/secrets.ts";

/**
 * Where the REPL writes.
 *
 * @example Collect what the REPL writes
 * ```ts
 * import type { ReplOutput } from "@wireplay/wireplay";
 * const lines: string[] = [];
 * const output: ReplOutput = { out: (t) => lines.push(t), err: (t) => lines.push(`error: ${t}`) };
 * // new ReplCore(output)
 * ```
 */
export interface ReplOutput {
  /** Normal output: results, arriving data, announcements. */
  out(text: string): void;
  /** Failures and mistakes. */
  err(text: string): void;
  /** Colours (none when absent). */
  colors?: Palette;
  /** Clears the screen (`:clear`), on a terminal. */
  clear?(): void;
  /** Shows long text a screenful at a time, on a terminal (`:help`). */
  page?(text: string): void;
}

/**
 * What feeding a line led to: `more` (an unfinished multi-line entry), `ok`, `failed`
 * (a statement or meta command failed), `syntax` (the line did not parse), `quit`.
 *
 * @example Stop at the first failure
 * ```ts
 * import type { LineOutcome } from "@wireplay/wireplay";
 * function failed(o: LineOutcome): boolean {
 *   return o === "failed" || o === "syntax";
 * }
 * ```
 */
export type LineOutcome = "ok" | "more" | "failed" | "syntax" | "quit";

/**
 * Unread bytes at which the REPL stops reading a connection (backpressure) until an
 * expect or `:flush` makes room; a `buffer SIZE` given on the statement replaces it.
 */
export const INTERACTIVE_WINDOW = 1024 * 1024;

/** The largest file `:load` reads. */
export const MAX_LOAD_BYTES = 16 * 1024 * 1024;

/**
 * A REPL session.
 *
 * @example Feed lines as the REPL would
 * ```ts
 * import { ReplCore } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const out: string[] = [];
 * await using repl = new ReplCore({ out: (t) => out.push(t), err: (t) => out.push(t) });
 * assertEquals(await repl.feed("serve echo tcp://127.0.0.1:0 as s"), "ok");
 * assertEquals(await repl.feed("connect tcp://127.0.0.1:${s.port} as c"), "ok");
 * assertEquals(await repl.feed('send c "hi\\n"'), "ok");
 * assertEquals(await repl.feed('expect c line "hi"'), "ok");
 * ```
 */
export class ReplCore implements AsyncDisposable {
  /** The session statements run in (variables, open connections). */
  readonly session: Session;
  /**
   * What was typed and what came back, for `:save`.
   *
   * @internal
   */
  readonly transcript: Transcript;
  /**
   * Joins `\`-continued lines and heredocs into one entry.
   *
   * @internal
   */
  readonly joiner: LineJoiner = new LineJoiner();
  /** How received data is shown: hex dump `on`, `off`, or `auto` (binary only). */
  hexMode: HexMode = "auto";
  /** Show what is sent (`c > …`), like `socat -v` (`:echo`). */
  echo: boolean;
  /** Prefix live output with the time (`:time`). */
  timestamps = false;
  #colors: Palette;
  /** Bytes shown so far per channel (hex offsets continue). */
  #shownIn = new Map<string, number>();
  #shownOut = new Map<string, number>();
  /** Physical lines fed so far (for `<repl>:LINE` positions). */
  lineNo = 0;
  #abort: AbortController | undefined;
  #unsubscribe: () => void;
  #received: Uint8Array | undefined;
  /** Output about channels the running statement is opening, shown after it reports them. */
  #held: string[] | undefined;
  /** Resource names open when the running statement started. */
  #openBefore: Set<string> | undefined;
  #closed = false;
  #windowed = new WeakSet<StreamChannel>();
  /** Live data's secrets masks, per channel and direction, and the timer releasing them. */
  #liveMasks = new Map<string, LiveMask>();
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: (() => void)[] = [];

  /**
   * A REPL writing to `output`; nothing runs until a line is fed.
   *
   * @param output Where results and live data go.
   * @param options Default timeout, variables, and whether sent data is shown.
   */
  constructor(
    /** Where the REPL writes. */
    readonly output: ReplOutput,
    options: { timeoutMs?: number; vars?: Record<string, string>; echo?: boolean } = {},
  ) {
    // every line the REPL shows passes the secrets mask (the one edge for the display)
    this.output = maskedOutput(output);
    this.#colors = output.colors ?? palette(false);
    this.echo = options.echo ?? false;
    this.session = new Session({
      file: undefined,
      vars: options.vars,
      timeoutMs: options.timeoutMs,
      print: (t) => this.output.out(t),
    });
    this.transcript = new Transcript(this.session);
    this.#unsubscribe = this.session.events.on((e) => this.#show(e));
    this.session.observers.push({
      statementDone: (_node, info) => {
        this.#received = info.received;
      },
    });
  }

  /** True while a statement runs. */
  get busy(): boolean {
    return this.#abort !== undefined;
  }

  /** Cancels the running statement; false when nothing runs. */
  cancel(): boolean {
    if (!this.#abort) return false;
    this.#abort.abort();
    return true;
  }

  /** Feeds one physical line. */
  async feed(raw: string): Promise<LineOutcome> {
    this.lineNo++;
    const step = this.joiner.feed(raw);
    if ("more" in step) return "more";
    if ("error" in step) {
      this.output.err(`<repl>:${this.lineNo}: ${step.error}`);
      return "syntax";
    }
    const trimmed = step.line.trim();
    if (trimmed.startsWith(":")) return await this.meta(trimmed);
    const first = step.line.includes("\n") ? this.lineNo - this.joiner.lastLines + 1 : this.lineNo;
    return await this.statement(step.line, first);
  }

  /** Parses and runs one statement line. */
  async statement(line: string, lineNo: number, file = "<repl>"): Promise<LineOutcome> {
    let node: StatementBase | undefined;
    try {
      node = parseStatement(line, lineNo, file);
    } catch (e) {
      if (e instanceof ScriptSyntaxError) {
        this.output.err(e.render());
        return "syntax";
      }
      throw e;
    }
    if (!node) return "ok";
    return await this.run(node, line.trim());
  }

  /**
   * Runs a parsed statement through the interpreter and records it.
   *
   * @internal
   */
  async run(node: StatementBase, source: string, file?: string): Promise<LineOutcome> {
    const abort = new AbortController();
    this.#abort = abort;
    this.session.signal = abort.signal;
    this.#received = undefined;
    const before = new Set(this.session.resources.keys());
    this.#openBefore = before;
    this.transcript.before();
    let ok = false;
    try {
      await execute(node, this.session);
      ok = true;
    } catch (e) {
      let text = describeError(e);
      // a statement from a :load-ed file is placed in that file
      if (file && text.startsWith(`${this.session.file}:`)) {
        text = file + text.slice(this.session.file.length);
      }
      this.output.err(text + this.#unreadNote(node));
    } finally {
      this.#abort = undefined;
      this.session.signal = undefined;
      this.transcript.after(node, ok, source, this.#received);
    }
    this.#applyWindows();
    if (ok) this.#watchServers(node, before);
    if (ok) this.#feedback(node, before);
    this.#openBefore = undefined;
    for (const text of this.#held ?? []) this.output.out(text);
    this.#held = undefined;
    return ok ? "ok" : "failed";
  }

  /** Runs a meta command line (starting with `:`). */
  async meta(line: string): Promise<LineOutcome> {
    const [word, ...args] = line.split(/\s+/);
    const cmd = findMeta(word!);
    switch (cmd?.name) {
      case ":help": {
        const text = helpText(args.join(" ") || undefined);
        if (this.output.page) this.output.page(text);
        else this.output.out(text);
        return "ok";
      }
      case ":vars":
        this.output.out(varsTable(this.session));
        return "ok";
      case ":clear":
        this.output.clear?.();
        return "ok";
      case ":echo":
        return this.#toggle(args, ["on", "off"], (v) => {
          if (v !== undefined) this.echo = v === "on";
          return `showing sent data is ${this.echo ? "on" : "off"}`;
        });
      case ":time":
        return this.#toggle(args, ["on", "off"], (v) => {
          if (v !== undefined) this.timestamps = v === "on";
          return `timestamps are ${this.timestamps ? "on" : "off"}`;
        });
      case ":conns":
        this.output.out(connsTable(this.session.resources.values()));
        return "ok";
      case ":save": {
        const exact = args.includes("--exact");
        const files = args.filter((a) => a !== "--exact");
        const bad = files.find((a) => a.startsWith("-"));
        if (bad || files.length !== 1) {
          this.output.err(bad ? `:save: unknown option "${bad}"` : "usage: :save FILE [--exact]");
          return "syntax";
        }
        return await this.save(files[0]!, exact) ? "ok" : "failed";
      }
      case ":load":
        if (args.length !== 1) {
          this.output.err("usage: :load FILE");
          return "syntax";
        }
        return await this.load(args[0]!);
      case ":record":
        return this.#toggle(args, ["on", "off"], (v) => {
          if (v !== undefined) this.transcript.recording = v === "on";
          return `recording is ${this.transcript.recording ? "on" : "off"}`;
        });
      case ":hex":
        return this.#toggle(args, ["on", "off", "auto"], (v) => {
          if (v !== undefined) this.hexMode = v as HexMode;
          return `hex display is ${this.hexMode}`;
        });
      case ":flush":
        return this.#flush(args);
      case ":quit":
        return "quit";
      default: {
        const guess = suggestMeta(word!);
        this.output.err(
          `unknown meta command "${word}"${guess ? ` (did you mean ${guess}?)` : " (try :help)"}`,
        );
        return "syntax";
      }
    }
  }

  /**
   * Writes the transcript as a `.wire` script (atomically).
   *
   * @returns false (after saying why) when the file could not be written.
   */
  async save(typed: string, exact = false): Promise<boolean> {
    const path = expandHome(typed);
    const text = buildScript(this.transcript, {
      exact,
      paths: { from: this.session.baseDir, to: dirname(resolve(path)) },
      header: [
        `saved from the wireplay REPL${exact ? " (--exact)" : ""}`,
        "replay: deno task wireplay test " + path,
      ],
    });
    try {
      await atomicWrite(path, maskScript(text));
    } catch (e) {
      this.output.err(`:save: cannot write ${path}: ${(e as Error).message}`);
      return false;
    }
    const statements = this.transcript.entries.length;
    const expects = text.split("\n").filter((l) => l.startsWith("expect ")).length;
    this.output.out(
      `saved ${statements} statement${statements === 1 ? "" : "s"} (${expects} expect line${
        expects === 1 ? "" : "s"
      }) to ${path}`,
    );
    return true;
  }

  /** Runs a script file's statements into this session; stops at the first failure. */
  async load(typed: string): Promise<LineOutcome> {
    const path = expandHome(typed);
    let text: string;
    try {
      text = await readUserText(path, MAX_LOAD_BYTES);
    } catch (e) {
      this.output.err(`:load: cannot read ${path}: ${(e as Error).message}`);
      return "failed";
    }
    // the same engine as `run`: statements run as they are parsed (lib/script/stream.ts)
    const script = parseStream([text], path);
    const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
    let count = 0;
    // its relative paths (a recording's side files) are the file's, as with `include`
    const baseDir = this.session.baseDir;
    this.session.baseDir = dirname(resolve(path));
    try {
      for await (const node of script.statements) {
        const outcome = await this.run(
          node,
          node.text ?? lines[node.span.line - 1]?.trim() ?? node.source,
          path,
        );
        if (outcome !== "ok") {
          this.output.err(`:load stopped at ${path}:${node.span.line}`);
          return outcome;
        }
        count++;
      }
    } catch (e) {
      if (e instanceof ScriptSyntaxError) {
        this.output.err(e.render());
        return "syntax";
      }
      throw e;
    } finally {
      this.session.baseDir = baseDir;
    }
    this.output.out(`loaded ${count} statements from ${path}`);
    return "ok";
  }

  /**
   * Waits until no data has arrived for `quietMs` (like `nc -q`), or no connection is
   * left open, or `quietMs` plus the session timeout passed: replies to what was sent
   * last are shown (and recorded) before the session closes.
   */
  waitQuiet(quietMs: number): Promise<void> {
    const open = () =>
      [...this.session.resources.values()].some((r) =>
        (r.stream && !r.stream.buffer.ended && !r.stream.closed) || r.datagram ||
        (r.messages && !r.messages.ended)
      );
    if (quietMs <= 0 || !open()) return Promise.resolve();
    return new Promise((resolve) => {
      let quiet: ReturnType<typeof setTimeout>;
      const arm = () => {
        clearTimeout(quiet);
        quiet = setTimeout(done, quietMs);
      };
      const cap = setTimeout(done, quietMs + this.session.timeoutMs);
      const unsubscribe = this.session.events.on((e) => {
        if (e.type === "data") arm();
        else if (e.type === "closed" && !open()) done();
      });
      function done() {
        clearTimeout(quiet);
        clearTimeout(cap);
        unsubscribe();
        resolve();
      }
      arm();
    });
  }

  /** Cancels what runs and closes every connection, listener and server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.cancel();
    this.#unsubscribe();
    clearTimeout(this.#releaseTimer);
    this.#release();
    for (const stop of this.#unwatch) stop();
    this.transcript[Symbol.dispose]();
    await this.session.close();
  }

  /** Closes the session at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #toggle(
    args: string[],
    values: string[],
    apply: (value: string | undefined) => string,
  ): LineOutcome {
    const v = args[0]?.toLowerCase();
    if (args.length > 1 || (v !== undefined && !values.includes(v))) {
      this.output.err(`expected ${values.join(", ")} or nothing`);
      return "syntax";
    }
    this.output.out(apply(v));
    return "ok";
  }

  /** Logs the connections of servers this statement started (`serve … quiet`: not). */
  #watchServers(node: StatementBase, before: Set<string>): void {
    const options = (node as { options?: Record<string, unknown> }).options;
    if (node.kind !== "serve" || options?.quiet) return;
    for (const [name, r] of this.session.resources) {
      if (before.has(name)) continue;
      const handle = r.handle as { watch?: (fn: (line: string) => void) => () => void };
      if (typeof handle?.watch === "function") {
        this.#unwatch.push(handle.watch((line) => this.output.out(`${name}: ${line}`)));
      }
    }
  }

  /** Gives every stream a bounded unread window: reading pauses instead of failing. */
  #applyWindows(): void {
    for (const r of this.session.resources.values()) {
      const stream = r.stream;
      if (!stream || this.#windowed.has(stream)) continue;
      this.#windowed.add(stream);
      const limit = stream.buffer.limit;
      stream.pauseWhenUnread(limit === DEFAULT_BUFFER_LIMIT ? INTERACTIVE_WINDOW : limit);
    }
  }

  /** After a failed statement: how much waits unread on the channel it names. */
  #unreadNote(node: StatementBase): string {
    const name = (node as { channel?: unknown }).channel;
    if (typeof name !== "string") return "";
    const stream = this.session.resources.get(name)?.stream;
    if (!stream || stream.buffer.length === 0) return "";
    return `\n  ${name}: ${formatBytes(stream.buffer.length)} unread${
      stream.paused ? " (receive buffer full, reading paused; :flush " + name + " discards)" : ""
    }`;
  }

  /** `:flush NAME…`: discards unread data (and resumes a paused connection). */
  #flush(args: string[]): LineOutcome {
    if (args.length === 0) {
      this.output.err("usage: :flush NAME…");
      return "syntax";
    }
    for (const name of args) {
      const r = this.session.resources.get(name);
      if (r?.stream) {
        const n = r.stream.buffer.length;
        r.stream.buffer.discard(n);
        r.stream.wake();
        this.output.out(`${name}: discarded ${formatBytes(n)}`);
      } else if (r?.datagram) {
        const n = r.datagram.pending;
        for (let i = 0; i < n; i++) void r.datagram.next({ timeoutMs: 0 });
        this.output.out(`${name}: discarded ${n} datagram${n === 1 ? "" : "s"}`);
      } else {
        this.output.err(
          r
            ? `:flush: "${name}" is a ${r.kind}, not a connection`
            : `:flush: nothing named "${name}" (see :conns)`,
        );
        return "failed";
      }
    }
    return "ok";
  }

  #show(e: ChannelEvent): void {
    if (e.type === "data" || (e.type === "sent" && this.echo)) {
      const incoming = e.type === "data";
      if (incoming) {
        const stream = this.session.resources.get(e.channel)?.stream;
        if (stream && !this.#windowed.has(stream)) this.#applyWindows();
      }
      const live = this.#liveMask(e.channel, incoming, incoming ? e.from : e.to);
      this.#showBytes(e.channel, incoming, live.mask.push(e.bytes), live.peer);
      // only a mask holding bytes back is kept (a datagram socket may hear many peers)
      if (live.mask.holding) this.#armRelease();
      else this.#liveMasks.delete(live.key);
      return;
    }
    const name = e.type === "accepted" ? e.listener : e.channel;
    const text = announce(e, (name) => {
      const r = this.session.resources.get(name);
      return r && { kind: r.kind, bytesIn: r.bytesIn?.() };
    });
    if (e.type === "closed") {
      this.#release(e.channel);
      this.#shownIn.delete(e.channel);
      this.#shownOut.delete(e.channel);
    }
    if (text) {
      this.#hold(name, e.type === "closed" && e.reason !== "eof" ? this.#colors.error(text) : text);
    }
  }

  /** Shows data sent or received on a channel (already masked). */
  #showBytes(channel: string, incoming: boolean, bytes: Uint8Array, peer?: string): void {
    if (bytes.byteLength === 0) return;
    const counts = incoming ? this.#shownIn : this.#shownOut;
    const offset = counts.get(channel) ?? 0;
    counts.set(channel, offset + bytes.byteLength);
    const arrow = incoming ? "<" : ">";
    const text = formatIncoming(channel, bytes, this.hexMode, peer, { arrow, offset });
    const tag = `${channel} ${arrow}`;
    this.#hold(
      channel,
      text.split("\n").map((l) =>
        l.startsWith(tag) ? this.#colors.tag(channel, tag) + l.slice(tag.length) : l
      ).join("\n"),
    );
  }

  #hold(name: string, text: string): void {
    if (this.timestamps) {
      const stamp = new Date().toISOString().slice(11, 23);
      text = text.split("\n").map((l) => `${stamp} ${l}`).join("\n");
    }
    // a channel the running statement is still opening: say so after "NAME: connected"
    if (this.#openBefore && !this.#openBefore.has(name)) (this.#held ??= []).push(text);
    else this.output.out(text);
  }

  /** The secrets mask of a channel's live data, per direction. */
  #liveMask(channel: string, incoming: boolean, peer?: string): LiveMask {
    const key = `${incoming ? "<" : ">"} ${channel} ${peer ?? ""}`;
    let live = this.#liveMasks.get(key);
    if (!live) {
      live = { key, channel, incoming, peer, mask: new SecretStreamMask() };
      this.#liveMasks.set(key, live);
    }
    return live;
  }

  /** Shows what the masks held back once the connection is quiet for a moment. */
  #armRelease(): void {
    if (this.#releaseTimer !== undefined || this.#closed) return;
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = undefined;
      this.#release();
    }, LIVE_HOLD_MS);
  }

  /** Shows the bytes held back for `channel` (every channel when omitted). */
  #release(channel?: string): void {
    for (const [key, live] of this.#liveMasks) {
      if (channel !== undefined && live.channel !== channel) continue;
      this.#liveMasks.delete(key);
      this.#showBytes(live.channel, live.incoming, live.mask.flush(), live.peer);
    }
  }

  #feedback(node: StatementBase, before: Set<string>): void {
    for (const [name, r] of this.session.resources) {
      if (before.has(name)) continue;
      const local = r.local?.() ?? "";
      const remote = r.remote?.() ?? "";
      this.output.out(
        remote ? `${name}: connected ${local} -> ${remote}` : `${name}: ${r.kind} on ${local}`,
      );
    }
    if (node.kind === "expect" && this.#received !== undefined) {
      this.output.out(this.#colors.ok("ok:") + ` "${escapeForDisplay(this.#received, 200)}"`);
    } else if (node.kind === "expect" || node.kind.startsWith("expect-")) {
      this.output.out(this.#colors.ok("ok"));
    }
  }
}

/**
 * How long live data may hold back the first bytes of a secret waiting for the rest
 * (then they are shown: it was not the secret, or it never came whole).
 */
const LIVE_HOLD_MS = 100;

interface LiveMask {
  key: string;
  channel: string;
  incoming: boolean;
  mask: SecretStreamMask;
  peer?: string;
}

/** The text shown for a failed statement. */
export function describeError(e: unknown): string {
  if (e instanceof Error && e.name === "ExpectationError") return e.message;
  if (e instanceof UsageError) return e.toString();
  if (e instanceof Error) return `error: ${e.message}`;
  return `error: ${String(e)}`;
}

/** `output` with every text passed through the secrets mask. */
function maskedOutput(output: ReplOutput): ReplOutput {
  return {
    out: (t) => output.out(maskSecrets(t)),
    err: (t) => output.err(maskSecrets(t)),
    colors: output.colors,
    clear: output.clear && (() => output.clear!()),
    page: output.page && ((t) => output.page!(maskSecrets(t))),
  };
}
