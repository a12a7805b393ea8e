/**
 * Real peers for the network tool tests: socat echo servers (TCP, UDP), a socat sink,
 * nginx with one worker, openssl s_server, dnsmasq with the test's own records.
 *
 * @module
 */
import { type Peer, startPeer } from "../helpers/peer.ts";
import type { TempDir } from "../helpers/temp.ts";
import { output } from "../helpers/process.ts";

/** A TCP port free on `hostname` right now. */
export function freeTcpPort(hostname = "127.0.0.1"): number {
  using l = Deno.listen({ hostname, port: 0 });
  return l.addr.port;
}

/** A UDP port free on 127.0.0.1 right now. */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/** A peer and its port. */
export interface PortPeer extends AsyncDisposable {
  peer: Peer;
  port: number;
}

function wrap(peer: Peer, port: number): PortPeer {
  return { peer, port, [Symbol.asyncDispose]: () => peer.stop() };
}

/** A TCP echo server (socat, one process per connection). */
export async function socatTcpEcho(
  hostname = "127.0.0.1",
  port = freeTcpPort(hostname),
): Promise<PortPeer> {
  const bind = hostname.includes(":")
    ? `TCP6-LISTEN:${port},bind=[${hostname}]`
    : `TCP-LISTEN:${port},bind=${hostname}`;
  const peer = await startPeer({
    cmd: "socat",
    args: [`${bind},reuseaddr,fork`, "EXEC:cat"],
    waitTcp: { hostname, port },
  });
  return wrap(peer, port);
}

/** A TCP server that runs `script` (a shell script file) per connection. */
export async function socatTcpScript(script: string, port = freeTcpPort()): Promise<PortPeer> {
  const peer = await startPeer({
    cmd: "socat",
    args: [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `EXEC:sh ${script}`],
    waitTcp: { port },
  });
  return wrap(peer, port);
}

/** A TCP sink that discards what it receives. */
export async function socatSink(port = freeTcpPort()): Promise<PortPeer> {
  const peer = await startPeer({
    cmd: "socat",
    args: ["-u", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, "OPEN:/dev/null"],
    waitTcp: { port },
  });
  return wrap(peer, port);
}

/**
 * A UDP echo server, one socat child per client address (UDP-LISTEN fork). Not UDP-RECVFROM
 * fork, a child per datagram: two clients sending at once could leave two children waiting
 * for a datagram the other took, and the echo silent. A child idle for 10 s ends (`-T 10`),
 * so one the peer's stop() missed cannot live on. Ready once it has echoed a datagram.
 */
export async function socatUdpEcho(port = freeUdpPort()): Promise<PortPeer> {
  const peer = await startPeer({
    cmd: "socat",
    args: ["-T", "10", `UDP-LISTEN:${port},bind=127.0.0.1,fork`, "EXEC:cat"],
  });
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    for (let i = 0; i < 100; i++) {
      await sock.send(new TextEncoder().encode("ready?"), {
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
      const got = await Promise.race([
        sock.receive().then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 50)),
      ]);
      if (got) return wrap(peer, port);
    }
    throw new Error("socat UDP echo not ready");
  } catch (e) {
    await peer.stop();
    throw e;
  } finally {
    sock.close();
  }
}

/** nginx with one worker answering `/` with `body` (and 404 elsewhere) on a free port. */
export async function nginxOneWorker(dir: TempDir, body = "hello from nginx\n"): Promise<PortPeer> {
  const port = freeTcpPort();
  const prefix = dir.join("nginx");
  await Deno.mkdir(`${prefix}/tmp`, { recursive: true });
  const conf = `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  server {
    listen 127.0.0.1:${port};
    default_type text/plain;
    location = / { return 200 ${JSON.stringify(body)}; }
    location = /chunked { chunked_transfer_encoding on; return 200 "chunky"; }
    location = /fail { return 503 "down\\n"; }
  }
}
`;
  await Deno.writeTextFile(`${prefix}/nginx.conf`, conf);
  const peer = await startPeer({
    cmd: "nginx",
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
    waitTcp: { port },
  });
  return wrap(peer, port);
}

/** A self-signed certificate for 127.0.0.1/localhost made by openssl. */
export async function opensslCert(dir: TempDir): Promise<{ cert: string; key: string }> {
  const cert = dir.join("cert.pem");
  const key = dir.join("key.pem");
  const out = await output("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null", // past 30 s: killed, failing by name
  });
  if (!out.success) throw new Error(`openssl req: ${new TextDecoder().decode(out.stderr)}`);
  return { cert, key };
}

/** `openssl s_server` on a free port with the given certificate (`-www`: an HTTPS page). */
export async function opensslServer(
  cert: string,
  key: string,
  extra: string[] = [],
): Promise<PortPeer> {
  const port = freeTcpPort();
  const peer = await startPeer({
    cmd: "openssl",
    args: [
      "s_server",
      "-accept",
      `127.0.0.1:${port}`,
      "-cert",
      cert,
      "-key",
      key,
      "-naccept",
      "1000",
      "-quiet",
      ...extra,
    ],
    waitTcp: { port },
  });
  return wrap(peer, port);
}

/** dnsmasq on a free loopback UDP+TCP port answering only from the test's records. */
export async function dnsmasq(
  dir: TempDir,
  hosts: string,
  extra: string[] = [],
): Promise<PortPeer> {
  const hostsFile = await dir.write("hosts", hosts);
  for (let attempt = 0;; attempt++) {
    const port = freeUdpPort();
    try {
      const peer = await startPeer({
        cmd: "dnsmasq",
        args: [
          "--no-daemon",
          `--port=${port}`,
          "--listen-address=127.0.0.1",
          "--bind-interfaces",
          "--no-resolv",
          "--no-hosts",
          `--addn-hosts=${hostsFile}`,
          "--local-ttl=77",
          "--pid-file=",
          "--user=root",
          ...extra,
        ],
        waitTcp: { port },
      });
      return wrap(peer, port);
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
}
