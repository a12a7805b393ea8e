/**
 * A cookie jar (RFC 6265, the parts a test client needs): `Set-Cookie` is stored by
 * domain (host-only or a parent domain), path, `Secure`, `Expires`/`Max-Age`; the
 * `Cookie` header for a URL lists the cookies that apply, longest path first. The jar
 * reads and writes curl's Netscape cookie file, so `--cookie-jar FILE` is shared with
 * `curl -b FILE -c FILE`.
 *
 * @module
 */
import { isIp } from "./connection.ts";

/**
 * One stored cookie.
 *
 * @example The cookies a jar keeps
 * ```ts
 * import { type Cookie, CookieJar } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * const jar = new CookieJar();
 * jar.store(new URL("http://127.0.0.1/login"), ["sid=abc; Path=/"]);
 * const [sid]: readonly Cookie[] = jar.cookies;
 * assertEquals([sid?.name, sid?.value, sid?.hostOnly], ["sid", "abc", true]);
 * ```
 */
export interface Cookie {
  /** The cookie's name. */
  name: string;
  /** Its value, as sent. */
  value: string;
  /** The domain, lower case, without a leading dot. */
  domain: string;
  /** Sent only to `domain` itself (no `Domain` attribute was given). */
  hostOnly: boolean;
  /** Sent for this path and the paths under it. */
  path: string;
  /** Sent only over HTTPS. */
  secure: boolean;
  /** Marked `HttpOnly` (kept and sent like any other here). */
  httpOnly: boolean;
  /** Expiry, ms since the epoch; undefined for a session cookie. */
  expires?: number;
}

/**
 * Cookies kept across requests (one per script session).
 *
 * @example A login cookie sent back on the next request
 * ```ts
 * import { CookieJar, httpRequest, startHttpServer } from "@wireplay/wireplay/http";
 * import { assertEquals } from "@std/assert";
 * await using api = await startHttpServer("http://127.0.0.1:0");
 * const cookieJar = new CookieJar();
 * await httpRequest({ method: "GET", url: `${api.url}/cookies/set?sid=abc`, cookieJar });
 * assertEquals(cookieJar.header(new URL(api.url)), "sid=abc");
 * ```
 */
export class CookieJar {
  #cookies: Cookie[] = [];

  /** Every live cookie. */
  get cookies(): readonly Cookie[] {
    this.#expire(Date.now());
    return this.#cookies;
  }

  /** Stores the `Set-Cookie` values a response to `url` carried. */
  store(url: URL, setCookies: string[], now: number = Date.now()): void {
    for (const line of setCookies) {
      const c = parseSetCookie(line, url, now);
      if (!c) continue;
      this.#cookies = this.#cookies.filter((o) =>
        !(o.name === c.name && o.domain === c.domain && o.path === c.path)
      );
      if (c.expires === undefined || c.expires > now) this.#cookies.push(c);
    }
  }

  /** The `Cookie` header value for a request to `url`, or undefined when none applies. */
  header(url: URL, now: number = Date.now()): string | undefined {
    this.#expire(now);
    const host = hostOf(url);
    const fits = this.#cookies.filter((c) =>
      (c.hostOnly ? host === c.domain : domainMatch(host, c.domain)) &&
      pathMatch(url.pathname || "/", c.path) &&
      (!c.secure || url.protocol === "https:")
    ).sort((a, b) => b.path.length - a.path.length);
    return fits.length ? fits.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }

  /** The jar as a Netscape cookie file (what curl's `-c` writes), session cookies included. */
  toNetscape(): string {
    const lines = ["# Netscape HTTP Cookie File", "# written by wireplay", ""];
    for (const c of this.cookies) {
      lines.push([
        (c.httpOnly ? "#HttpOnly_" : "") + (c.hostOnly ? "" : ".") + c.domain,
        c.hostOnly ? "FALSE" : "TRUE",
        c.path,
        c.secure ? "TRUE" : "FALSE",
        String(c.expires === undefined ? 0 : Math.floor(c.expires / 1000)),
        c.name,
        c.value,
      ].join("\t"));
    }
    return lines.join("\n") + "\n";
  }

  /**
   * Adds the cookies of a Netscape cookie file (curl's format).
   *
   * @throws {Error} naming the line that is not a cookie line.
   */
  loadNetscape(text: string): void {
    text.split(/\r?\n/).forEach((raw, i) => {
      let line = raw;
      let httpOnly = false;
      if (line.startsWith("#HttpOnly_")) {
        line = line.slice("#HttpOnly_".length);
        httpOnly = true;
      } else if (line.startsWith("#") || line.trim() === "") return;
      const f = line.split("\t");
      if (f.length !== 7 || !/^\d+$/.test(f[4]!)) {
        throw new Error(`line ${i + 1} is not a cookie line (7 tab-separated fields)`);
      }
      const [domain, sub, path, secure, expires, name, value] = f as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const at = Number(expires) * 1000;
      this.#cookies.push({
        name,
        value,
        domain: domain.replace(/^\./, "").toLowerCase(),
        hostOnly: sub !== "TRUE",
        path,
        secure: secure === "TRUE",
        httpOnly,
        expires: at === 0 ? undefined : at,
      });
    });
  }

  #expire(now: number): void {
    this.#cookies = this.#cookies.filter((c) => c.expires === undefined || c.expires > now);
  }
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

function domainMatch(host: string, domain: string): boolean {
  return host === domain || (!isIp(host) && host.endsWith("." + domain));
}

function pathMatch(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || path[cookiePath.length] === "/";
}

/** The default path of a cookie set by a response to `url` (RFC 6265 §5.1.4). */
function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith("/") || p.lastIndexOf("/") === 0) return "/";
  return p.slice(0, p.lastIndexOf("/"));
}

/** Parses one `Set-Cookie` value; undefined when it must be ignored. */
export function parseSetCookie(line: string, url: URL, now = Date.now()): Cookie | undefined {
  const [pair, ...attrs] = line.split(";");
  const eq = pair!.indexOf("=");
  if (eq <= 0) return undefined;
  const host = hostOf(url);
  const c: Cookie = {
    name: pair!.slice(0, eq).trim(),
    value: pair!.slice(eq + 1).trim(),
    domain: host,
    hostOnly: true,
    path: defaultPath(url),
    secure: false,
    httpOnly: false,
  };
  if (c.name === "") return undefined;
  let maxAge: number | undefined;
  for (const a of attrs) {
    const i = a.indexOf("=");
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? "" : a.slice(i + 1).trim();
    if (key === "domain" && val !== "") {
      const d = val.replace(/^\./, "").toLowerCase();
      if (!domainMatch(host, d)) return undefined; // a cookie for someone else
      c.domain = d;
      c.hostOnly = isIp(host); // an IP address has no subdomains
    } else if (key === "path" && val.startsWith("/")) c.path = val;
    else if (key === "secure") c.secure = true;
    else if (key === "httponly") c.httpOnly = true;
    else if (key === "max-age" && /^-?\d+$/.test(val)) maxAge = Number(val);
    else if (key === "expires") {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) c.expires = t;
    }
  }
  if (maxAge !== undefined) c.expires = maxAge <= 0 ? 0 : now + maxAge * 1000;
  return c;
}
