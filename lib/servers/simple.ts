/**
 * The classic test servers: echo (RFC 862), discard (RFC 863) and chargen (RFC 864),
 * over TCP, TLS, Unix stream sockets and UDP.
 *
 * @module
 */
import { type Address, formatDenoAddr } from "../address/address.ts";
import { writeAll } from "../transport/duplex.ts";
import type { ServeOptions, ServerHandle } from "./server.ts";
import { startStreamServer } from "./stream_server.ts";

const BUFFER = 64 * 1024;

/** The chargen pattern: 72-character lines rotating through the 95 printable characters. */
export function chargenBlock(lines = 95): Uint8Array {
  const out = new Uint8Array(lines * 74);
  for (let l = 0; l < lines; l++) {
    for (let i = 0; i < 72; i++) out[l * 74 + i] = 32 + ((l + i) % 95);
    out[l * 74 + 72] = 13;
    out[l * 74 + 73] = 10;
  }
  return out;
}

/** Starts an echo, discard or chargen server. */
export function startSimpleServer(
  kind: "echo" | "discard" | "chargen",
  address: Address,
  options: ServeOptions = {},
): Promise<ServerHandle> {
  if (address.scheme === "udp") {
    return Promise.resolve(startDatagramServer(kind, address, options["reuse-port"] === "true"));
  }
  return startStreamServer(kind, address, options, async (conn, signal) => {
    if (kind === "chargen") {
      const block = chargenBlock();
      const drain = (async () => {
        const b = new Uint8Array(BUFFER);
        while ((await conn.read(b)) !== null) { /* discard what the client sends */ }
      })().catch(() => {});
      try {
        while (!signal.aborted) await writeAll(conn, block);
      } finally {
        await drain;
      }
      return;
    }
    const buf = new Uint8Array(BUFFER);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      if (kind === "echo") await writeAll(conn, buf.subarray(0, n));
    }
    if (kind === "echo") await conn.closeWrite().catch(() => {});
  });
}

function startDatagramServer(
  kind: "echo" | "discard" | "chargen",
  address: { host: string; port: number },
  reuseAddress = false,
): ServerHandle {
  // reuseAddress sets SO_REUSEPORT too: workers on one port share the datagrams
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: address.host,
    port: address.port,
    reuseAddress,
  });
  let closed = false;
  const line = chargenBlock(1);
  const loop = (async () => {
    try {
      while (true) {
        const [data, from] = await conn.receive();
        if (kind === "echo") await conn.send(data, from).catch(() => {});
        else if (kind === "chargen") await conn.send(line, from).catch(() => {});
      }
    } catch (e) {
      if (!closed) throw e;
    }
  })();
  const a = conn.addr as Deno.NetAddr;
  const close = async () => {
    if (!closed) {
      closed = true;
      conn.close();
    }
    await loop.catch(() => {});
  };
  return {
    kind,
    address: formatDenoAddr(a, "udp"),
    host: a.hostname,
    port: a.port,
    finished: loop.catch(() => {}),
    close,
    [Symbol.asyncDispose]: close,
  };
}
