// HTTP/2 by ALPN and `resolve HOST:PORT:ADDR` against nginx: nginx itself says which
// protocol it served ($server_protocol) and which host it was asked for ($host).
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { httpRequest, HttpRequestError } from "../../lib/http/client/request.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates, startNginx } from "./_peers.ts";

const LOCATIONS = `location = /proto { default_type text/plain; return 200 "$server_protocol"; }
    location = /host { default_type text/plain; return 200 "$host"; }
    location = /set { add_header Set-Cookie "sid=n1; Path=/"; return 302 /cookie; }
    location = /cookie { default_type text/plain; return 200 "cookie=$http_cookie"; }`;

async function passes(text: string, vars: Record<string, string>): Promise<void> {
  const r = await runScript(parseScript(text, "t.wire"), { vars });
  assert(r.ok, r.failure?.message);
}

Deno.test({
  name: "http2: nginx offering h2 is spoken to in HTTP/2 (nginx says so); http1.1 opts out",
  ...needs("nginx", "openssl"),
  async fn() {
    await using dir = await tempDir();
    const certs = await opensslCertificates(dir.path);
    await using nginx = await startNginx(`${dir.path}/h2`, {
      tls: certs,
      http2: true,
      extraLocations: LOCATIONS,
    });
    await passes(
      `http GET \${url}/proto ca "\${ca}" as r
expect status 200
expect version "HTTP/2"
expect body "HTTP/2.0"
expect header server ~ /nginx/
print "\${r.version}"
http GET \${url}/set ca "\${ca}" follow
expect version "HTTP/2"
expect body "cookie=sid=n1"
http GET \${url}/api/items ca "\${ca}"
expect json $.total == 2
http GET \${url}/proto ca "\${ca}" http1.1
expect version "HTTP/1.1"
expect body "HTTP/1.1"
`,
      { url: nginx.tlsUrl!, ca: certs.caPath },
    );
  },
});

Deno.test({
  name: "http2: nginx without http2 on its TLS port is spoken to in HTTP/1.1",
  ...needs("nginx", "openssl"),
  async fn() {
    await using dir = await tempDir();
    const certs = await opensslCertificates(dir.path);
    await using nginx = await startNginx(`${dir.path}/h1`, {
      tls: certs,
      extraLocations: LOCATIONS,
    });
    const res = await httpRequest({
      method: "GET",
      url: `${nginx.tlsUrl}/proto`,
      caCerts: [await Deno.readTextFile(certs.caPath)],
    });
    assertEquals([res.httpVersion, res.text], ["HTTP/1.1", "HTTP/1.1"]);
  },
});

Deno.test({
  name: "resolve HOST:PORT:ADDR: a name DNS does not know reaches nginx, which sees that Host",
  ...needs("nginx"),
  async fn() {
    await using dir = await tempDir();
    await using nginx = await startNginx(`${dir.path}/r`, { extraLocations: LOCATIONS });
    const port = new URL(nginx.url).port;
    await passes(
      `http GET http://api.wireplay.invalid:\${port}/host resolve "api.wireplay.invalid:\${port}:127.0.0.1"
expect status 200
expect body "api.wireplay.invalid"
`,
      { port },
    );
    // without the entry the name does not resolve
    const e = await httpRequest({ method: "GET", url: `http://api.wireplay.invalid:${port}/host` })
      .then(() => undefined, (e) => e);
    assert(e instanceof HttpRequestError);
    assertEquals(e.phase, "dns");
    // an entry for another port does not apply
    const e2 = await httpRequest({
      method: "GET",
      url: `http://api.wireplay.invalid:${port}/host`,
      resolve: ["api.wireplay.invalid:1:127.0.0.1"],
    }).then(() => undefined, (e) => e);
    assert(e2 instanceof HttpRequestError);
    assertEquals(e2.phase, "dns");
    const bad = await httpRequest({ method: "GET", url: nginx.url, resolve: ["nope"] })
      .then(() => undefined, (e) => e);
    assert(bad instanceof HttpRequestError);
    assertMatch(bad.message, /resolve "nope" is not HOST:PORT:ADDR/);
  },
});
