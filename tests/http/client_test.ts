// The HTTP client against real servers: nginx (plain and TLS with openssl-made
// certificates) and our own server (self-signed TLS, insecure, redirects, timeouts).
import {
  assert,
  assertEquals,
  assertGreater,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { httpRequest, HttpRequestError } from "../../lib/http/client/request.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates, startNginx } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

Deno.test({
  name: "client vs nginx: status, headers, JSON, redirects, query, auth, files, gzip",
  ...needs("nginx"),
  fn: async () => {
    await using dir = await tempDir("wireplay-nginx-");
    await dir.write("www/hello.txt", "hello from nginx\n");
    await dir.write("www/gz/big.txt", "compress me ".repeat(500));
    await using nginx = await startNginx(dir.path);

    const items = await httpRequest({ method: "GET", url: `${nginx.url}/api/items` });
    assertEquals(items.status, 200);
    assertEquals(items.headers.get("content-type"), "application/json");
    assertEquals(items.isJson, true);
    assertEquals((items.json as { items: { id: number }[] }).items[0]!.id, 7);
    assertMatch(items.headers.get("server") ?? "", /nginx/);
    assertGreater(items.timings.totalMs, 0);

    const teapot = await httpRequest({ method: "GET", url: `${nginx.url}/teapot` });
    assertEquals(teapot.status, 418);
    assertEquals(teapot.headers.get("x-thing"), "kettle");
    assertEquals(teapot.text, "short and stout");

    const moved = await httpRequest({ method: "GET", url: `${nginx.url}/moved` });
    assertEquals(moved.status, 301, "redirects are not followed by default");
    const followed = await httpRequest({ method: "GET", url: `${nginx.url}/moved`, follow: true });
    assertEquals(followed.status, 200);
    assertEquals(followed.redirects, [`${nginx.url}/api/items`]);

    const q = await httpRequest({
      method: "GET",
      url: `${nginx.url}/echo-query?x=1`,
      query: [["b", "two words"]],
    });
    assertEquals(q.text, "args=x=1&b=two+words");

    const noAuth = await httpRequest({ method: "GET", url: `${nginx.url}/needs-auth` });
    assertEquals(noAuth.status, 401);
    const basic = await httpRequest({
      method: "GET",
      url: `${nginx.url}/needs-auth`,
      basicAuth: "u:p",
    });
    assertEquals(basic.text, `auth=Basic ${btoa("u:p")}`);
    const bearer = await httpRequest({
      method: "GET",
      url: `${nginx.url}/needs-auth`,
      bearer: "tok",
    });
    assertEquals(bearer.text, "auth=Bearer tok");

    const file = await httpRequest({ method: "GET", url: `${nginx.url}/hello.txt` });
    assertEquals(file.text, "hello from nginx\n");
    const head = await httpRequest({ method: "HEAD", url: `${nginx.url}/hello.txt` });
    assertEquals(head.body.byteLength, 0);
    assertEquals(head.headers.get("content-length"), "17");

    const gz = await httpRequest({
      method: "GET",
      url: `${nginx.url}/gz/big.txt`,
      headers: [["Accept-Encoding", "gzip"]],
    });
    assertEquals(gz.headers.get("content-encoding"), "gzip");
    assertEquals(gz.text, "compress me ".repeat(500));

    const missing = await httpRequest({ method: "GET", url: `${nginx.url}/nope` });
    assertEquals(missing.status, 404);
  },
});

Deno.test({
  name:
    "client vs nginx over TLS with an openssl-made CA: verified with ca, refused without, ok insecure",
  ...needs("nginx", "openssl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-nginx-tls-");
    const certs = await opensslCertificates(dir.path);
    await using nginx = await startNginx(dir.path, {
      tls: { certPath: certs.certPath, keyPath: certs.keyPath },
    });
    const ca = await Deno.readTextFile(certs.caPath);
    const ok = await httpRequest({
      method: "GET",
      url: `${nginx.tlsUrl}/api/items`,
      caCerts: [ca],
    });
    assertEquals(ok.status, 200);
    assertGreater(ok.timings.tlsMs, 0);
    const byName = await httpRequest({
      method: "GET",
      url: `${nginx.tlsUrl!.replace("127.0.0.1", "localhost")}/api/items`,
      caCerts: [ca],
    });
    assertEquals(byName.status, 200);
    const err = await assertRejects(
      () => httpRequest({ method: "GET", url: `${nginx.tlsUrl}/api/items` }),
      HttpRequestError,
    );
    assertEquals(err.phase, "tls");
    const insecure = await httpRequest({
      method: "GET",
      url: `${nginx.tlsUrl}/api/items`,
      insecure: true,
    });
    assertEquals(insecure.status, 200);
  },
});

