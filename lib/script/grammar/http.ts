/**
 * Statements of the HTTP area (issue 4): `http` requests, `route` mock responses on a
 * `serve http` server, and the `expect status|header|body|json|duration|request` forms.
 *
 * @module
 */
import type { Span, StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import type { ExpectForm, StatementSyntax } from "./syntax.ts";

/** How an expected value is compared: `== V`, `!= V`, `~ /re/`, `< N`, `exists`, … */
export type HttpMatcherNode =
  | { op: "==" | "!=" | "contains" | "<" | ">" | "<=" | ">="; value: ValueNode }
  | { op: "~" | "!~"; value: ValueNode }
  | { op: "exists" | "absent" };

/** One part of a `multipart` body: `field "a=b"` or `file "name" "path" [type "mime"]`. */
export type MultipartPartNode =
  | { kind: "field"; value: ValueNode }
  | { kind: "file"; name: ValueNode; path: ValueNode; type?: ValueNode };

/** `http METHOD URL [header "K: V"]… [body PAYLOAD | json VALUE | form "a=b"… | multipart …] [query "k=v"]… [auth …] [timeout D] [follow] [insecure | ca FILE] [via PROXY] [resolve "H:P:A"]… [http1.1] [save FILE] [as NAME]` */
export interface HttpNode extends StatementBase {
  kind: "http";
  method: string;
  url: ValueNode;
  headers: ValueNode[];
  body?: ValueNode;
  json?: ValueNode;
  /** `form "a=b" "c=d"`: an urlencoded body. */
  form?: ValueNode[];
  /** `multipart field "a=b" file "f" "path"`: a multipart/form-data body. */
  multipart?: MultipartPartNode[];
  /** `via http://HOST:PORT` or `via socks5://HOST:PORT`. */
  via?: ValueNode;
  /** `resolve "HOST:PORT:ADDR"`, as curl's `--resolve`. */
  resolve: ValueNode[];
  /** `http1.1`: do not offer HTTP/2. */
  http1: boolean;
  query: ValueNode[];
  auth?: { type: "basic" | "bearer"; value: ValueNode };
  timeoutMs?: number;
  follow: boolean;
  insecure: boolean;
  /** A client certificate and its key (mutual TLS). */
  cert?: ValueNode;
  key?: ValueNode;
  ca?: ValueNode;
  /** `save FILE`: the body streamed to FILE, not held. */
  save?: ValueNode;
  as?: string;
}

/** `route SERVER METHOD PATH STATUS [json VALUE | text VALUE | body PAYLOAD | VALUE] [header "K: V"]… [delay D]` */
export interface RouteNode extends StatementBase {
  kind: "route";
  server: string;
  method: string;
  path: ValueNode;
  status: number;
  bodyKind?: "json" | "text" | "bytes";
  body?: ValueNode;
  headers: ValueNode[];
  delayMs?: number;
  /** Answers only in this scenario state (`when state S`). */
  whenState?: string;
  /** The scenario state after it answered (`set state S`). */
  setState?: string;
}

/** The `expect …` forms about an HTTP response. */
export interface HttpExpectNode extends StatementBase {
  kind: "expect-http";
  what: "status" | "header" | "body" | "json" | "duration" | "version";
  /** The header name or JSONPath. */
  key?: string;
  matcher: HttpMatcherNode;
  /** Capture into this variable. */
  as?: string;
  /** The response variable to check (default: the last response). */
  from?: string;
}

/** `expect request SERVER [METHOD PATH] [header NAME MATCHER]… [body MATCHER] [count N] [as VAR] [within D]` */
export interface ExpectRequestNode extends StatementBase {
  kind: "expect-request";
  server: string;
  method?: string;
  path?: ValueNode;
  headers: { name: string; matcher: HttpMatcherNode }[];
  body?: HttpMatcherNode;
  count?: number;
  as?: string;
  withinMs?: number;
}

const METHOD_RE = /^([A-Z][A-Z0-9_-]*|\*)$/;
const OPS = ["==", "!=", "!~", "<=", ">=", "~", "<", ">", "contains", "exists", "absent"] as const;

function method(r: LineReader, what: string): string {
  const w = r.word(what);
  if (!METHOD_RE.test(w.text)) {
    r.fail(`"${w.text}" is not an HTTP method (GET, POST, … in capitals)`, w.span);
  }
  return w.text;
}

/** Reads `OP VALUE`, `exists`, `absent`, or a bare value (string: `==`, regex: `~`). */
export function parseHttpMatcher(r: LineReader, what: string, json = false): HttpMatcherNode {
  const w = r.peekWord();
  const op = OPS.find((o) => o === w);
  if (op === "exists" || op === "absent") {
    r.word(op);
    return { op };
  }
  if (op) {
    r.word(op);
    if (op === "~" || op === "!~") {
      return { op, value: r.value("a /regex/ or text", { allowRegex: true }) };
    }
    if (op === "<" || op === ">" || op === "<=" || op === ">=") {
      const v = r.value("a number");
      if (
        v.type !== "number" && v.type !== "duration" &&
        !(v.type === "word" && v.text.startsWith("${"))
      ) {
        r.fail(`${op} compares numbers`, v.span);
      }
      return { op, value: v };
    }
    return { op, value: json ? r.json("a JSON value") : r.value("a value") };
  }
  if (w === undefined) r.fail(`expected ${what}`);
  const value = json ? r.json("a JSON value") : r.value(what, { allowRegex: true });
  if (value.type === "regex") return { op: "~", value };
  return { op: "==", value };
}

function captureAndFrom(r: LineReader, node: HttpExpectNode, allowAs: boolean): HttpExpectNode {
  while (!r.atEnd()) {
    if (allowAs && r.keyword("as")) node.as = r.name("variable name").text;
    else if (r.keyword("from")) node.from = r.name("response name").text;
    else {r.fail(
        `unexpected "${r.peekWord()}" (options: ${allowAs ? "as VAR, " : ""}from RESPONSE)`,
      );}
  }
  return node;
}

function spanOf(v: ValueNode): Span {
  return v.span;
}

/** The text of a value with no `${…}` in it, or undefined (known only when it runs). */
function literalText(v: ValueNode): string | undefined {
  if (v.type !== "string" && v.type !== "word") return undefined;
  let text = "";
  for (const p of v.parts) {
    if ("ref" in p) return undefined;
    text += new TextDecoder().decode(p.bytes);
  }
  return text;
}

/** The `http` and `route` statements. */
export const HTTP_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "http",
    usage: 'http METHOD URL [header "K: V"]… [body PAYLOAD | json VALUE | form "a=b"… | ' +
      'multipart (field "a=b" | file "NAME" "PATH" [type "MIME"])…] [query "k=v"]… ' +
      '[auth basic "u:p" | auth bearer "TOKEN"] [timeout D] [follow] [insecure | ca FILE] ' +
      '[cert FILE key FILE] [via http://…|socks5://…] [resolve "HOST:PORT:ADDR"]… [http1.1] ' +
      "[save FILE] [as NAME]",
    summary: "sends an HTTP request; the response is checked with expect status|header|body|json",
    example: "http GET http://127.0.0.1:8080/get as r",
    completions: [
      "header",
      "body",
      "json",
      "query",
      "auth",
      "timeout",
      "follow",
      "insecure",
      "ca",
      "cert",
      "key",
      "form",
      "multipart",
      "via",
      "resolve",
      "http1.1",
      "save",
      "as",
    ],
    details: [
      "Redirects are not followed unless `follow`. Cookies are kept per session: Set-Cookie is " +
      "honoured across requests and redirects (`run --cookie-jar FILE` keeps them, in curl's " +
      "cookie file format). HTTPS verifies the server against the built-in roots, or only " +
      "`ca FILE`; `insecure` skips that; `cert FILE key FILE` sends a client certificate. " +
      "HTTP/2 is used when the server offers it by ALPN (`http1.1`: never). The response is " +
      "${NAME.status}, ${NAME.version}, ${NAME.headers.content-type}, ${NAME.body}, " +
      "${NAME.json.a.b}, ${NAME.duration} (ms), ${NAME.size} (body bytes). A body is held in " +
      "memory up to 64 MiB; `save FILE` streams it to FILE instead (any size, as received, " +
      "written whole or not at all; /dev/null discards it), and expect body|json then fail.",
      "",
      "Examples:",
      "  http GET ${api.url}/cookies/set?sid=1 follow      # the cookie goes along from now on",
      '  http POST ${api.url}/post form "user=ada" "lang=en"',
      '  http POST ${api.url}/post multipart field "title=report" file "upload" "notes.txt"',
      '  http GET https://localhost:8443/ ca "ca.pem"  then  expect version "HTTP/2"',
      "  http GET https://example.com/ via http://127.0.0.1:3128     # CONNECT for https",
      "  http GET http://example.com/ via socks5://127.0.0.1:1080    # socks5h: the proxy resolves",
      '  http GET http://api.test:8080/ resolve "api.test:8080:127.0.0.1"   # like curl --resolve',
      '  http GET ${files.url}/big.iso save "big.iso" as r   then  expect status 200',
    ].join("\n"),
    parse(r, base): HttpNode {
      const m = method(r, "an HTTP method");
      const url = r.value("a URL");
      const node: HttpNode = {
        ...base,
        kind: "http",
        method: m,
        url,
        headers: [],
        query: [],
        follow: false,
        insecure: false,
        resolve: [],
        http1: false,
      };
      const oneBody = (kind: "body" | "json" | "form" | "multipart") => {
        const had = (["body", "json", "form", "multipart"] as const).find((k) => node[k]);
        if (had && (had !== kind || kind === "body" || kind === "json")) {
          r.fail(`one body per request (this one already has ${had})`);
        }
      };
      const quotedNext = () => /^["']/.test(r.peekWord() ?? "");
      while (!r.atEnd()) {
        if (r.keyword("header")) node.headers.push(r.value('a header "Name: value"'));
        else if (r.keyword("body")) {
          oneBody("body");
          node.body = r.value("a payload");
        } else if (r.keyword("json")) {
          oneBody("json");
          node.json = r.json();
        } else if (r.keyword("form")) {
          oneBody("form");
          node.form ??= [];
          do node.form.push(r.value('a form field "name=value"')); while (quotedNext());
        } else if (r.keyword("multipart")) {
          oneBody("multipart");
          node.multipart ??= [];
          const parts = node.multipart;
          const before = parts.length;
          while (true) {
            if (r.keyword("field")) parts.push({ kind: "field", value: r.value('"name=value"') });
            else if (r.keyword("file")) {
              const name = r.value("the field name");
              const path = r.value("the file's path");
              const type = r.keyword("type") ? r.value('a media type "text/plain"') : undefined;
              parts.push({ kind: "file", name, path, ...(type ? { type } : {}) });
            } else break;
          }
          if (parts.length === before) {
            r.fail('multipart takes parts: field "name=value" or file "name" "path"');
          }
        } else if (r.keyword("via")) {
          node.via = r.value("a proxy URL (http://… or socks5://…)");
          const text = literalText(node.via);
          if (text !== undefined && !/^(http|socks5h?):\/\/[^/]+\/?$/.test(text)) {
            r.fail(
              `"${text}" is not a proxy URL (http://HOST:PORT or socks5://HOST:PORT)`,
              node.via.span,
            );
          }
        } else if (r.keyword("resolve")) {
          const entry = r.value('"HOST:PORT:ADDR"');
          const text = literalText(entry);
          if (text !== undefined && !/^(\[[^\]]+\]|[^:]+):\d{1,5}:\S+$/.test(text)) {
            r.fail(`"${text}" is not HOST:PORT:ADDR (like curl's --resolve)`, entry.span);
          }
          node.resolve.push(entry);
        } else if (r.keyword("http1.1")) node.http1 = true;
        else if (r.keyword("query")) node.query.push(r.value('a query parameter "k=v"'));
        else if (r.keyword("auth")) {
          const t = r.word("basic or bearer");
          if (t.text !== "basic" && t.text !== "bearer") {
            r.fail(`auth is basic or bearer, not "${t.text}"`, t.span);
          }
          node.auth = {
            type: t.text as "basic" | "bearer",
            value: r.value(t.text === "basic" ? '"user:password"' : "a token"),
          };
        } else if (r.keyword("timeout")) node.timeoutMs = r.duration().ms;
        else if (r.keyword("follow")) node.follow = true;
        else if (r.keyword("insecure")) node.insecure = true;
        else if (r.keyword("ca")) node.ca = r.value("a CA file");
        else if (r.keyword("cert")) node.cert = r.value("a client certificate file");
        else if (r.keyword("key")) node.key = r.value("a client key file");
        else if (r.keyword("save")) node.save = r.value("a file to save the body to");
        else if (r.keyword("as")) node.as = r.name("response name").text;
        else {
          r.fail(
            `unexpected "${r.peekWord()}" (options: header, body, json, form, multipart, query, auth, timeout, follow, insecure, ca, cert, key, via, resolve, http1.1, save, as)`,
          );
        }
      }
      if (node.insecure && node.ca) {
        r.fail("use either ca FILE or insecure, not both", spanOf(node.ca));
      }
      if ((node.cert === undefined) !== (node.key === undefined)) {
        r.fail("cert and key go together");
      }
      return node;
    },
  },
  {
    keyword: "route",
    usage: "route SERVER METHOD PATH STATUS [json VALUE | text VALUE | body PAYLOAD] " +
      '[header "K: V"]… [delay D] [when state S] [set state S]',
    summary: "adds a scripted response to a serve http server (repeat it for a sequence)",
    example: 'route api GET /users/:id 200 json {"id": "{{id}}"}',
    completions: ["json", "text", "body", "header", "delay", "when", "set"],
    details: "PATH may hold parameters (/users/:id) and wildcards (/files/*). In the body and " +
      "header values, {{id}} is a path parameter, {{query.k}}, {{header.k}}, {{method}}, " +
      "{{path}}, {{body}} and {{json.field.sub}} (the JSON request body) come from the request. " +
      "`when state S` answers only in scenario state S (the server starts in `start`), " +
      "`set state S` moves the server to S after answering. Adding the same METHOD PATH again queues " +
      "another response: call N gets response N, the last one repeats. METHOD * matches any.",
    parse(r, base): RouteNode {
      const server = r.name("server name").text;
      const m = method(r, "an HTTP method or *");
      const path = r.value("a path like /users/:id");
      if (path.type === "word" && !path.text.startsWith("/") && !path.text.startsWith("${")) {
        r.fail(`a route path starts with "/"`, path.span);
      }
      const st = r.value("a status code");
      if (st.type !== "number" || !Number.isInteger(st.value) || st.value < 100 || st.value > 599) {
        return r.fail("a status code from 100 to 599", st.span);
      }
      const node: RouteNode = {
        ...base,
        kind: "route",
        server,
        method: m,
        path,
        status: st.value,
        headers: [],
      };
      const setBody = (kind: RouteNode["bodyKind"], value: ValueNode) => {
        if (node.body) r.fail("one body per route", value.span);
        node.bodyKind = kind;
        node.body = value;
      };
      while (!r.atEnd()) {
        if (r.keyword("json")) setBody("json", r.json());
        else if (r.keyword("text")) setBody("text", r.value("the body text"));
        else if (r.keyword("body")) setBody("bytes", r.value("the body"));
        else if (r.keyword("header")) node.headers.push(r.value('a header "Name: value"'));
        else if (r.keyword("delay")) node.delayMs = r.duration().ms;
        else if (r.keyword("when")) {
          r.expectKeyword("state", "after when");
          node.whenState = r.name("state name").text;
        } else if (r.keyword("set")) {
          r.expectKeyword("state", "after set");
          node.setState = r.name("state name").text;
        } else if (!node.body) setBody("text", r.value("the body"));
        else {
          r.fail(
            `unexpected "${r.peekWord()}" (options: json, text, body, header, delay, when state, set state)`,
          );
        }
      }
      return node;
    },
  },
];

