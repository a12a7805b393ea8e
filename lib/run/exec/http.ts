/**
 * Executors of the HTTP statements (see `lib/script/grammar/http.ts`): `http` requests,
 * `route` mocks on a `serve http` server, and the HTTP `expect` forms.
 *
 * @module
 */
import {
  MAX_DATA_FILE_BYTES,
  MAX_PEM_BYTES,
  readUserFile,
  readUserText,
} from "../../fs/read_file.ts";
import { fromUtf8 } from "../../bytes/text.ts";
import { formatDuration } from "../../bytes/units.ts";
import {
  bodyText,
  captureBody,
  formatAssertionFailure,
  jsonValue,
} from "../../http/client/assertions.ts";
import { JsonPathError } from "../../http/client/jsonpath.ts";
import {
  describeMatcher,
  matchValue,
  stringify,
  type ValueMatcher,
} from "../../http/client/matchers.ts";
import { formatResponse } from "../../http/client/pretty.ts";
import { CookieJar } from "../../http/client/cookies.ts";
import { type MultipartPart, splitPair } from "../../http/client/form_body.ts";
import { httpRequest, HttpRequestError } from "../../http/client/request.ts";
import type { HttpRequestOptions, HttpResponse } from "../../http/client/types.ts";
import { isHttpServerHandle } from "../../http/server/handle.ts";
import type { RecordedRequest } from "../../http/server/request_log.ts";
import type { ValueNode } from "../../script/ast.ts";
import type {
  ExpectRequestNode,
  HttpExpectNode,
  HttpMatcherNode,
  HttpNode,
  RouteNode,
} from "../../script/grammar/http.ts";
import type { Session } from "../session.ts";
import { evalBytes, evalText, evalVar } from "../values.ts";
import type { Var, VarObject } from "../vars.ts";
import type { Executor } from "./executor.ts";

/** Where the last response is kept in `session.state`. */
export const LAST_RESPONSE = "http.last";
/** Responses kept by name (`as NAME`), in `session.state`. */
const NAMED = "http.named";
/** Where the session's cookie jar is kept in `session.state`. */
export const SESSION_COOKIES = "http.cookies";

/** The session's cookie jar (made on first use; `run --cookie-jar` puts a loaded one here). */
export function sessionCookieJar(session: Pick<Session, "state">): CookieJar {
  let jar = session.state.get(SESSION_COOKIES) as CookieJar | undefined;
  if (!jar) session.state.set(SESSION_COOKIES, jar = new CookieJar());
  return jar;
}

function named(session: Session): Map<string, HttpResponse> {
  let m = session.state.get(NAMED) as Map<string, HttpResponse> | undefined;
  if (!m) session.state.set(NAMED, m = new Map());
  return m;
}

