/**
 * `/digest-auth/{qop}/{user}/{passwd}[/{algorithm}[/{stale_after}]]`: HTTP Digest
 * authentication (RFC 7616) with MD5, SHA-256 or SHA-512, `qop` `auth` or `auth-int` (any
 * other value offers both), as httpbin runs it: stateless, with its cookies — `fake` (and
 * `?require-cookie=1` to insist on it), `stale_after` (a count of successes before the
 * nonce goes stale) and `last_nonce` (a nonce seen on a failure is answered `stale=TRUE`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { getCookies, setCookie } from "@std/http";
import { empty, type EndpointContext, json } from "./httpbin_context.ts";

const ALGORITHMS = { "MD5": "md5", "SHA-256": "sha256", "SHA-512": "sha512" } as const;
type Algorithm = keyof typeof ALGORITHMS;

/** The realm of the challenge. */
export const DIGEST_REALM = "wireplay";

/** Answers a digest-auth request; `params` are the (decoded) path segments after `/digest-auth/`. */
export function digestAuth(req: Request, ctx: EndpointContext, params: string[]): Response {
  const [qopParam = "", user = "", passwd = "", algo = "MD5", staleAfter = "never"] = params;
  const algorithm: Algorithm = Object.hasOwn(ALGORITHMS, algo) ? algo as Algorithm : "MD5";
  const qops = qopParam === "auth" || qopParam === "auth-int" ? [qopParam] : ["auth", "auth-int"];
  const requireCookie = ["1", "t", "true"].includes(
    (ctx.url.searchParams.get("require-cookie") ?? "").toLowerCase(),
  );
  const cookies = getCookies(req.headers);
  const credentials = parseDigest(req.headers.get("authorization"));
  const challenge = (stale: boolean, lastNonce?: string) => {
    const res = empty(401, { "www-authenticate": challengeHeader(qops, algorithm, stale) });
    setCookie(res.headers, { name: "stale_after", value: staleAfter, path: "/" });
    if (lastNonce !== undefined) {
      setCookie(res.headers, { name: "last_nonce", value: lastNonce, path: "/" });
    }
    setCookie(res.headers, { name: "fake", value: "fake_value", path: "/" });
    return res;
  };
  if (!credentials || (requireCookie && !req.headers.has("cookie"))) return challenge(false);
  if (requireCookie && cookies.fake !== "fake_value") {
    const res = json({ errors: ["missing cookie set on challenge"] }, 403);
    setCookie(res.headers, { name: "fake", value: "fake_value", path: "/" });
    return res;
  }
  const nonce = credentials.nonce ?? "";
  if (cookies.last_nonce === nonce || cookies.stale_after === "0") return challenge(true, nonce);
  const uri = ctx.url.pathname + ctx.url.search;
  if (!verify(credentials, { user, passwd, algorithm, qops, method: req.method, uri, ctx })) {
    return challenge(false, nonce);
  }
  const res = json({ authenticated: true, user });
  setCookie(res.headers, { name: "fake", value: "fake_value", path: "/" });
  if (cookies.stale_after !== undefined) {
    const left = Number(cookies.stale_after);
    setCookie(res.headers, {
      name: "stale_after",
      value: Number.isInteger(left) ? String(left - 1) : "never",
      path: "/",
    });
  }
  return res;
}

function hash(algorithm: Algorithm, data: string | Uint8Array): string {
  return createHash(ALGORITHMS[algorithm]).update(data).digest("hex");
}

function challengeHeader(qops: string[], algorithm: Algorithm, stale: boolean): string {
  const random = () => hash(algorithm, crypto.getRandomValues(new Uint8Array(16)));
  return `Digest realm="${DIGEST_REALM}", nonce="${random()}", qop="${qops.join(", ")}", ` +
    `opaque="${random()}", algorithm=${algorithm}, stale=${stale ? "TRUE" : "FALSE"}`;
}

/** The parameters of an `Authorization: Digest …` header, or undefined. */
export function parseDigest(header: string | null): Record<string, string> | undefined {
  const m = /^Digest\s+(.*)$/is.exec(header ?? "");
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const param = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = m[1]!;
  while (param.lastIndex < rest.length) {
    const p = param.exec(rest);
    if (!p) return undefined;
    out[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3]!;
  }
  return out.username !== undefined && out.response !== undefined ? out : undefined;
}

interface Expected {
  user: string;
  passwd: string;
  algorithm: Algorithm;
  qops: string[];
  method: string;
  uri: string;
  ctx: EndpointContext;
}

/** True when the credentials are the expected user's, for this request (RFC 7616 §3.4.1). */
function verify(c: Record<string, string>, e: Expected): boolean {
  if (c.username !== e.user || c.realm !== DIGEST_REALM) return false;
  if ((c.algorithm ?? "MD5").toUpperCase() !== e.algorithm) return false;
  const qop = c.qop;
  if (qop !== undefined && !e.qops.includes(qop)) return false;
  const H = (s: string | Uint8Array) => hash(e.algorithm, s);
  const ha1 = H(`${c.username}:${c.realm ?? ""}:${e.passwd}`);
  const ha2 = qop === "auth-int"
    ? H(`${e.method}:${e.uri}:${H(e.ctx.body)}`)
    : H(`${e.method}:${e.uri}`);
  const expected = qop === undefined
    ? H(`${ha1}:${c.nonce ?? ""}:${ha2}`)
    : H(`${ha1}:${c.nonce ?? ""}:${c.nc ?? ""}:${c.cnonce ?? ""}:${qop}:${ha2}`);
  return timingSafeEqual(expected, c.response ?? "");
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