/** `expect status|header|body|json|duration|request …`. */
export const HTTP_EXPECT_FORMS: ExpectForm[] = [
  {
    word: "status",
    usage: "expect status [OP] N [from RESPONSE]",
    summary: "checks the status code of the last (or a named) HTTP response",
    example: "expect status 200",
    parse(r, base): HttpExpectNode {
      const matcher = parseHttpMatcher(r, "a status code");
      return captureAndFrom(r, { ...base, kind: "expect-http", what: "status", matcher }, false);
    },
  },
  {
    word: "header",
    usage: "expect header NAME MATCHER [as VAR] [from RESPONSE]",
    summary: 'checks a response header: "value", /regex/, == != ~ contains exists absent',
    example: "expect header content-type ~ /json/",
    parse(r, base): HttpExpectNode {
      const key = r.word("a header name").text;
      const matcher = parseHttpMatcher(r, "a matcher");
      return captureAndFrom(
        r,
        { ...base, kind: "expect-http", what: "header", key, matcher },
        true,
      );
    },
  },
  {
    word: "body",
    usage: "expect body MATCHER [as VAR] [from RESPONSE]",
    summary: 'checks the response body: "exact text", /regex/ (as VAR captures), contains "…"',
    example: 'expect body contains "hello"',
    parse(r, base): HttpExpectNode {
      const matcher = parseHttpMatcher(r, "a matcher");
      return captureAndFrom(r, { ...base, kind: "expect-http", what: "body", matcher }, true);
    },
  },
  {
    word: "json",
    usage:
      "expect json PATH (== | != | ~ | < | > | <= | >= | contains) VALUE | exists | absent [as VAR] [from RESPONSE]",
    summary: "checks a JSONPath ($.items[0].id) in the response body",
    example: "expect json $.items[0].id == 1",
    parse(r, base): HttpExpectNode {
      const path = r.word("a JSONPath like $.items[0].id");
      if (!path.text.startsWith("$")) r.fail(`a JSONPath starts with "$"`, path.span);
      const matcher = parseHttpMatcher(r, "an operator and a value", true);
      return captureAndFrom(r, {
        ...base,
        kind: "expect-http",
        what: "json",
        key: path.text,
        matcher,
      }, true);
    },
  },
  {
    word: "version",
    usage: "expect version MATCHER [from RESPONSE]",
    summary: 'checks the HTTP version of the last response: "HTTP/2", "HTTP/1.1"',
    example: 'expect version "HTTP/2"',
    parse(r, base): HttpExpectNode {
      const matcher = parseHttpMatcher(r, 'a version like "HTTP/2"');
      return captureAndFrom(r, { ...base, kind: "expect-http", what: "version", matcher }, false);
    },
  },
  {
    word: "duration",
    usage: "expect duration (< | <= | > | >=) D [from RESPONSE]",
    summary: "checks how long the last HTTP request took",
    example: "expect duration < 200ms",
    parse(r, base): HttpExpectNode {
      const op = r.word("<, <=, > or >=");
      if (!["<", "<=", ">", ">="].includes(op.text)) {
        r.fail(`"${op.text}" is not <, <=, > or >=`, op.span);
      }
      const d = r.duration("a duration like 200ms");
      const value: ValueNode = { type: "duration", ms: d.ms, span: d.span };
      const matcher = { op: op.text as "<" | "<=" | ">" | ">=", value };
      return captureAndFrom(r, { ...base, kind: "expect-http", what: "duration", matcher }, false);
    },
  },
  {
    word: "request",
    usage:
      "expect request SERVER [METHOD PATH] [header NAME MATCHER]… [body MATCHER] [count N] [as VAR] [within D]",
    summary: "waits for a serve http server to receive a matching request (count N: exactly N)",
    example: "expect request api POST /users header content-type ~ /json/ count 1",
    parse(r, base): ExpectRequestNode {
      const server = r.name("server name").text;
      const node: ExpectRequestNode = { ...base, kind: "expect-request", server, headers: [] };
      const w = r.peekWord();
      if (w !== undefined && METHOD_RE.test(w)) {
        node.method = method(r, "an HTTP method");
        node.path = r.value("a path");
      }
      while (!r.atEnd()) {
        if (r.keyword("header")) {
          const name = r.word("a header name").text;
          node.headers.push({ name, matcher: parseHttpMatcher(r, "a matcher") });
        } else if (r.keyword("body")) node.body = parseHttpMatcher(r, "a matcher");
        else if (r.keyword("count")) {
          const n = r.value("a count");
          if (n.type !== "number" || !Number.isInteger(n.value) || n.value < 0) {
            r.fail("a whole number", n.span);
          }
          node.count = (n as { value: number }).value;
        } else if (r.keyword("as")) node.as = r.name("variable name").text;
        else if (r.keyword("within")) node.withinMs = r.duration().ms;
        else r.fail(`unexpected "${r.peekWord()}" (options: header, body, count, as, within)`);
      }
      return node;
    },
  },
];
