/**
 * Socket options Deno has no API for (`ttl`, `sndbuf`, `rcvbuf`, keep-alive timing),
 * set and read with `setsockopt(2)`/`getsockopt(2)` through FFI on Linux. Deno does not
 * expose descriptors, so a socket's is found among `/proc/self/fd` by its type and its
 * addresses (`getsockname`/`getpeername`). Needs `--allow-ffi` (and reading `/proc`).
 *
 * @module
 */
import { expandIpv6 } from "../tools/dns/reverse.ts";

const SYMBOLS = {
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;
let libc: Libc | null | undefined;

/** `[level, name]` of the options wireplay sets (Linux values). */
export const SOCKOPT = {
  SO_REUSEADDR: [1, 2],
  SO_TYPE: [1, 3],
  SO_BROADCAST: [1, 6],
  SO_SNDBUF: [1, 7],
  SO_RCVBUF: [1, 8],
  SO_KEEPALIVE: [1, 9],
  SO_REUSEPORT: [1, 15],
  TCP_NODELAY: [6, 1],
  TCP_KEEPIDLE: [6, 4],
  TCP_KEEPINTVL: [6, 5],
  IP_TTL: [0, 2],
  IP_MULTICAST_TTL: [0, 33],
  IPV6_UNICAST_HOPS: [41, 16],
  IPV6_MULTICAST_HOPS: [41, 18],
  IPV6_V6ONLY: [41, 26],
} as const satisfies Record<string, readonly [number, number]>;

/** An option's `[level, name]`. */
export type SockOpt = (typeof SOCKOPT)[keyof typeof SOCKOPT];

function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux") return libc;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return libc;
    libc = Deno.dlopen("libc.so.6", SYMBOLS);
  } catch { /* no FFI here */ }
  return libc;
}

/** True when options can be set through FFI here (Linux, `--allow-ffi`). */
export function canSetSockopt(): boolean {
  return openLibc() !== null;
}

/** The one sentence shown when an option needs FFI and it is not allowed. */
export function needsFfi(option: string): string {
  return `${option} needs --allow-ffi: Deno has no API for it, so wireplay sets it with ` +
    `setsockopt(2) through FFI (Linux)`;
}

function lib(option: string): Libc {
  const l = openLibc();
  if (!l) throw new Error(needsFfi(option));
  return l;
}

function errno(l: Libc): number {
  return new Deno.UnsafePointerView(l.symbols.__errno_location()!).getInt32();
}

/** Decodes a `sockaddr_in`/`sockaddr_in6` into an address and port. */
function decodeSockaddr(sa: Uint8Array): { host: string; port: number } | undefined {
  const family = sa[0]! | (sa[1]! << 8);
  const port = (sa[2]! << 8) | sa[3]!;
  if (family === 2) return { host: [...sa.subarray(4, 8)].join("."), port };
  if (family === 10) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((sa[8 + i]! << 8) | sa[9 + i]!).toString(16));
    return { host: words.join(":"), port };
  }
  return undefined;
}

/** A host as comparable text: IPv6 fully expanded, an IPv4-mapped one as IPv4. */
function canonical(host: string): string {
  const h = host.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!h.includes(":")) return h;
  const hex = expandIpv6(h);
  if (hex.startsWith("00000000000000000000ffff")) {
    return [0, 1, 2, 3].map((i) => parseInt(hex.slice(24 + i * 2, 26 + i * 2), 16)).join(".");
  }
  return hex;
}

/**
 * Finds the descriptor of this process's socket of `type` bound to `local` (and, for a
 * connected socket, talking to `remote`).
 *
 * @throws {Error} when FFI is not allowed, or no single socket matches.
 */
export function findSocketFd(
  type: "tcp" | "udp",
  local: Deno.NetAddr,
  remote?: Deno.NetAddr,
  option = "this option",
): number {
  const l = lib(option);
  const want = (sa: Uint8Array, a: Deno.NetAddr) => {
    const d = decodeSockaddr(sa);
    return d !== undefined && d.port === a.port && canonical(d.host) === canonical(a.hostname);
  };
  const sa = new Uint8Array(128);
  const len = new Uint8Array(4);
  const lenView = new DataView(len.buffer);
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    const fd = Number(entry.name);
    try {
      if (!Deno.readLinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) continue;
    } catch {
      continue; // closed meanwhile
    }
    if (getInt(l, fd, SOCKOPT.SO_TYPE) !== (type === "tcp" ? 1 : 2)) continue;
    lenView.setUint32(0, sa.byteLength, true);
    if (l.symbols.getsockname(fd, sa, len) !== 0 || !want(sa, local)) continue;
    if (remote) {
      lenView.setUint32(0, sa.byteLength, true);
      if (l.symbols.getpeername(fd, sa, len) !== 0 || !want(sa, remote)) continue;
    }
    found.push(fd);
  }
  if (found.length !== 1) {
    throw new Error(
      found.length
        ? `cannot tell this socket's descriptor from ${
          found.length - 1
        } other(s) on the same address`
        : "cannot find this socket's descriptor in /proc/self/fd",
    );
  }
  return found[0]!;
}

function getInt(l: Libc, fd: number, [level, name]: SockOpt): number | undefined {
  const val = new Uint8Array(4);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, 4, true);
  if (l.symbols.getsockopt(fd, level, name, val, len) !== 0) return undefined;
  return new DataView(val.buffer).getInt32(0, true);
}

/** Sets an integer option on `fd`. */
export function setSockopt(fd: number, opt: SockOpt, value: number, option: string): void {
  const l = lib(option);
  const val = new Uint8Array(4);
  new DataView(val.buffer).setInt32(0, value, true);
  if (l.symbols.setsockopt(fd, opt[0], opt[1], val, 4) !== 0) {
    throw new Error(`cannot set ${option}: setsockopt failed (errno ${errno(l)})`);
  }
}

/** Reads an integer option of `fd`. */
export function getSockopt(fd: number, opt: SockOpt, option: string): number {
  const v = getInt(lib(option), fd, opt);
  if (v === undefined) throw new Error(`cannot read ${option}: getsockopt failed`);
  return v;
}
