// Real proxies for the HTTP client's `via`: tinyproxy (HTTP, CONNECT) and dante (SOCKS5),
// each started in the foreground with a generated config on a free loopback port; their
// logs (stderr) show what they forwarded.
import { type Peer, startPeer } from "../helpers/peer.ts";
import { freePort } from "./_peers.ts";

/** A running proxy: its URL and its log so far. */
export interface RunningProxy extends AsyncDisposable {
  url: string;
  peer: Peer;
  log(): string;
}

/**
 * tinyproxy on 127.0.0.1; `Via` headers on (so a server sees it was proxied), `Connect`
 * log level (each request and CONNECT is logged). `connectPorts` limits CONNECT (none:
 * any port); `basicAuth` makes it ask for `Proxy-Authorization`.
 */
export async function startTinyproxy(
  dir: string,
  opts: { connectPorts?: number[]; basicAuth?: { user: string; password: string } } = {},
): Promise<RunningProxy> {
  const port = freePort();
  const conf = `${dir}/tinyproxy.conf`;
  await Deno.writeTextFile(
    conf,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 30",
      "Allow 127.0.0.1",
      "LogLevel Connect",
      "MaxClients 20",
      `PidFile "${dir}/tinyproxy.pid"`,
      ...(opts.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
      ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
    ].join("\n") + "\n",
  );
  const peer = await startPeer({ cmd: "tinyproxy", args: ["-d", "-c", conf], waitTcp: { port } });
  return {
    url: `http://127.0.0.1:${port}`,
    peer,
    log: () => peer.stdout() + peer.stderr(),
    [Symbol.asyncDispose]: () => peer.stop(),
  };
}

/** dante's `danted` as a SOCKS5 server on 127.0.0.1 without authentication, logging connects. */
export async function startDante(dir: string): Promise<RunningProxy> {
  const port = freePort();
  const conf = `${dir}/danted.conf`;
  const root = Deno.uid() === 0;
  await Deno.writeTextFile(
    conf,
    [
      "logoutput: stderr",
      `internal: 127.0.0.1 port = ${port}`,
      "external: 127.0.0.1",
      "socksmethod: none",
      "clientmethod: none",
      ...(root ? ["user.privileged: root", "user.unprivileged: nobody"] : []),
      "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
      "socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 log: connect error }",
    ].join("\n") + "\n",
  );
  const peer = await startPeer({
    cmd: "danted",
    args: ["-f", conf, "-p", `${dir}/danted.pid`, "-N", "1"],
    waitTcp: { port },
  });
  return {
    url: `socks5://127.0.0.1:${port}`,
    peer,
    log: () => peer.stdout() + peer.stderr(),
    [Symbol.asyncDispose]: () => peer.stop(),
  };
}
