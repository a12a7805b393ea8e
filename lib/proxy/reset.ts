/**
 * Closes a TCP connection with a reset (RST) instead of a FIN. Deno has no SO_LINGER
 * option (and its close shuts the write side down first, which sends a FIN), so on Linux
 * the socket's descriptor is found through `/proc` and `connect(fd, AF_UNSPEC)` is called
 * through FFI: the kernel then aborts the connection with an RST. Without the `ffi` and
 * `read` permissions (or on other systems) it falls back to a plain close.
 *
 * @module
 */
import type { ByteDuplex } from "../transport/duplex.ts";

type Libc = Deno.DynamicLibrary<{
  connect: { parameters: ["i32", "buffer", "u32"]; result: "i32" };
}>;

let libc: Libc | null | undefined;

function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux") return libc;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return libc;
    if (Deno.permissions.querySync({ name: "read", path: "/proc" }).state !== "granted") {
      return libc;
    }
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        libc = Deno.dlopen(name, {
          connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
        });
        break;
      } catch { /* try the next name */ }
    }
  } catch { /* no permission API or no FFI */ }
  return libc;
}

/** True when {@linkcode resetConn} can send a real RST here. */
export function canReset(): boolean {
  return openLibc() !== null;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}

/** Finds the socket inode of a TCP connection by its local and remote ports. */
function findInode(local: number, remote: number): string | undefined {
  const want = `:${hexPort(local)} `;
  const peer = `:${hexPort(remote)} `;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if ((cols[1] + " ").endsWith(want) && (cols[2] + " ").endsWith(peer)) return cols[9];
    }
  }
  return undefined;
}

function findFd(inode: string): number | undefined {
  const target = `socket:[${inode}]`;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === target) return Number(entry.name);
    } catch { /* closed meanwhile */ }
  }
  return undefined;
}

/**
 * Closes `conn` so that the peer sees a connection reset. Returns true when a real RST
 * was arranged, false when it fell back to an ordinary close.
 */
export function resetConn(conn: ByteDuplex): boolean {
  let rst = false;
  const lib = openLibc();
  const local = conn.localAddr;
  const remote = conn.remoteAddr;
  if (lib && local.transport === "tcp" && remote.transport === "tcp") {
    try {
      const inode = findInode(local.port, remote.port);
      const fd = inode === undefined ? undefined : findFd(inode);
      if (fd !== undefined) {
        // a sockaddr with sa_family AF_UNSPEC (0): tcp_disconnect, which sends an RST
        rst = lib.symbols.connect(fd, new Uint8Array(16), 16) === 0;
      }
    } catch { /* fall back to a plain close */ }
  }
  try {
    conn.close();
  } catch { /* already closed */ }
  return rst;
}
