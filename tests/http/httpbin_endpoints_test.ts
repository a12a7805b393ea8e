// The endpoints added to match httpbin's list, through the plain handler (no sockets):
// images, ranges, entity tags, weighted status lists, links, base64, response headers,
// methods and CORS, and the request description's rules.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { createHttpHandler } from "../../lib/http/server/handler.ts";
import { statusEndpoint } from "../../lib/http/server/httpbin_status.ts";
import { titleCase } from "../../lib/http/server/httpbin_request.ts";

const info = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.9", port: 5555 } as Deno.NetAddr,
};
const handler = createHttpHandler({ limits: { maxDelayMs: 2000, maxGeneratedBytes: 1000 } });

async function ask(path: string, init: RequestInit = {}): Promise<Response> {
  return await handler(new Request(`http://localhost${path}`, init), info);
}

Deno.test("/image/{png,jpeg,webp} are images a decoder reads; /image picks by Accept", async () => {
  for (
    const [kind, type] of [["png", "image/png"], ["jpeg", "image/jpeg"], ["webp", "image/webp"]]
  ) {
    const res = await ask(`/image/${kind}`);
    assertEquals(res.headers.get("content-type"), type);
    const bitmap = await createImageBitmap(await res.blob());
    assertEquals([bitmap.width, bitmap.height], [8, 8], kind);
    bitmap.close();
  }
  const svg = await ask("/image/svg");
  assertEquals(svg.headers.get("content-type"), "image/svg+xml");
  assertMatch(
    await svg.text(),
    /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>[\s\S]*<\/svg>\n$/,
  );
  const picks: [string | undefined, string | number][] = [
    [undefined, "image/png"],
    ["image/webp,image/*", "image/webp"],
    ["image/svg+xml", "image/svg+xml"],
    ["image/jpeg", "image/jpeg"],
    ["image/*", "image/png"],
    ["text/html", 406],
  ];
  for (const [accept, want] of picks) {
    const res = await ask("/image", { headers: accept ? { accept } : {} });
    if (typeof want === "number") {
      assertEquals(res.status, want);
      assertEquals((await res.json()).accept.length, 5);
    } else {
      assertEquals(res.headers.get("content-type"), want, accept);
      await res.body?.cancel();
    }
  }
  const none = await ask("/image/gif");
  assertEquals(none.status, 404);
  await none.body?.cancel();
});

Deno.test("/range/{n}: the alphabet, Range requests (206, 416), chunk_size and duration", async () => {
  const all = await ask("/range/30");
  assertEquals(all.status, 200);
  assertEquals(all.headers.get("etag"), "range30");
  assertEquals(all.headers.get("accept-ranges"), "bytes");
  assertEquals(all.headers.get("content-range"), "bytes 0-29/30");
  assertEquals(await all.text(), "abcdefghijklmnopqrstuvwxyzabcd");
  const cases: [string, number, string, string][] = [
    ["bytes=5-9", 206, "fghij", "bytes 5-9/30"],
    ["bytes=-4", 206, "abcd", "bytes 26-29/30"],
    ["bytes=27-", 206, "bcd", "bytes 27-29/30"],
    ["bytes=0-100", 200, "abcdefghijklmnopqrstuvwxyzabcd", "bytes 0-29/30"],
    ["bytes=1e3-2e3", 200, "abcdefghijklmnopqrstuvwxyzabcd", "bytes 0-29/30"],
  ];
  for (const [range, status, body, contentRange] of cases) {
    const res = await ask("/range/30", { headers: { range } });
    assertEquals([res.status, res.headers.get("content-range")], [status, contentRange], range);
    assertEquals(res.headers.get("content-length"), String(body.length));
    assertEquals(await res.text(), body, range);
  }
  const past = await ask("/range/30", { headers: { range: "bytes=30-" } });
  assertEquals([past.status, past.headers.get("content-range")], [416, "bytes */30"]);
  await past.body?.cancel();
  for (const n of ["0", "1001"]) { // over maxGeneratedBytes (1000 here)
    const res = await ask(`/range/${n}`);
    assertEquals(res.status, 404);
    await res.body?.cancel();
  }
  // chunk_size pieces, spread over duration
  const t0 = performance.now();
  const slow = await ask("/range/20?chunk_size=5&duration=0.3");
  const reader = slow.body!.getReader();
  const sizes: number[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.length);
  assertEquals(sizes, [5, 5, 5, 5]);
  const took = performance.now() - t0;
  assert(took >= 250 && took < 2000, `took ${took} ms`);
});

Deno.test("/etag/{etag}: If-None-Match gives 304, a failed If-Match 412", async () => {
  const cases: [Record<string, string>, number][] = [
    [{}, 200],
    [{ "if-none-match": '"abc"' }, 304],
    [{ "if-none-match": 'W/"abc", "x"' }, 304],
    [{ "if-none-match": "*" }, 304],
    [{ "if-none-match": '"x"' }, 200],
    [{ "if-match": '"abc"' }, 200],
    [{ "if-match": "*" }, 200],
    [{ "if-match": '"x"' }, 412],
  ];
  for (const [headers, status] of cases) {
    const res = await ask("/etag/abc", { headers });
    assertEquals(res.status, status, JSON.stringify(headers));
    if (status !== 412) assertEquals(res.headers.get("etag"), "abc");
    await res.body?.cancel();
  }
});

