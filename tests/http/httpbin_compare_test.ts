// Side by side with the real httpbin (Debian's python3-httpbin): for every route in
// httpbin's own list, the same requests to both, and the same status, the headers a client
// reads, and the same JSON shape (keys, types; values where they are deterministic).
// Differences are allowed only where a case names one, and each is in docs/HTTP.md.
import { assert, assertEquals } from "@std/assert";
import { inflateSync } from "node:zlib";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { needs } from "../helpers/peers.ts";
import { startRealHttpbin } from "./_httpbin.ts";

interface Case {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** How bodies compare (default: JSON when httpbin's is JSON, else equal text). */
  compare?: "json" | "jsonlines" | "text" | "length" | "magic" | "none";
  /** JSON paths (dotted) whose values are random on both: compared by type only. */
  random?: string[];
  /** Headers whose values are random on both: compared by presence only. */
  randomHeaders?: string[];
  /** A documented difference (docs/HTTP.md): what is not compared, and why. */
  differs?: { what: "body" | "status"; why: string };
}

const CLIENT_HEADERS = [
  "content-type",
  "location",
  "www-authenticate",
  "etag",
  "content-range",
  "content-encoding",
  "cache-control",
  "allow",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "set-cookie",
];

const FORM = "custname=ann&topping=bacon&topping=onion";
const multipart = () => {
  const f = new FormData();
  f.append("field", "value");
  f.append("upload", new Blob(["file text"], { type: "text/plain" }), "a.txt");
  f.append("binary", new Blob([new Uint8Array([0xff, 0, 0xfe])]), "b.bin");
  return f;
};
const basic = (user: string, pass: string) => ({
  authorization: `Basic ${btoa(`${user}:${pass}`)}`,
});
const OWN_PAGE = "our own page";
/** fetch picks a new multipart boundary for each request */
const BOUNDARY = ["headers.Content-Type"];

const CASES: Case[] = [
  { path: "/", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/html", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/robots.txt" },
  { path: "/deny", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/xml", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/encoding/utf8", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/forms/post", compare: "none", differs: { what: "body", why: OWN_PAGE } },
  { path: "/ip" },
  { path: "/uuid", random: ["uuid"] },
  { path: "/headers", headers: { "x-custom-thing": "1", "x-forwarded-for": "10.1.2.3" } },
  { path: "/headers?show_env=1", headers: { "x-forwarded-for": "10.1.2.3" } },
  { path: "/user-agent" },
  { path: "/get?a=1&a=2&b=x%20y", headers: { "x-b3-traceid": "abc" } },
  { path: "/get", method: "HEAD", compare: "none" },
  { path: "/get", method: "POST", body: "x", compare: "none" },
  { path: "/anything", method: "GET" },
  { path: "/anything/x/y?q=1", method: "POST", body: '{"a":[1,2,{"b":null}]}' },
  {
    path: "/anything",
    method: "PUT",
    body: FORM,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  },
  { path: "/anything", method: "PATCH", body: multipart(), random: BOUNDARY },
  { path: "/anything", method: "DELETE" },
  {
    path: "/post",
    method: "POST",
    body: '{"k":"v"}',
    headers: { "content-type": "application/json" },
  },
  {
    path: "/post",
    method: "POST",
    body: FORM,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  },
  { path: "/post", method: "POST", body: multipart(), random: BOUNDARY },
  { path: "/post", method: "POST", body: new Uint8Array([0xff, 0xfe, 0x00, 0x41]) },
  { path: "/put", method: "PUT", body: "plain text" },
  { path: "/patch", method: "PATCH", body: "[1,2]" },
  { path: "/delete", method: "DELETE" },
  { path: "/gzip" },
  { path: "/deflate" },
  { path: "/brotli" },
  { path: "/redirect/3" },
  { path: "/redirect/1" },
  { path: "/redirect/2?absolute=true" },
  { path: "/relative-redirect/2" },
  { path: "/relative-redirect/1" },
  { path: "/absolute-redirect/2" },
  { path: "/absolute-redirect/1" },
  { path: "/redirect-to?url=/get" },
  { path: "/redirect-to?url=http://example.com/x&status_code=307" },
  { path: "/redirect-to?url=/elsewhere", method: "POST", body: "" },
  { path: "/stream/3", compare: "jsonlines" },
  ...[200, 204, 301, 302, 401, 404, 406, 407, 418, 500, 503].map((c) => ({
    path: `/status/${c}`,
    compare: "none" as const,
  })),
  { path: "/status/201", method: "PUT", body: "", compare: "none" },
  { path: "/status/200,200", compare: "none" },
  { path: "/status/500:0,418:1", compare: "none" },
  { path: "/status/abc", compare: "none" },
  { path: "/response-headers?X-A=1&X-A=2&freeform=hi", random: ["Content-Length"] },
  { path: "/response-headers?X-One=1", method: "POST", body: "", random: ["Content-Length"] },
  { path: "/cookies", headers: { cookie: "a=1; b=two; _gauges_unique=9" } },
  { path: "/cookies?show_env=1", headers: { cookie: "a=1; __utma=9" } },
  { path: "/cookies/set?k=v&k2=v2", compare: "none" },
  { path: "/cookies/set/name/value", compare: "none" },
  { path: "/cookies/delete?k", compare: "none" },
  { path: "/basic-auth/u/p", headers: basic("u", "p") },
  { path: "/basic-auth/u/p", headers: basic("u", "wrong"), compare: "none" },
  { path: "/hidden-basic-auth/u/p", headers: basic("u", "p") },
  { path: "/hidden-basic-auth/u/p", compare: "none" },
  { path: "/bearer", headers: { authorization: "Bearer t0k" } },
  { path: "/bearer", compare: "none" },
  { path: "/digest-auth/auth/u/p", compare: "none" },
  { path: "/digest-auth/auth-int/u/p/SHA-256", compare: "none" },
  { path: "/digest-auth/other/u/p/SHA-512/3", compare: "none" },
  { path: "/delay/0.1" },
  { path: "/drip?duration=0.1&numbytes=5" },
  { path: "/drip?duration=0&numbytes=3&code=201" },
  { path: "/base64/aGVsbG8gd29ybGQ=" },
  { path: "/base64/4pyTIMOgIGxhIG1vZGU_" },
  { path: "/cache", randomHeaders: ["etag"] },
  { path: "/cache", headers: { "if-none-match": '"x"' }, compare: "none" },
  { path: "/cache/60" },
  { path: "/etag/abc" },
  { path: "/etag/abc", headers: { "if-none-match": '"abc"' }, compare: "none" },
  { path: "/etag/abc", headers: { "if-none-match": '"zzz", W/"abc"' }, compare: "none" },
  { path: "/etag/abc", headers: { "if-match": '"zzz"' }, compare: "none" },
  { path: "/etag/abc", headers: { "if-match": "*" } },
  { path: "/bytes/16", compare: "length" },
  { path: "/bytes/16?seed=3", compare: "length" },
  { path: "/stream-bytes/20?chunk_size=5", compare: "length" },
  { path: "/range/30" },
  { path: "/range/30", headers: { range: "bytes=5-9" } },
  { path: "/range/30", headers: { range: "bytes=-4" } },
  { path: "/range/30", headers: { range: "bytes=25-" } },
  { path: "/range/30", headers: { range: "bytes=40-" }, compare: "none" },
  { path: "/range/52?chunk_size=7&duration=0.1" },
  { path: "/links/5/2" },
  { path: "/links/5", compare: "none" },
  { path: "/image", headers: { accept: "image/webp" }, compare: "magic" },
  { path: "/image", headers: { accept: "image/svg+xml" }, compare: "magic" },
  { path: "/image", headers: { accept: "image/jpeg" }, compare: "magic" },
  { path: "/image", headers: { accept: "image/*" }, compare: "magic" },
  { path: "/image", headers: { accept: "text/plain" } },
  { path: "/image/png", compare: "magic" },
  { path: "/image/jpeg", compare: "magic" },
  { path: "/image/webp", compare: "magic" },
  { path: "/image/svg", compare: "magic" },
];

/** Flask rules that are no httpbin endpoint: Flask's static folder (httpbin has none). */
const NOT_ENDPOINTS = new Set(["/static/<path:filename>"]);

/** Routes whose methods differ on purpose (docs/HTTP.md). */
const METHODS_DIFFER: Record<string, string> = {
  "/anything": "every method",
  "/anything/<path:anything>": "every method",
  "/delay/<delay>": "the methods of /anything, as newer httpbin",
};

const DEADLINE_MS = 10_000;

interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

async function ask(base: string, c: Case, method = c.method ?? "GET"): Promise<Answer> {
  const res = await fetch(base + c.path, {
    method,
    headers: c.headers,
    body: c.body,
    redirect: "manual",
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  const body = new Uint8Array(await res.arrayBuffer());
  // fetch undoes gzip and br, not deflate
  const deflated = res.headers.get("content-encoding") === "deflate";
  return { status: res.status, headers: res.headers, body: deflated ? inflateSync(body) : body };
}

/** Both servers' own addresses replaced by one placeholder. */
function normalizer(base: string): (s: string) => string {
  const host = base.replace("http://", "");
  return (s) => s.replaceAll(base, "ORIGIN").replaceAll(host, "HOST");
}

function headerValue(name: string, h: Headers, norm: (s: string) => string): string | undefined {
  if (name === "set-cookie") {
    const cookies = h.getSetCookie();
    return cookies.length ? cookies.map((c) => c.split(";")[0]).sort().join(" | ") : undefined;
  }
  const v = h.get(name);
  if (v === null) return undefined;
  if (name === "content-type") return v.toLowerCase().replace(/\s+/g, "");
  if (name === "www-authenticate") {
    // nonce and opaque are random; the realm is our own (docs/HTTP.md)
    return v.replace(/(nonce|opaque)="([0-9a-f]*)"/g, (_, k, x) => `${k}=<${x.length} hex>`)
      .replace(/^Digest realm="[^"]*"/, 'Digest realm="…"');
  }
  if (name === "allow") return v.split(",").map((m) => m.trim()).sort().join(", ");
  return norm(v);
}

function shapeDiffs(real: unknown, ours: unknown, path: string, random: string[]): string[] {
  const kind = (v: unknown) => v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
  if (kind(real) !== kind(ours)) return [`${path || "$"}: ${kind(real)} vs ${kind(ours)}`];
  if (random.includes(path)) return [];
  if (kind(real) === "object") {
    const r = real as Record<string, unknown>;
    const o = ours as Record<string, unknown>;
    const keys = new Set([...Object.keys(r), ...Object.keys(o)]);
    return [...keys].flatMap((k) => {
      const at = path ? `${path}.${k}` : k;
      if (!(k in r)) return [`${at}: only ours has it`];
      if (!(k in o)) return [`${at}: only httpbin has it`];
      return shapeDiffs(r[k], o[k], at, random);
    });
  }
  if (kind(real) === "array") {
    const r = real as unknown[];
    const o = ours as unknown[];
    if (r.length !== o.length) return [`${path}: ${r.length} items vs ${o.length}`];
    return r.flatMap((v, i) => shapeDiffs(v, o[i], `${path}[${i}]`, random));
  }
  return real === ours ? [] : [`${path}: ${JSON.stringify(real)} vs ${JSON.stringify(ours)}`];
}

function bodyDiffs(
  c: Case,
  real: Answer,
  ours: Answer,
  norms: ((s: string) => string)[],
): string[] {
  const type = real.headers.get("content-type") ?? "";
  const mode = c.compare ?? (type.includes("json") ? "json" : "text");
  const [r, o] = [real.body, ours.body].map((b, i) => norms[i]!(new TextDecoder().decode(b)));
  switch (mode) {
    case "none":
      return [];
    case "length":
      return real.body.length === ours.body.length
        ? []
        : [`body: ${real.body.length} bytes vs ${ours.body.length}`];
    case "magic": {
      const head = (b: Uint8Array) =>
        new TextDecoder().decode(b.slice(0, 12)).replace(/[^\w<?]/g, ".");
      const kind = (b: Uint8Array) =>
        /PNG|JFIF|Exif|WEBP|<\?xml|<svg/.exec(head(b))?.[0] ?? head(b);
      const [kr, ko] = [kind(real.body), kind(ours.body)].map((k) => k === "Exif" ? "JFIF" : k);
      return kr === ko ? [] : [`image: ${kr} vs ${ko}`];
    }
    case "json":
    case "jsonlines": {
      const parse = (s: string) => {
        try {
          return mode === "json" ? JSON.parse(s) : s.trim().split("\n").map((l) => JSON.parse(l));
        } catch {
          return `not JSON: ${s.slice(0, 60)}`;
        }
      };
      return shapeDiffs(parse(r!), parse(o!), "", c.random ?? []);
    }
    case "text":
      return r === o
        ? []
        : [`body: ${JSON.stringify(r!.slice(0, 80))} vs ${JSON.stringify(o!.slice(0, 80))}`];
  }
}

async function compare(c: Case, bases: [string, string], method?: string): Promise<string[]> {
  const [real, ours] = await Promise.all([ask(bases[0], c, method), ask(bases[1], c, method)]);
  const norms = bases.map(normalizer);
  const diffs: string[] = [];
  if (real.status !== ours.status && c.differs?.what !== "status") {
    diffs.push(`status: ${real.status} vs ${ours.status}`);
  }
  for (const name of CLIENT_HEADERS) {
    const [r, o] = [real, ours].map((a, i) => headerValue(name, a.headers, norms[i]!));
    if (c.randomHeaders?.includes(name) ? (r === undefined) !== (o === undefined) : r !== o) {
      diffs.push(`${name}: ${r} vs ${o}`);
    }
  }
  if (real.status === ours.status && c.differs?.what !== "body") {
    diffs.push(...bodyDiffs(c, real, ours, norms));
  }
  return diffs.map((d) => `${method ?? c.method ?? "GET"} ${c.path}: ${d}`);
}

function ruleRegex(rule: string): RegExp {
  const body = rule.replace(/[.]/g, "\\.").replace(/<int:\w+>/g, "\\d+").replace(
    /<path:\w+>/g,
    ".+",
  )
    .replace(/<\w+>/g, "[^/]+");
  return new RegExp(`^${body}$`);
}

Deno.test({
  name: "serve http answers like the real httpbin, side by side, for every route in its list",
  ...needs("httpbin"),
  fn: async () => {
    await using real = await startRealHttpbin();
    await using ours = await startHttpServer("http://127.0.0.1:0", { record: false });
    const bases: [string, string] = [real.url, ours.url];

    // every route of httpbin's list has a case
    const routes = real.rules.filter((r) => !NOT_ENDPOINTS.has(r.rule));
    assert(routes.length >= 50, `only ${routes.length} routes listed`);
    const sample = new Map<string, Case>();
    for (const r of routes) {
      const re = ruleRegex(r.rule);
      const c = CASES.find((c) => re.test(c.path.split("?")[0]!));
      assert(c, `no case for httpbin's ${r.rule}`);
      sample.set(r.rule, c);
    }

    const diffs: string[] = [];
    // a few at a time: Flask's server starts a thread per request
    for (let i = 0; i < CASES.length; i += 6) {
      const batch = await Promise.all(CASES.slice(i, i + 6).map((c) => compare(c, bases)));
      diffs.push(...batch.flat());
    }
    // the methods of every route, as OPTIONS answers them
    for (const r of routes) {
      if (METHODS_DIFFER[r.rule]) continue;
      const c = sample.get(r.rule)!;
      diffs.push(...await compare({ ...c, body: undefined, compare: "none" }, bases, "OPTIONS"));
    }
    assertEquals(diffs, [], `${diffs.length} differences:\n${diffs.join("\n")}`);
  },
});
