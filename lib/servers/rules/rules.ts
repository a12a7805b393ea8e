/**
 * The rules of a `serve rules` mock (Mountebank imposters, WireMock scenarios, for any
 * TCP protocol): what triggers a rule (a line, bytes, the connection opening, or
 * nothing else matching), in which state it applies, what it replies (with regex
 * captures), after what delay, which state follows, and whether the connection closes.
 * Pure: the engine decides, the server does the I/O.
 *
 * @module
 */

/** A piece of a reply: fixed bytes or a regex capture (`${1}`; `${0}` the whole match). */
export type ReplyPart = { bytes: Uint8Array } | { group: number };

/** What fires a rule. */
export type Trigger = "connect" | "line" | "bytes" | "default";

/** One rule. */
export interface Rule {
  trigger: Trigger;
  /**
   * `line`: tested on each line (UTF-8, without its line ending); `bytes`: searched in
   * the unread bytes (each byte one character); absent for connect and default.
   */
  pattern?: RegExp;
  /** Applies only in this state (every connection starts in `start`). */
  whenState?: string;
  reply: ReplyPart[];
  delayMs?: number;
  /** The state after it fired. */
  setState?: string;
  close: boolean;
  /** How many times it fired. */
  hits: number;
  /** Where it was written (`file:line`), for messages. */
  where?: string;
}

/** The state every connection starts in. */
export const START_STATE = "start";

/** What one step of the engine decided. */
export interface Firing {
  rule: Rule | undefined;
  /** The bytes consumed (what the client sent, logged). */
  consumed: Uint8Array;
  reply: Uint8Array;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Renders a reply with the captures of `match`. */
export function renderReply(
  parts: ReplyPart[],
  match: RegExpExecArray | string[] | undefined,
  binary: boolean,
): Uint8Array {
  const pieces = parts.map((p) => {
    if ("bytes" in p) return p.bytes;
    const text = match?.[p.group] ?? "";
    return binary ? latin1Bytes(text) : encoder.encode(text);
  });
  const out = new Uint8Array(pieces.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of pieces) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** The first rule of `trigger` that applies in `state`. */
function applies(rule: Rule, state: string): boolean {
  return rule.whenState === undefined || rule.whenState === state;
}

/** The connect rule for a new connection, if any. */
export function onConnect(rules: readonly Rule[], state: string): Firing | undefined {
  const rule = rules.find((r) => r.trigger === "connect" && applies(r, state));
  return rule
    ? { rule, consumed: new Uint8Array(), reply: renderReply(rule.reply, [], false) }
    : undefined;
}

/** The end of the first line (index after `\n`), or -1. */
function lineEnd(bytes: Uint8Array): number {
  const i = bytes.indexOf(10);
  return i < 0 ? -1 : i + 1;
}

function lineText(bytes: Uint8Array, end: number): string {
  let stop = end - 1;
  if (stop > 0 && bytes[stop - 1] === 13) stop--;
  return utf8.decode(bytes.subarray(0, stop));
}

/**
 * Decides what the unread bytes `unread` trigger in `state`: the first rule (in the
 * order written) whose trigger matches. A complete line that no rule takes goes to the
 * default rule (or is dropped) when the mock has line or default rules; otherwise the
 * engine waits for more bytes.
 *
 * @returns the firing and how many bytes it consumed, or undefined to wait.
 */
export function step(
  rules: readonly Rule[],
  state: string,
  unread: Uint8Array,
): Firing | undefined {
  if (unread.byteLength === 0) return undefined;
  const end = lineEnd(unread);
  const line = end < 0 ? undefined : lineText(unread, end);
  let view: string | undefined;
  for (const rule of rules) {
    if (!applies(rule, state) || !rule.pattern) continue;
    rule.pattern.lastIndex = 0;
    if (rule.trigger === "bytes") {
      view ??= latin1.decode(unread);
      const m = rule.pattern.exec(view);
      if (!m) continue;
      const upto = m.index + m[0].length;
      if (upto === 0) continue; // an empty match takes nothing
      return { rule, consumed: unread.slice(0, upto), reply: renderReply(rule.reply, m, true) };
    }
    if (rule.trigger === "line" && line !== undefined) {
      const m = rule.pattern.exec(line);
      if (!m) continue;
      return { rule, consumed: unread.slice(0, end), reply: renderReply(rule.reply, m, false) };
    }
  }
  if (line === undefined) return undefined;
  const byLine = rules.some((r) => r.trigger === "line" || r.trigger === "default");
  if (!byLine) return undefined;
  const fallback = rules.find((r) => r.trigger === "default" && applies(r, state));
  return {
    rule: fallback,
    consumed: unread.slice(0, end),
    reply: fallback ? renderReply(fallback.reply, [line], false) : new Uint8Array(),
  };
}

/** What the mock received: one entry per line or bytes a rule took, in arrival order. */
export class ReceivedLog {
  readonly entries: string[] = [];
  #waiters = new Set<() => void>();

  add(bytes: Uint8Array): void {
    let end = bytes.byteLength;
    if (bytes[end - 1] === 10) end--;
    if (bytes[end - 1] === 13) end--;
    this.entries.push(utf8.decode(bytes.subarray(0, end)));
    for (const w of this.#waiters) w();
  }

  /** How many entries `re` matches. */
  count(re: RegExp): number {
    return this.entries.filter((e) => {
      re.lastIndex = 0;
      return re.test(e);
    }).length;
  }

  /** Waits until `done()` holds, `ms` pass or `signal` aborts; returns whether it held. */
  waitUntil(done: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (v: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener("abort", abort);
        resolve(v);
      };
      const check = () => done() && finish(true);
      const abort = () => finish(false);
      const timer = setTimeout(() => finish(done()), ms);
      this.#waiters.add(check);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }
}
