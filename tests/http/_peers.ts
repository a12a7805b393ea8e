// Real peers for the HTTP tests: nginx with a generated config on a free loopback port,
// and openssl-made certificates.
import { type Peer, startPeer } from "../helpers/peer.ts";
import { output } from "../helpers/process.ts";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs a program to completion and returns its stdout, throwing with stderr on failure. */
export async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await output(cmd, { args, cwd }); // past 30 s: killed, failing by name
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** An openssl-made CA and a server certificate it signed, for localhost and 127.0.0.1. */
export async function opensslCertificates(
  dir: string,
): Promise<{ caPath: string; certPath: string; keyPath: string }> {
  const p = (n: string) => `${dir}/${n}`;
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=wireplay test CA",
  ]);
  await run("openssl", [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    p("server.key"),
    "-out",
    p("server.csr"),
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    p("ext.cnf"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    p("server.csr"),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-out",
    p("server.pem"),
    "-days",
    "2",
    "-extfile",
    p("ext.cnf"),
  ]);
  return { caPath: p("ca.pem"), certPath: p("server.pem"), keyPath: p("server.key") };
}

/** A running nginx and where it listens. */
export interface Nginx extends AsyncDisposable {
  peer: Peer;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `https://127.0.0.1:PORT` when TLS was configured. */
  tlsUrl?: string;
}

/**
 * Starts nginx in the foreground with a generated config under `prefix`, serving `prefix/www`
 * and a few fixed locations; TLS too when a certificate is given.
 */
export async function startNginx(
  prefix: string,
  opts: {
    tls?: { certPath: string; keyPath: string };
    /** Offer HTTP/2 on the TLS port (ALPN h2). */
    http2?: boolean;
    workers?: boolean;
    extraLocations?: string;
  } = {},
): Promise<Nginx> {
  const port = freePort();
  const tlsPort = opts.tls ? freePort() : undefined;
  await Deno.mkdir(`${prefix}/www`, { recursive: true });
  await Deno.mkdir(`${prefix}/logs`, { recursive: true });
  const uid = Deno.uid();
  const process = opts.workers
    ? `worker_processes 1;\n${uid === 0 ? "user root root;\n" : ""}`
    : "master_process off;\n";
  const conf = `${process}daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp_body;
  proxy_temp_path ${prefix}/tmp_proxy;
  fastcgi_temp_path ${prefix}/tmp_fastcgi;
  uwsgi_temp_path ${prefix}/tmp_uwsgi;
  scgi_temp_path ${prefix}/tmp_scgi;
  types { text/html html; text/plain txt; application/json json; application/octet-stream bin; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    ${
    opts.tls
      ? `listen 127.0.0.1:${tlsPort} ssl${
        opts.http2 ? " http2" : ""
      };\n    ssl_certificate ${opts.tls.certPath};\n    ssl_certificate_key ${opts.tls.keyPath};`
      : ""
  }
    root ${prefix}/www;
    location = /api/items { default_type application/json; return 200 '{"items":[{"id":7,"name":"seven"},{"id":8,"name":"eight"}],"total":2}'; }
    location = /moved { return 301 /api/items; }
    location = /teapot { add_header X-Thing "kettle" always; return 418 "short and stout"; }
    location = /needs-auth { if ($http_authorization = "") { return 401; } default_type text/plain; return 200 "auth=$http_authorization"; }
    location = /echo-query { default_type text/plain; return 200 "args=$args"; }
    location /gz/ { gzip on; gzip_types *; gzip_min_length 1; }
    ${opts.extraLocations ?? ""}
  }
}
`;
  await Deno.writeTextFile(`${prefix}/nginx.conf`, conf);
  const peer = await startPeer({
    cmd: "nginx",
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/logs/error.log`],
    waitTcp: { port },
  });
  if (tlsPort) {
    // the TLS port opens together with the plain one; nothing more to wait for
  }
  return {
    peer,
    url: `http://127.0.0.1:${port}`,
    tlsUrl: tlsPort ? `https://127.0.0.1:${tlsPort}` : undefined,
    [Symbol.asyncDispose]: () => peer.stop(),
  };
}