/** Splits `"Name: value"`. */
function splitHeader(session: Session, text: string): [string, string] {
  const colon = text.indexOf(":");
  if (colon <= 0) return session.fail(`"${text}" is not a header ("Name: value")`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

/** The variable a response reads as: `${r.status}`, `${r.headers.x}`, `${r.body}`, `${r.json.a}`. */
export function responseVar(res: HttpResponse): VarObject {
  const headers: VarObject = {};
  for (const [k, v] of res.headers) headers[k] = v;
  return {
    $: res.text ?? res.body,
    status: res.status,
    statusText: res.statusText,
    version: res.httpVersion,
    headers,
    body: res.text ?? res.body,
    json: res.isJson ? toVar(res.json) : null,
    url: res.url,
    size: res.saved?.bytes ?? res.body.byteLength,
    ...(res.saved ? { saved: res.saved.path } : {}),
    duration: Math.round(res.timings.totalMs * 1000) / 1000,
    timings: { ...res.timings } as unknown as VarObject,
  };
}

function toVar(v: unknown): Var {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return v;
  }
  if (Array.isArray(v)) return v.map(toVar);
  if (typeof v === "object") {
    const out: VarObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toVar(x);
    return out;
  }
  return String(v);
}

const http: Executor<HttpNode> = async (node, session) => {
  const url = await evalText(session, node.url);
  const headers: [string, string][] = [];
  for (const h of node.headers) headers.push(splitHeader(session, await evalText(session, h)));
  const query: [string, string][] = [];
  for (const q of node.query) query.push(splitPair(await evalText(session, q)));
  const opts: HttpRequestOptions = {
    method: node.method,
    url,
    headers,
    query,
    timeoutMs: node.timeoutMs ?? Math.max(session.timeoutMs, 30_000),
    follow: node.follow,
    insecure: node.insecure,
    signal: session.signal,
    cookieJar: sessionCookieJar(session),
    ...(node.http1 ? { http2: false } : {}),
  };
  if (node.via) opts.proxy = await evalText(session, node.via);
  if (node.resolve.length) {
    opts.resolve = await Promise.all(node.resolve.map((v) => evalText(session, v)));
  }
  if (node.form) {
    opts.form = [];
    for (const f of node.form) opts.form.push(splitPair(await evalText(session, f)));
  }
  if (node.multipart) opts.multipart = await multipartParts(session, node);
  if (node.body) opts.body = await evalBytes(session, node.body);
  if (node.json) opts.json = await evalVar(session, node.json);
  if (node.auth?.type === "basic") opts.basicAuth = await evalText(session, node.auth.value);
  if (node.auth?.type === "bearer") opts.bearer = await evalText(session, node.auth.value);
  const readPem = async (file: typeof node.ca, what: string) => {
    if (!file) return undefined;
    const path = session.path(await evalText(session, file));
    try {
      return await readUserText(path, MAX_PEM_BYTES);
    } catch (e) {
      return session.fail(`cannot read ${what} file "${path}": ${(e as Error).message}`);
    }
  };
  if (node.ca) opts.caCerts = [(await readPem(node.ca, "CA"))!];
  if (node.save) opts.saveTo = session.path(await evalText(session, node.save));
  opts.cert = await readPem(node.cert, "certificate");
  opts.key = await readPem(node.key, "key");
  let res: HttpResponse;
  try {
    res = await httpRequest(opts);
  } catch (e) {
    if (e instanceof HttpRequestError) {
      return session.fail(`${node.method} ${url} failed (${e.phase}): ${e.message}`, undefined, e);
    }
    throw e;
  }
  session.state.set(LAST_RESPONSE, res);
  if (node.as) {
    named(session).set(node.as, res);
    session.vars.set(node.as, responseVar(res));
  }
  if (session.file === "<repl>" && session.state.get("http.quiet") !== true) {
    session.print(formatResponse(res, { color: Deno.stdout.isTerminal() && !Deno.noColor }));
  }
  session.done(node, { vars: node.as ? session.vars.get(node.as) : undefined });
};

/** The `multipart` parts, files read relative to the script. */
async function multipartParts(session: Session, node: HttpNode): Promise<MultipartPart[]> {
  const parts: MultipartPart[] = [];
  for (const p of node.multipart!) {
    if (p.kind === "field") {
      const [name, value] = splitPair(await evalText(session, p.value));
      parts.push({ kind: "field", name, value });
      continue;
    }
    const path = session.path(await evalText(session, p.path));
    let bytes: Uint8Array;
    try {
      bytes = await readUserFile(path, MAX_DATA_FILE_BYTES);
    } catch (e) {
      return session.fail(`cannot read multipart file "${path}": ${(e as Error).message}`);
    }
    const filename = path.split(/[\\/]/).pop()!;
    const ext = filename.includes(".") ? filename.split(".").pop()! : "";
    const type = p.type
      ? await evalText(session, p.type)
      // npm:deno-std's media types load with the first file part (start-up)
      : (await import("../../std/http.ts")).typeByExtension(ext);
    parts.push({
      kind: "file",
      name: await evalText(session, p.name),
      filename,
      bytes,
      ...(type ? { type } : {}),
    });
  }
  return parts;
}

const route: Executor<RouteNode> = async (node, session) => {
  const resource = session.get(node.server);
  const server = resource.handle;
  if (!isHttpServerHandle(server)) {
    return session.fail(`"${node.server}" is a ${resource.kind}, not a serve http server`);
  }
  const headers: [string, string][] = [];
  for (const h of node.headers) headers.push(splitHeader(session, await evalText(session, h)));
  let body: string | Uint8Array = "";
  if (node.body) {
    if (node.bodyKind === "json") body = JSON.stringify(await evalVar(session, node.body));
    else {
      const bytes = await evalBytes(session, node.body);
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      body = node.bodyKind === "bytes" && text.includes("\uFFFD") ? bytes : text;
    }
  }
  const path = await evalText(session, node.path);
  try {
    server.routes.add(node.method, path, {
      status: node.status,
      kind: node.bodyKind,
      body,
      headers,
      delayMs: node.delayMs,
      ...(node.setState !== undefined ? { setState: node.setState } : {}),
    }, node.whenState);
  } catch (e) {
    return session.fail((e as Error).message);
  }
  session.done(node);
};

/** Evaluates a matcher node to a value matcher. */
export async function evalMatcher(
  session: Session,
  m: HttpMatcherNode,
  json: boolean,
): Promise<ValueMatcher & { negate?: boolean }> {
  if (m.op === "exists" || m.op === "absent") return { op: m.op };
  if (m.op === "~" || m.op === "!~") {
    const re = m.value.type === "regex"
      ? new RegExp(m.value.source, m.value.flags)
      : new RegExp(escapeRegex(await evalText(session, m.value)));
    return m.op === "~" ? { op: "~", re } : { op: "~", re, negate: true };
  }
  if (m.op === "<" || m.op === ">" || m.op === "<=" || m.op === ">=") {
    const v = m.value.type === "duration" ? m.value.ms : Number(await evalText(session, m.value));
    if (Number.isNaN(v)) {
      return session.fail(`"${await evalText(session, m.value)}" is not a number`);
    }
    return { op: m.op, value: v };
  }
  if (m.op === "contains") return { op: "contains", value: await evalText(session, m.value) };
  const v = (m as { value: ValueNode }).value;
  const value = json
    ? await evalJsonish(session, v)
    : v.type === "number"
    ? v.value
    : await evalText(session, v);
  return { op: m.op as "==" | "!=", value };
}

/** A JSON literal as its value; a string as text. */
async function evalJsonish(session: Session, v: ValueNode): Promise<unknown> {
  if (v.type === "number") return v.value;
  if (v.type === "word" && ["true", "false", "null"].includes(v.text)) return JSON.parse(v.text);
  if (v.type === "json") return JSON.parse(await evalText(session, v));
  const x = await evalVar(session, v);
  return x instanceof Uint8Array ? fromUtf8(x) : x;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function matches(actual: unknown, m: ValueMatcher & { negate?: boolean }): boolean {
  const ok = matchValue(actual, m);
  return m.negate ? !ok : ok;
}

function describe(m: ValueMatcher & { negate?: boolean }): string {
  return m.negate ? describeMatcher(m).replace(/^~/, "!~") : describeMatcher(m);
}

function responseFor(session: Session, from: string | undefined): HttpResponse {
  if (from) {
    const r = named(session).get(from);
    if (!r) return session.fail(`no response named "${from}" (use http … as ${from})`);
    return r;
  }
  const last = session.state.get(LAST_RESPONSE) as HttpResponse | undefined;
  if (!last) return session.fail("no HTTP response yet (send one with http METHOD URL)");
  return last;
}

function excerpt(res: HttpResponse, assertion: string, actual: string): string[] {
  return formatAssertionFailure(assertion, actual, res).split("\n").slice(2);
}

const expectHttp: Executor<HttpExpectNode> = async (node, session) => {
  const res = responseFor(session, node.from);
  if (res.saved && (node.what === "body" || node.what === "json")) {
    return session.fail(
      `expect ${node.what}: the body was saved to "${res.saved.path}", not kept (drop save to assert on it)`,
    );
  }
  const m = await evalMatcher(session, node.matcher, node.what === "json");
  let actual: unknown;
  let shown: string;
  let what: string;
  switch (node.what) {
    case "status":
      actual = res.status;
      shown = `${res.status} ${res.statusText}`.trim();
      what = "status";
      break;
    case "header":
      actual = res.headers.get(node.key!) ?? undefined;
      shown = actual === undefined ? "no such header" : JSON.stringify(actual);
      what = `header ${node.key}`;
      break;
    case "body":
      actual = bodyText(res);
      shown = JSON.stringify((actual as string).slice(0, 200)) +
        ((actual as string).length > 200 ? ` … (${(actual as string).length} chars)` : "");
      what = "body";
      break;
    case "json":
      if (!res.isJson) {
        return session.fail(`expected json ${node.key} ${describe(m)}`, {
          expected: `json ${node.key} ${describe(m)}`,
          actual: "a body that is not JSON",
          notes: excerpt(res, "", ""),
        });
      }
      try {
        actual = jsonValue(res, node.key!);
      } catch (e) {
        if (e instanceof JsonPathError) return session.fail(e.message);
        throw e;
      }
      shown = actual === undefined ? `nothing at ${node.key}` : stringify(actual);
      what = `json ${node.key}`;
      break;
    case "version":
      actual = res.httpVersion;
      shown = JSON.stringify(res.httpVersion);
      what = "version";
      break;
    case "duration":
      actual = res.timings.totalMs;
      shown = formatDuration(res.timings.totalMs);
      what = "duration";
      break;
  }
  const expectedText = node.what === "duration" && "value" in m
    ? `${m.op} ${formatDuration(m.value as number)}`
    : describe(m);
  if (!matches(actual, m)) {
    return session.fail(`${what} does not match`, {
      expected: `${what} ${expectedText}`,
      actual: shown,
      notes: excerpt(res, "", ""),
    });
  }
  if (node.as) {
    if (node.what === "body" && m.op === "~") {
      const c = captureBody(res, m.re)!;
      session.vars.set(node.as, { $: c.whole, ...c.groups });
    } else if (node.what === "json") session.vars.set(node.as, toVar(actual));
    else session.vars.set(node.as, actual === undefined ? null : String(actual));
  }
  session.done(node, { vars: node.as ? session.vars.get(node.as) : undefined });
};

/** The variable a recorded request reads as. */
export function requestVar(r: RecordedRequest): VarObject {
  const headers: VarObject = {};
  for (const [k, v] of r.headers) headers[k] = v;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(r.body);
  let json: Var = null;
  try {
    json = toVar(JSON.parse(text));
  } catch { /* not JSON */ }
  return {
    $: `${r.method} ${r.path}`,
    method: r.method,
    path: r.path,
    query: r.query,
    headers,
    body: text,
    json,
    seq: r.seq,
  };
}

const expectRequest: Executor<ExpectRequestNode> = async (node, session) => {
  const resource = session.get(node.server);
  const server = resource.handle;
  if (!isHttpServerHandle(server)) {
    return session.fail(`"${node.server}" is a ${resource.kind}, not a serve http server`);
  }
  const path = node.path ? await evalText(session, node.path) : undefined;
  let pattern: URLPattern | undefined;
  if (path && /[:*]/.test(path)) pattern = new URLPattern({ pathname: path });
  const headerMatchers = await Promise.all(
    node.headers.map(async (h) => ({
      name: h.name,
      m: await evalMatcher(session, h.matcher, false),
    })),
  );
  const bodyMatcher = node.body ? await evalMatcher(session, node.body, false) : undefined;
  const wanted = [
    node.method && path ? `${node.method} ${path}` : "any request",
    ...headerMatchers.map((h) => `header ${h.name} ${describe(h.m)}`),
    ...(bodyMatcher ? [`body ${describe(bodyMatcher)}`] : []),
  ].join(", ");
  const fits = (r: RecordedRequest) =>
    (!node.method || node.method === "*" || r.method === node.method) &&
    (!path || (pattern ? pattern.test({ pathname: r.path }) : r.path === path)) &&
    headerMatchers.every((h) => matches(r.headers.get(h.name) ?? undefined, h.m)) &&
    (!bodyMatcher ||
      matches(new TextDecoder("utf-8", { fatal: false }).decode(r.body), bodyMatcher));
  const timeout = node.withinMs ?? session.timeoutMs;
  const need = node.count === undefined ? 1 : Math.max(node.count, 1);
  const started = performance.now();
  let found: RecordedRequest[] = [];
  if (node.count === 0) {
    found = server.log.entries.filter(fits);
  } else {
    try {
      found = await server.log.waitFor(
        (entries) => {
          const f = entries.filter(fits);
          return f.length >= need ? f : undefined;
        },
        timeout,
        session.signal,
      );
    } catch {
      found = server.log.entries.filter(fits);
    }
  }
  const seen = server.log.entries.slice(-10).map((r) =>
    `${r.method} ${r.path}${r.query ? "?" + r.query : ""}`
  );
  const notes = [
    `received (last ${seen.length} of ${server.log.count}): ${seen.join(", ") || "nothing"}`,
  ];
  if (node.count !== undefined && found.length !== node.count) {
    return session.fail(`expected ${node.count} matching request(s), got ${found.length}`, {
      expected: `${node.count} × ${wanted}`,
      actual: `${found.length}`,
      waitedMs: performance.now() - started,
      timeoutMs: timeout,
      notes,
    });
  }
  if (node.count === undefined && found.length === 0) {
    return session.fail("no matching request arrived", {
      expected: wanted,
      actual: "none",
      waitedMs: performance.now() - started,
      timeoutMs: timeout,
      notes,
    });
  }
  if (node.as && found.length > 0) session.vars.set(node.as, requestVar(found.at(-1)!));
  session.done(node);
};

/** Executors of the HTTP statements, by kind. */
export const HTTP_EXECUTORS: Record<string, Executor> = {
  http,
  route,
  "expect-http": expectHttp,
  "expect-request": expectRequest,
};
