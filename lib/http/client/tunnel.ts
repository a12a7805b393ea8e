/**
 * Tunnels through a proxy on an open TCP socket: HTTP `CONNECT host:port` (RFC 9110
 * §9.3.6) and SOCKS5 (RFC 1928, no auth or user/password per RFC 1929). After the
 * handshake the socket carries the target's bytes (TLS goes over it for https).
 *
 * @module
 */
import net from "node:net";
import { formatHostPort } from "../../address/address.ts";

/** A proxy the client goes through (`via http://…` or `via socks5://…`). */
export interface ProxySpec {
  /** `http` (absolute-form for http targets, CONNECT for https), `socks5` (resolves here), `socks5h` (the proxy resolves). */
  kind: "http" | "socks5" | "socks5h";
  host: string;
  port: number;
  /** `user:password` from the proxy URL, for Basic or SOCKS5 user/password auth. */
  user?: string;
  password?: string;
}

/** The proxy refused or broke the handshake. */
export class TunnelError extends Error {
  override name = "TunnelError";
}

/**
 * Parses `http://[user:pass@]host:port` or `socks5://…`/`socks5h://…`.
 *
 * @throws {TunnelError} when it is not such a URL.
 */
export function parseProxy(text: string): ProxySpec {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new TunnelError(`"${text}" is not a proxy URL (http://HOST:PORT or socks5://HOST:PORT)`);
  }
  const kind = u.protocol.slice(0, -1);
  if (kind !== "http" && kind !== "socks5" && kind !== "socks5h") {
    throw new TunnelError(`"${text}": a proxy is http://, socks5:// or socks5h://`);
  }
  const port = u.port ? Number(u.port) : kind === "http" ? 8080 : 1080;
  return {
    kind,
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** `Proxy-Authorization` for an HTTP proxy with credentials, else undefined. */
export function proxyAuthorization(p: ProxySpec): string | undefined {
  if (p.user === undefined) return undefined;
  const bytes = new TextEncoder().encode(`${p.user}:${p.password ?? ""}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Reads from `socket` until `complete(bytes)` returns a length; puts back what follows. */
function readUntil(
  socket: net.Socket,
  complete: (bytes: Uint8Array) => number | undefined,
  max: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let buf = new Uint8Array(0);
    const done = (e?: Error) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.off("close", onEnd);
      if (e) reject(e);
    };
    const onData = (chunk: Uint8Array) => {
      const next = new Uint8Array(buf.byteLength + chunk.byteLength);
      next.set(buf);
      next.set(chunk, buf.byteLength);
      buf = next;
      const n = complete(buf);
      if (n === undefined) {
        if (buf.byteLength > max) done(new TunnelError(`the proxy's reply is over ${max} bytes`));
        return;
      }
      done();
      socket.pause();
      if (n < buf.byteLength) socket.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    const onEnd = () => done(new TunnelError("the proxy closed the connection"));
    const onError = (e: Error) =>
      done(new TunnelError(`the proxy connection failed: ${e.message}`));
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.once("error", onError);
    socket.resume();
  });
}

function write(socket: net.Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(bytes, (e?: Error | null) => e ? reject(e) : resolve())
  );
}

/**
 * `CONNECT host:port`, then waits for a 2xx.
 *
 * @throws {TunnelError} with the proxy's status line when it refuses.
 */
export async function httpConnect(
  socket: net.Socket,
  proxy: ProxySpec,
  host: string,
  port: number,
): Promise<void> {
  const authority = formatHostPort(host, port);
  const auth = proxyAuthorization(proxy);
  await write(
    socket,
    new TextEncoder().encode(
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
        (auth ? `Proxy-Authorization: ${auth}\r\n` : "") + "\r\n",
    ),
  );
  const head = await readUntil(socket, (b) => {
    for (let i = 3; i < b.byteLength; i++) {
      if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i + 1;
    }
    return undefined;
  }, 64 * 1024);
  const statusLine = new TextDecoder().decode(head).split("\r\n")[0]!;
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
  if (!m) throw new TunnelError(`the proxy did not answer CONNECT with HTTP: "${statusLine}"`);
  if (!m[1]!.startsWith("2")) {
    throw new TunnelError(`the proxy refused CONNECT ${authority}: ${statusLine}`);
  }
}

const SOCKS_ERRORS = [
  "succeeded",
  "general SOCKS server failure",
  "connection not allowed by ruleset",
  "network unreachable",
  "host unreachable",
  "connection refused",
  "TTL expired",
  "command not supported",
  "address type not supported",
];

/**
 * The SOCKS5 handshake: method negotiation (none, or user/password when the URL has
 * credentials), then CONNECT to `host` (an IP literal, or a name the proxy resolves).
 *
 * @throws {TunnelError} with the proxy's reason when it refuses.
 */
export async function socks5Connect(
  socket: net.Socket,
  proxy: ProxySpec,
  host: string,
  port: number,
): Promise<void> {
  const withAuth = proxy.user !== undefined;
  await write(socket, Uint8Array.of(5, 1, withAuth ? 2 : 0));
  const choice = await readUntil(socket, (b) => b.byteLength >= 2 ? 2 : undefined, 2);
  if (choice[0] !== 5) throw new TunnelError("the proxy does not speak SOCKS5");
  if (choice[1] === 0xff) {
    throw new TunnelError(
      withAuth
        ? "the SOCKS5 proxy refused user/password authentication"
        : "the SOCKS5 proxy wants authentication (socks5://user:password@…)",
    );
  }
  if (choice[1] === 2) {
    const user = new TextEncoder().encode(proxy.user ?? "");
    const pass = new TextEncoder().encode(proxy.password ?? "");
    if (user.byteLength > 255 || pass.byteLength > 255) {
      throw new TunnelError("SOCKS5 user and password are at most 255 bytes each");
    }
    await write(socket, Uint8Array.of(1, user.byteLength, ...user, pass.byteLength, ...pass));
    const r = await readUntil(socket, (b) => b.byteLength >= 2 ? 2 : undefined, 2);
    if (r[1] !== 0) throw new TunnelError("the SOCKS5 proxy refused the user or password");
  } else if (choice[1] !== 0) {
    throw new TunnelError(`the SOCKS5 proxy chose an unknown method ${choice[1]}`);
  }
  const family = net.isIP(host);
  let addr: number[];
  if (family === 4) addr = [1, ...host.split(".").map(Number)];
  else if (family === 6) addr = [4, ...ipv6Bytes(host)];
  else {
    const name = new TextEncoder().encode(host);
    if (name.byteLength > 255) throw new TunnelError("a SOCKS5 host name is at most 255 bytes");
    addr = [3, name.byteLength, ...name];
  }
  await write(socket, Uint8Array.of(5, 1, 0, ...addr, port >> 8, port & 0xff));
  const reply = await readUntil(socket, (b) => {
    if (b.byteLength < 5) return undefined;
    const len = b[3] === 1 ? 4 : b[3] === 4 ? 16 : b[3] === 3 ? 1 + b[4]! : 0;
    const total = 4 + len + 2;
    return b.byteLength >= total ? total : undefined;
  }, 262);
  if (reply[0] !== 5) throw new TunnelError("the proxy's reply is not SOCKS5");
  if (reply[1] !== 0) {
    const why = SOCKS_ERRORS[reply[1]!] ?? `error ${reply[1]}`;
    throw new TunnelError(
      `the SOCKS5 proxy could not connect to ${formatHostPort(host, port)}: ${why}`,
    );
  }
}

function ipv6Bytes(host: string): number[] {
  const [head, tail] = host.includes("::") ? host.split("::") : [host, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
