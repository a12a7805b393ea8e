// Every httpbin-style endpoint, through the plain handler (no sockets).
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "@std/assert";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { createHttpHandler } from "../../lib/http/server/handler.ts";
import { HTTPBIN_ENDPOINTS } from "../../lib/http/server/httpbin.ts";

const info = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.9", port: 5555 } as Deno.NetAddr,
};
const handler = createHttpHandler({ limits: { maxDelayMs: 300 } });

async function ask(path: string, init: RequestInit = {}): Promise<Response> {
  return await handler(new Request(`http://localhost${path}`, init), info);
}

async function json(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await ask(path, init);
  assertEquals(res.headers.get("content-type"), "application/json");
  return { status: res.status, body: await res.json() };
}

Deno.test("/ is an HTML hello; /api/data the seed's example; /api/items the sample JSON", async () => {
  const home = await ask("/");
  assertEquals(home.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(await home.text(), "<h1>Hello from wireplay</h1>");
  const data = await ask("/api/data");
  assertEquals(data.headers.get("content-type"), "application/json");
  assertEquals(await data.json(), { message: "Hello from API", status: "success" });
  const posted = await json("/api/data", { method: "POST", body: '{"a": [1, "x"], "b": null}' });
  assertEquals(posted, {
    status: 200,
    body: { received: { a: [1, "x"], b: null }, status: "success" },
  });
  const scalar = await json("/api/data", { method: "POST", body: "42" });
  assertEquals(scalar.body, { received: 42, status: "success" });
  for (const bad of ["not json", "", '{"a":', "\xff"]) {
    const res = await ask("/api/data", { method: "POST", body: bad });
    assertEquals(res.status, 400, JSON.stringify(bad));
    assertEquals((await res.json()).status, "error");
  }
  const { body } = await json("/api/items");
  assertEquals((body.items as { id: number }[])[0]!.id, 1);
  assertEquals(body.count, 3);
  const refused = await ask("/api/items", { method: "POST", body: "{}" });
  assertEquals(refused.status, 405);
  await refused.body?.cancel();
  const put = await ask("/api/data", { method: "PUT", body: "{}" });
  assertEquals(put.status, 405);
  assertEquals(put.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
  await put.body?.cancel();
});

Deno.test("/get echoes args, headers, origin and url; refuses POST", async () => {
  const { status, body } = await json("/get?a=1&a=2&b=x", { headers: { "x-test": "yes" } });
  assertEquals(status, 200);
  assertEquals(body.args, { a: ["1", "2"], b: "x" });
  assertEquals((body.headers as Record<string, string>)["X-Test"], "yes");
  assertEquals(body.origin, "127.0.0.9");
  assertEquals(body.url, "http://localhost/get?a=1&a=2&b=x");
  const wrong = await ask("/get", { method: "POST", body: "x" });
  assertEquals(wrong.status, 405);
  assertEquals(wrong.headers.get("allow"), "GET, HEAD, OPTIONS");
  await wrong.body?.cancel();
});

for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
  Deno.test(`/${method.toLowerCase()} echoes the body as data, json and form`, async () => {
    const path = `/${method.toLowerCase()}`;
    const j = await json(path, {
      method,
      body: '{"n":5}',
      headers: { "content-type": "application/json" },
    });
    assertEquals(j.body.json, { n: 5 });
    assertEquals(j.body.data, '{"n":5}');
    assertEquals(j.body.method, undefined); // httpbin shows the method in /anything only
    const f = await json(path, {
      method,
      body: "a=1&b=two",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assertEquals(f.body.form, { a: "1", b: "two" });
    assertEquals(f.body.data, ""); // a form body is shown in form only, as Flask does
    const other = await ask(path, { method: method === "POST" ? "PUT" : "POST" });
    assertEquals(other.status, 405);
    await other.body?.cancel();
  });
}

Deno.test("/anything accepts any method and sub-path; binary bodies come back as base64", async () => {
  const { body } = await json("/anything/deep/path?q=1", {
    method: "PURGE",
    body: new Uint8Array([0, 255, 1]),
  });
  assertEquals(body.method, "PURGE");
  assertEquals(body.args, { q: "1" });
  assertEquals(body.data, "data:application/octet-stream;base64,AP8B");
});

Deno.test("/status/:code answers with that code and rejects nonsense", async () => {
  for (const code of [200, 201, 204, 302, 401, 404, 418, 500, 503]) {
    const res = await ask(`/status/${code}`);
    assertEquals(res.status, code);
    if (code === 302) assertEquals(res.headers.get("location"), "/redirect/1");
    if (code === 401) assertMatch(res.headers.get("www-authenticate") ?? "", /Basic/);
    await res.body?.cancel();
  }
  for (const bad of ["abc", "99", "600", "2000"]) {
    const res = await ask(`/status/${bad}`);
    assertEquals(res.status, 400, bad);
    await res.body?.cancel();
  }
});

Deno.test("/delay/:s waits, bounded by maxDelayMs", async () => {
  const t0 = performance.now();
  const { status } = await json("/delay/0.1");
  const took = performance.now() - t0;
  assertEquals(status, 200);
  assert(took >= 90, `took ${took}ms`);
  const t1 = performance.now();
  await json("/delay/60"); // capped at 300ms by the limits above
  const capped = performance.now() - t1;
  assert(capped >= 290 && capped < 2000, `took ${capped}ms`);
  const bad = await ask("/delay/x");
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("/headers, /ip, /user-agent, /uuid, /json, /html", async () => {
  assertEquals(
    ((await json("/headers", { headers: { "x-a": "b" } })).body.headers as Record<string, string>)[
      "X-A"
    ],
    "b",
  );
  assertEquals((await json("/ip")).body.origin, "127.0.0.9");
  assertEquals(
    (await json("/user-agent", { headers: { "user-agent": "probe/1" } })).body["user-agent"],
    "probe/1",
  );
  const u1 = (await json("/uuid")).body.uuid as string;
  const u2 = (await json("/uuid")).body.uuid as string;
  assertMatch(u1, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assertNotEquals(u1, u2);
  assertEquals(
    ((await json("/json")).body.slideshow as { title: string }).title,
    "Sample Slide Show",
  );
  assertStringIncludes(await (await ask("/html")).text(), "<html>");
});

Deno.test("/bytes/:n gives n random bytes, deterministic with ?seed, capped", async () => {
  const a = new Uint8Array(await (await ask("/bytes/1000")).arrayBuffer());
  assertEquals(a.byteLength, 1000);
  const s1 = new Uint8Array(await (await ask("/bytes/64?seed=7")).arrayBuffer());
  const s2 = new Uint8Array(await (await ask("/bytes/64?seed=7")).arrayBuffer());
  assertEquals(s1, s2);
  const big = await ask(`/bytes/${20 * 1024 * 1024}`);
  assertEquals(big.status, 400);
  await big.body?.cancel();
});

Deno.test("/stream/:n gives n JSON lines", async () => {
  const text = await (await ask("/stream/5")).text();
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((l) => l.id), [0, 1, 2, 3, 4]);
  const many = await ask("/stream/1000"); // capped at 100, as httpbin does
  assertEquals((await many.text()).trim().split("\n").length, 100);
});

Deno.test("/drip sends numbytes over duration with the given code", async () => {
  const t0 = performance.now();
  const res = await ask("/drip?duration=0.2&numbytes=5&code=201");
  assertEquals(res.status, 201);
  assertEquals(res.headers.get("content-length"), "5");
  const bytes = new Uint8Array(await res.arrayBuffer());
  assertEquals(bytes.byteLength, 5);
  assert(performance.now() - t0 >= 150);
  const bad = await ask("/drip?numbytes=-1");
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("/redirect/:n chains to /get; /redirect-to goes where told", async () => {
  const r3 = await ask("/redirect/3");
  assertEquals(r3.status, 302);
  assertEquals(r3.headers.get("location"), "/relative-redirect/2");
  const r1 = await ask("/redirect/1");
  assertEquals(r1.headers.get("location"), "/get");
  const to = await ask("/redirect-to?url=/json&status_code=307");
  assertEquals(to.status, 307);
  assertEquals(to.headers.get("location"), "/json");
  const bad = await ask("/redirect/0");
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("/cookies shows cookies; /cookies/set and /cookies/delete change them", async () => {
  assertEquals((await json("/cookies", { headers: { cookie: "a=1; b=2" } })).body.cookies, {
    a: "1",
    b: "2",
  });
  const set = await ask("/cookies/set?k=v&x=y");
  assertEquals(set.status, 302);
  assertEquals(set.headers.get("location"), "/cookies");
  const cookies = set.headers.getSetCookie();
  assertEquals(cookies.length, 2);
  assertStringIncludes(cookies[0]!, "k=v");
  const set2 = await ask("/cookies/set/name/value");
  assertStringIncludes(set2.headers.getSetCookie()[0]!, "name=value");
  const del = await ask("/cookies/delete?k");
  assertMatch(del.headers.getSetCookie()[0]!, /^k=; .*Expires=Thu, 01 Jan 1970/);
});

Deno.test("/basic-auth/:user/:pass and /bearer check credentials", async () => {
  const good = await json("/basic-auth/alice/s3cret", {
    headers: { authorization: `Basic ${btoa("alice:s3cret")}` },
  });
  assertEquals(good.body, { authenticated: true, user: "alice" });
  for (const auth of [`Basic ${btoa("alice:wrong")}`, "Basic !!!", ""]) {
    const res = await ask("/basic-auth/alice/s3cret", {
      headers: auth ? { authorization: auth } : {},
    });
    assertEquals(res.status, 401);
    assertEquals(res.headers.get("www-authenticate"), 'Basic realm="Fake Realm"');
    await res.body?.cancel();
  }
  assertEquals((await json("/bearer", { headers: { authorization: "Bearer tok123" } })).body, {
    authenticated: true,
    token: "tok123",
  });
  const none = await ask("/bearer");
  assertEquals(none.status, 401);
  assertEquals(none.headers.get("www-authenticate"), "Bearer");
  await none.body?.cancel();
});

Deno.test("/gzip, /brotli and /deflate are compressed whatever the client accepts", async () => {
  const gz = await ask("/gzip");
  assertEquals(gz.headers.get("content-encoding"), "gzip");
  assertEquals(
    JSON.parse(new TextDecoder().decode(gunzipSync(new Uint8Array(await gz.arrayBuffer()))))
      .gzipped,
    true,
  );
  const br = await ask("/brotli");
  assertEquals(
    JSON.parse(
      new TextDecoder().decode(brotliDecompressSync(new Uint8Array(await br.arrayBuffer()))),
    ).brotli,
    true,
  );
  const df = await ask("/deflate");
  assertEquals(
    JSON.parse(new TextDecoder().decode(inflateSync(new Uint8Array(await df.arrayBuffer()))))
      .deflated,
    true,
  );
});

Deno.test("/cache answers 304 to a conditional request; /cache/:n sets max-age", async () => {
  const first = await ask("/cache");
  assertEquals(first.status, 200);
  const etag = first.headers.get("etag")!;
  assert(first.headers.get("last-modified"));
  await first.body?.cancel();
  const again = await ask("/cache", { headers: { "if-none-match": etag } });
  assertEquals(again.status, 304);
  assertEquals(await again.text(), "");
  const since = await ask("/cache", {
    headers: { "if-modified-since": first.headers.get("last-modified")! },
  });
  assertEquals(since.status, 304);
  await since.body?.cancel();
  const n = await ask("/cache/60");
  assertEquals(n.headers.get("cache-control"), "public, max-age=60");
  await n.body?.cancel();
});

Deno.test("/response-headers sets the headers named in the query", async () => {
  const res = await ask("/response-headers?X-One=1&X-Two=two");
  assertEquals(res.headers.get("x-one"), "1");
  assertEquals(res.headers.get("x-two"), "two");
  await res.body?.cancel();
});

Deno.test("every endpoint in the table is reachable", async () => {
  const samples: Record<string, string> = {
    "basic-auth": "/basic-auth/u/p",
    bytes: "/bytes/1",
    cache: "/cache",
    cookies: "/cookies",
    delay: "/delay/0",
    drip: "/drip?duration=0&numbytes=1",
    redirect: "/redirect/1",
    "redirect-to": "/redirect-to?url=/",
    status: "/status/200",
    stream: "/stream/1",
    api: "/api/data",
    encoding: "/encoding/utf8",
    forms: "/forms/post",
    base64: "/base64/aGk=",
    links: "/links/2/0",
    range: "/range/3",
    "stream-bytes": "/stream-bytes/3",
    "relative-redirect": "/relative-redirect/1",
    "absolute-redirect": "/absolute-redirect/1",
    "hidden-basic-auth": "/hidden-basic-auth/u/p",
    "digest-auth": "/digest-auth/auth/u/p",
    etag: "/etag/x",
    image: "/image/png",
  };
  for (const name of HTTPBIN_ENDPOINTS) {
    const path = samples[name] ?? `/${name}`;
    const method = ["post", "put", "patch", "delete"].includes(name) ? name.toUpperCase() : "GET";
    // hidden-basic-auth answers 404 unless the credentials are right
    const headers = { authorization: `Basic ${btoa("u:p")}` };
    const res = await ask(path, { method, headers });
    assertNotEquals(res.status, 404, `${name} answered 404`);
    await res.body?.cancel();
  }
  const missing = await ask("/no-such-endpoint");
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
});