Deno.test("client vs our server: self-signed TLS trusted through certPem, JSON body, timeout, errors", async () => {
  await using server = await startHttpServer("https://127.0.0.1:0");
  const posted = await httpRequest({
    method: "POST",
    url: `${server.url}/post`,
    json: { a: [1, 2] },
    caCerts: [server.certPem!],
  });
  assertEquals(posted.status, 200);
  const echo = posted.json as { json: unknown; headers: Record<string, string> };
  assertEquals(echo.json, { a: [1, 2] });
  assertEquals(echo.headers["Content-Type"], "application/json");
  assertEquals(posted.request.method, "POST");
  assertStringIncludes(new TextDecoder().decode(posted.request.body), '"a"');

  const err = await assertRejects(
    () =>
      httpRequest({
        method: "GET",
        url: `${server.url}/delay/5`,
        caCerts: [server.certPem!],
        timeoutMs: 200,
      }),
    HttpRequestError,
  );
  assertEquals(err.phase, "timeout");

  const refused = await assertRejects(
    () => httpRequest({ method: "GET", url: "http://127.0.0.1:1/" }),
    HttpRequestError,
  );
  assertEquals(refused.phase, "connect");
  const bad = await assertRejects(
    () => httpRequest({ method: "GET", url: "ftp://x/" }),
    HttpRequestError,
  );
  assertEquals(bad.phase, "url");
  const dns = await assertRejects(
    () => httpRequest({ method: "GET", url: "http://no-such-host.invalid/" }),
    HttpRequestError,
  );
  assertEquals(dns.phase, "dns");
});

Deno.test("client: follow walks redirects up to the limit; 303 turns POST into GET", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0");
  const res = await httpRequest({ method: "GET", url: `${server.url}/redirect/3`, follow: true });
  assertEquals(res.status, 200);
  assertEquals(res.redirects.length, 3);
  assertEquals(res.url, `${server.url}/get`);
  const err = await assertRejects(
    () =>
      httpRequest({
        method: "GET",
        url: `${server.url}/redirect/5`,
        follow: true,
        maxRedirects: 2,
      }),
    HttpRequestError,
  );
  assertStringIncludes(err.message, "more than 2 redirects");
  server.routes.add("POST", "/form", {
    status: 303,
    body: "",
    headers: [["Location", "/anything/done"]],
  });
  const after = await httpRequest({
    method: "POST",
    url: `${server.url}/form`,
    body: "x=1",
    follow: true,
  });
  assertEquals((after.json as { method: string }).method, "GET");
});

Deno.test("client: chunked responses, binary bodies, brotli and the body cap", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0");
  const stream = await httpRequest({ method: "GET", url: `${server.url}/stream/3` });
  assertEquals(stream.headers.get("transfer-encoding"), "chunked");
  assertEquals(stream.text!.trim().split("\n").length, 3);
  const bytes = await httpRequest({ method: "GET", url: `${server.url}/bytes/300?seed=1` });
  assertEquals(bytes.body.byteLength, 300);
  assertEquals(bytes.isJson, false);
  const br = await httpRequest({ method: "GET", url: `${server.url}/brotli` });
  assertEquals((br.json as { brotli: boolean }).brotli, true);
  const raw = await httpRequest({ method: "GET", url: `${server.url}/brotli`, decode: false });
  assertEquals(raw.isJson, false);
  const err = await assertRejects(
    () => httpRequest({ method: "GET", url: `${server.url}/bytes/5000`, maxBodyBytes: 1000 }),
    HttpRequestError,
  );
  assertEquals(err.phase, "protocol");
});

Deno.test("client: timings add up and ttfb is measured from the request", async () => {
  await using server = await startHttpServer("http://127.0.0.1:0");
  const res = await httpRequest({ method: "GET", url: `${server.url}/delay/0.2` });
  const t = res.timings;
  assert(t.ttfbMs >= 190, `ttfb ${t.ttfbMs}`);
  assert(t.totalMs >= t.ttfbMs + t.connectMs + t.dnsMs - 1);
});

Deno.test("client and server on IPv6 loopback, TLS (the generated certificate covers ::1)", async () => {
  await using server = await startHttpServer("https://[::1]:0");
  assertEquals(server.url, `https://[::1]:${server.port}`);
  const res = await httpRequest({
    method: "GET",
    url: `${server.url}/ip`,
    caCerts: [server.certPem!],
  });
  assertEquals(res.remoteIp, "::1");
  assertEquals((res.json as { origin: string }).origin, "::1");
});