Deno.test("/status/{codes}: a weighted random pick from a list", () => {
  const pick = (codes: string, r: number) => statusEndpoint(codes, () => r).status;
  assertEquals(pick("200,500", 0.2), 200);
  assertEquals(pick("200,500", 0.7), 500);
  assertEquals(pick("200:0.9,500:0.1", 0.85), 200);
  assertEquals(pick("200:0.9,500:0.1", 0.95), 500);
  assertEquals(pick("200:0,418:1", 0), 418);
  for (const bad of ["abc", "200,x", "200:y", "0:0,200:0", "99", "600", "2000"]) {
    assertEquals(pick(bad, 0.5), 400, bad);
  }
});

Deno.test("/links, /base64, /robots.txt, /deny, /xml, /encoding/utf8, /forms/post", async () => {
  const page = await (await ask("/links/3/1")).text();
  assertEquals(
    page,
    "<html><head><title>Links</title></head><body><a href='/links/3/0'>0</a> 1 " +
      "<a href='/links/3/2'>2</a> </body></html>",
  );
  const first = await ask("/links/500");
  assertEquals(first.headers.get("location"), "/links/200/0");
  await first.body?.cancel();
  assertEquals(await (await ask("/base64/4pyTIMOgIGxhIG1vZGU_")).text(), "✓ à la mode?");
  const bad = await ask("/base64/%FF%FE");
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
  assertEquals(await (await ask("/robots.txt")).text(), "User-agent: *\nDisallow: /deny\n");
  assertMatch(await (await ask("/deny")).text(), /YOU SHOULDN'T BE HERE/);
  const xml = await ask("/xml");
  assertEquals(xml.headers.get("content-type"), "application/xml");
  assertMatch(await xml.text(), /<slideshow[\s\S]*<\/slideshow>/);
  assertMatch(await (await ask("/encoding/utf8")).text(), /日本語/);
  assertMatch(await (await ask("/forms/post")).text(), /<form method="post" action="\/post">/);
});

Deno.test("/response-headers lists every header of its answer, Content-Length right", async () => {
  const res = await ask("/response-headers?X-A=1&X-A=2&Content-Type=text/plain");
  const text = await res.text();
  assertEquals(res.headers.get("x-a"), "1, 2");
  assertEquals(res.headers.get("content-type"), "text/plain");
  const body = JSON.parse(text);
  assertEquals(body["X-A"], ["1", "2"]);
  assertEquals(body["Content-Length"], String(new TextEncoder().encode(text).length));
});

Deno.test("methods: 405 with Allow, OPTIONS with Allow and CORS, /anything takes any", async () => {
  const post = await ask("/headers", { method: "POST", body: "x" });
  assertEquals(post.status, 405);
  assertEquals(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  await post.body?.cancel();
  const options = await ask("/post", {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-headers": "x-k" },
  });
  assertEquals(options.status, 200);
  assertEquals(options.headers.get("allow"), "OPTIONS, POST");
  assertEquals(options.headers.get("access-control-allow-origin"), "http://app.test");
  assertEquals(options.headers.get("access-control-allow-headers"), "x-k");
  assertEquals(options.headers.get("access-control-max-age"), "3600");
  const purge = await ask("/anything", { method: "PURGE" });
  assertEquals((await purge.json()).method, "PURGE");
  const get = await ask("/get");
  assertEquals(get.headers.get("access-control-allow-origin"), "*");
  assertEquals(get.headers.get("access-control-allow-credentials"), "true");
  await get.body?.cancel();
});

Deno.test("the request description: Title-Case headers, hidden proxy headers, forms", async () => {
  assertEquals(titleCase("x-b3-traceid"), "X-B3-Traceid");
  assertEquals(titleCase("content-type"), "Content-Type");
  const get = await (await ask("/get", {
    headers: { "x-forwarded-for": "10.0.0.1", "x-request-id": "r", "x-mine": "m" },
  })).json();
  assertEquals(get.origin, "10.0.0.1");
  assertEquals(get.headers["X-Mine"], "m");
  assertEquals(get.headers["X-Forwarded-For"], undefined);
  assertEquals(get.headers["X-Request-Id"], undefined);
  const env = await (await ask("/get?show_env=1", { headers: { "x-request-id": "r" } })).json();
  assertEquals(env.headers["X-Request-Id"], "r");
  const f = new FormData();
  f.append("k", "1");
  f.append("k", "2");
  f.append("up", new Blob([new Uint8Array([0xff])], { type: "image/x-test" }), "u.bin");
  const multi = await (await ask("/post", { method: "POST", body: f })).json();
  assertEquals(multi.form, { k: ["1", "2"] });
  assertEquals(multi.files, { up: "data:image/x-test;base64,/w==" });
  assertEquals([multi.data, multi.json], ["", null]);
  const delay = await (await ask("/delay/0")).json();
  assertEquals(Object.keys(delay).sort(), [
    "args",
    "data",
    "files",
    "form",
    "headers",
    "origin",
    "url",
  ]);
});

Deno.test("/redirect?absolute=true, /absolute-redirect and /relative-redirect chains", async () => {
  const cases: [string, string][] = [
    ["/redirect/2?absolute=true", "http://localhost/absolute-redirect/1"],
    ["/absolute-redirect/3", "http://localhost/absolute-redirect/2"],
    ["/absolute-redirect/1", "http://localhost/get"],
    ["/relative-redirect/3", "/relative-redirect/2"],
    ["/relative-redirect/1", "/get"],
  ];
  for (const [path, location] of cases) {
    const res = await ask(path);
    assertEquals([res.status, res.headers.get("location")], [302, location], path);
    await res.body?.cancel();
  }
  for (const bad of ["/redirect/0", "/absolute-redirect/101"]) {
    const res = await ask(bad);
    assertEquals(res.status, 400, bad);
    await res.body?.cancel();
  }
});
