/**
 * Free loopback ports for peers that cannot be told "port 0" (socat, openssl, redis).
 *
 * @module
 */

/** A TCP port free on `hostname` right now (the OS picks it; released before returning). */
export function freeTcpPort(hostname = "127.0.0.1"): number {
  using l = Deno.listen({ hostname, port: 0 });
  return l.addr.port;
}

/** A UDP port free on `hostname` right now. */
export function freeUdpPort(hostname = "127.0.0.1"): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  try {
    return (s.addr as Deno.NetAddr).port;
  } finally {
    s.close();
  }
}
