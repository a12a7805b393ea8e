// The HTTP client through real proxies: tinyproxy for `via http://…` (absolute-form for
// http, CONNECT for https) and dante for `via socks5://…`/`socks5h://…`; the proxies'
// own logs and the Via header they add prove the request went through them.
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { httpRequest, HttpRequestError } from "../../lib/http/client/request.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { startDante, startTinyproxy } from "./_proxies.ts";

async function passes(text: string, vars: Record<string, string>): Promise<void> {
  const r = await runScript(parseScript(text, "t.wire"), { vars });
  assert(r.ok, r.failure?.message);
}

Deno.test({
  name: "via http://: tinyproxy forwards http (absolute-form) and tunnels https (CONNECT)",
  ...needs("tinyproxy"),
  async fn() {
    await using dir = await tempDir();
    await using proxy = await startTinyproxy(dir.path);
    await passes(
      `serve http http://127.0.0.1:0 as api
serve http https://127.0.0.1:0 as tls
http GET \${api.url}/get?x=1 via \${proxy}
expect status 200
expect json $.args.x == "1"
expect header via ~ /tinyproxy/
http GET \${api.url}/cookies/set?k=v follow via \${proxy}
expect json $.cookies.k == "v"
http POST \${tls.url}/post insecure via \${proxy} form "a=1"
expect status 200
expect json $.form.a == "1"
expect header via absent
`,
      { proxy: proxy.url },
    );
    const log = proxy.log();
    assertMatch(log, /Request \(file descriptor \d+\): GET http:\/\/127\.0\.0\.1:\d+\/get\?x=1 /);
    assertMatch(log, /Request \(file descriptor \d+\): CONNECT 127\.0\.0\.1:\d+ /);
  },
});

Deno.test({
  name: "via http://: a CONNECT the proxy refuses fails naming the proxy's status line",
  ...needs("tinyproxy"),
  async fn() {
    await using dir = await tempDir();
    await using proxy = await startTinyproxy(dir.path, { connectPorts: [443] });
    await using api = await startHttpServer("https://127.0.0.1:0");
    const e = await httpRequest({
      method: "GET",
      url: `${api.url}/get`,
      insecure: true,
      proxy: proxy.url,
    })
      .then(() => undefined, (e) => e);
    assert(e instanceof HttpRequestError, String(e));
    assertMatch(e.message, /proxy refused CONNECT 127\.0\.0\.1:\d+: HTTP\/1\.[01] 403/);
  },
});

Deno.test({
  name: "via http://user:password@: Proxy-Authorization on absolute-form and on CONNECT",
  ...needs("tinyproxy"),
  async fn() {
    await using dir = await tempDir();
    await using proxy = await startTinyproxy(dir.path, {
      basicAuth: { user: "ada", password: "s3cret" },
    });
    await using api = await startHttpServer("http://127.0.0.1:0");
    await using tls = await startHttpServer("https://127.0.0.1:0");
    const withAuth = proxy.url.replace("http://", "http://ada:s3cret@");
    const plain = await httpRequest({ method: "GET", url: `${api.url}/get`, proxy: withAuth });
    assertEquals(plain.status, 200);
    assertEquals(plain.json && (plain.json as { headers: object }).headers, {
      Accept: "*/*",
      Connection: "close",
      Host: new URL(api.url).host,
      "User-Agent": "wireplay/0.1",
    }); // the proxy took Proxy-Authorization for itself
    const secure = await httpRequest({
      method: "GET",
      url: `${tls.url}/get`,
      insecure: true,
      proxy: withAuth,
    });
    assertEquals(secure.status, 200);
    const refused = await httpRequest({ method: "GET", url: `${api.url}/get`, proxy: proxy.url });
    assertEquals(refused.status, 407);
    const e = await httpRequest({
      method: "GET",
      url: `${tls.url}/`,
      insecure: true,
      proxy: proxy.url,
    })
      .then(() => undefined, (e) => e);
    assert(e instanceof HttpRequestError);
    assertMatch(e.message, /proxy refused CONNECT 127\.0\.0\.1:\d+: HTTP\/1\.[01] 407/);
  },
});

Deno.test({
  name: "via socks5:// and socks5h://: dante connects to http and https targets",
  ...needs("danted"),
  async fn() {
    await using dir = await tempDir();
    await using socks = await startDante(dir.path);
    const hostUrl = socks.url.replace("socks5:", "socks5h:");
    await passes(
      `serve http http://127.0.0.1:0 as api
serve http https://localhost:0 as tls
http GET \${api.url}/get via \${socks}
expect status 200
http POST \${api.url}/post via \${socks} multipart field "n=7"
expect json $.form.n == "7"
http GET https://localhost:\${tls.port}/get insecure via \${socksh}
expect status 200
expect version "HTTP/2"
`,
      { socks: socks.url, socksh: hostUrl },
    );
    // dante logs each connect it made for a client
    assertStringIncludes(socks.log(), "tcp/connect");
  },
});

Deno.test({
  name: "via socks5://: a refused target is dante's reason; no proxy is a connect failure",
  ...needs("danted"),
  async fn() {
    await using dir = await tempDir();
    await using socks = await startDante(dir.path);
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = l.addr.port;
    l.close();
    const e = await httpRequest({
      method: "GET",
      url: `http://127.0.0.1:${closed}/`,
      proxy: socks.url,
    })
      .then(() => undefined, (e) => e);
    assert(e instanceof HttpRequestError, String(e));
    assertMatch(e.message, /SOCKS5 proxy could not connect to 127\.0\.0\.1:\d+: /);
    const e2 = await httpRequest({
      method: "GET",
      url: "http://127.0.0.1:1/",
      proxy: `socks5://127.0.0.1:${closed}`,
    }).then(() => undefined, (e) => e);
    assert(e2 instanceof HttpRequestError);
    assertMatch(e2.message, /Cannot connect to proxy 127\.0\.0\.1:\d+/);
  },
});

Deno.test("via and resolve: a literal that is not a proxy URL or HOST:PORT:ADDR is a syntax error", () => {
  assertThrows(
    () => parseScript("http GET http://x/ via ftp://a:1", "t.wire"),
    Error,
    "is not a proxy URL",
  );
  assertThrows(
    () => parseScript('http GET http://x/ resolve "x:80"', "t.wire"),
    Error,
    "is not HOST:PORT:ADDR",
  );
  parseScript(
    'http GET http://x/ via ${p} resolve "${h}:80:127.0.0.1" resolve "[::1]:1:::1"',
    "t.wire",
  );
});
