// Static files under a root: types, validators, ranges, HEAD, listing, index, compression,
// and every way out of the root refused. Through the plain handler, and raw over a socket
// for what a URL parser would normalise away.
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "@std/assert";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { createHttpHandler } from "../../lib/http/server/handler.ts";
import { tempDir } from "../helpers/temp.ts";
import { textUntilEnd } from "../helpers/process.ts";

async function site() {
  const dir = await tempDir("wireplay-static-");
  const outside = await tempDir("wireplay-outside-");
  await Deno.mkdir(dir.join("root/sub"), { recursive: true });
  await Deno.mkdir(dir.join("root/withindex"), { recursive: true });
  await Deno.writeTextFile(dir.join("root/hello.txt"), "hello world\n");
  await Deno.writeTextFile(dir.join("root/page.html"), "<p>x</p>");
  await Deno.writeTextFile(
    dir.join("root/data.json"),
    JSON.stringify({ words: "lorem ipsum ".repeat(100) }),
  );
  await Deno.writeFile(
    dir.join("root/blob.bin"),
    Uint8Array.from({ length: 1000 }, (_, i) => i % 256),
  );
  await Deno.writeTextFile(dir.join("root/withindex/index.html"), "<h1>index</h1>");
  await Deno.writeTextFile(dir.join("root/sub/a <b>&.txt"), "odd name");
  await Deno.writeTextFile(dir.join("secret.txt"), "TOP SECRET");
  await Deno.writeTextFile(outside.join("far.txt"), "FAR SECRET");
  await Deno.symlink(outside.path, dir.join("root/link-out"));
  await Deno.symlink(outside.join("far.txt"), dir.join("root/file-link-out"));
  await Deno.symlink(dir.join("root/hello.txt"), dir.join("root/link-in.txt"));
  const handler = createHttpHandler({ root: dir.join("root") });
  const ask = (path: string, init: RequestInit = {}) =>
    handler(new Request(`http://localhost${path}`, init));
  return {
    ask,
    handler,
    root: dir.join("root"),
    async [Symbol.asyncDispose]() {
      await dir[Symbol.asyncDispose]();
      await outside[Symbol.asyncDispose]();
    },
  };
}

Deno.test("static: a file with its type, length, ETag and Last-Modified", async () => {
  await using s = await site();
  const res = await s.ask("/hello.txt");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/plain; charset=UTF-8");
  const head = await s.ask("/hello.txt", { method: "HEAD" });
  assertEquals(head.headers.get("content-length"), "12");
  assertEquals(head.headers.get("accept-ranges"), "bytes");
  assertMatch(res.headers.get("etag")!, /^W\/"c-[0-9a-f]+"$/);
  const mtime = (await Deno.stat(`${s.root}/hello.txt`)).mtime!;
  assertEquals(res.headers.get("last-modified"), mtime.toUTCString());
  assertEquals(await res.text(), "hello world\n");
  const html = await s.ask("/page.html");
  assertEquals(html.headers.get("content-type"), "text/html; charset=UTF-8");
  await html.body?.cancel();
  const bin = await s.ask("/blob.bin");
  assertEquals(bin.headers.get("content-type"), "application/octet-stream");
  assertEquals(new Uint8Array(await bin.arrayBuffer())[999], 999 % 256);
});

Deno.test("static: If-None-Match and If-Modified-Since give 304; a changed file a new ETag", async () => {
  await using s = await site();
  const first = await s.ask("/hello.txt");
  const etag = first.headers.get("etag")!;
  await first.body?.cancel();
  const again = await s.ask("/hello.txt", { headers: { "if-none-match": etag } });
  assertEquals(again.status, 304);
  assertEquals(await again.text(), "");
  const other = await s.ask("/hello.txt", { headers: { "if-none-match": '"something-else"' } });
  assertEquals(other.status, 200);
  await other.body?.cancel();
  const since = await s.ask("/hello.txt", {
    headers: { "if-modified-since": first.headers.get("last-modified")! },
  });
  assertEquals(since.status, 304);
  await since.body?.cancel();
  const older = await s.ask("/hello.txt", {
    headers: { "if-modified-since": new Date(0).toUTCString() },
  });
  assertEquals(older.status, 200);
  await older.body?.cancel();
  await Deno.writeTextFile(`${s.root}/hello.txt`, "changed, longer content\n");
  const changed = await s.ask("/hello.txt", { headers: { "if-none-match": etag } });
  assertEquals(changed.status, 200);
  assertNotEquals(changed.headers.get("etag"), etag);
  assertEquals(await changed.text(), "changed, longer content\n");
});

Deno.test("static: with a revalidation window a change shows only after it, validators matching the body", async () => {
  await using dir = await tempDir("wireplay-static-window-");
  await Deno.writeTextFile(dir.join("a.txt"), "first\n");
  let now = 1_000_000;
  const realNow = Date.now;
  Date.now = () => now; // the window is measured with Date.now
  try {
    const handler = createHttpHandler({ root: dir.path, revalidateMs: 1000 });
    const ask = () => handler(new Request("http://localhost/a.txt"));
    const first = await ask();
    const etag = first.headers.get("etag");
    assertEquals(await first.text(), "first\n");
    await Deno.writeTextFile(dir.join("a.txt"), "second, longer\n");
    now += 500; // inside the window: the old body with its own validators
    const stale = await ask();
    assertEquals(stale.headers.get("etag"), etag);
    assertEquals(await stale.text(), "first\n");
    now += 600; // past it: the new body and a new ETag
    const fresh = await ask();
    assertNotEquals(fresh.headers.get("etag"), etag);
    assertEquals(await fresh.text(), "second, longer\n");
  } finally {
    Date.now = realNow;
  }
});

Deno.test("static: Range requests give 206, suffix ranges work, unsatisfiable gives 416", async () => {
  await using s = await site();
  const part = await s.ask("/blob.bin", { headers: { range: "bytes=10-19" } });
  assertEquals(part.status, 206);
  assertEquals(part.headers.get("content-range"), "bytes 10-19/1000");
  assertEquals(part.headers.get("content-length"), "10");
  assertEquals([...new Uint8Array(await part.arrayBuffer())], [
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
  ]);
  const suffix = await s.ask("/blob.bin", { headers: { range: "bytes=-3" } });
  assertEquals(suffix.headers.get("content-range"), "bytes 997-999/1000");
  assertEquals([...new Uint8Array(await suffix.arrayBuffer())], [997 % 256, 998 % 256, 999 % 256]);
  const open = await s.ask("/blob.bin", { headers: { range: "bytes=995-" } });
  assertEquals((await open.arrayBuffer()).byteLength, 5);
  const bad = await s.ask("/blob.bin", { headers: { range: "bytes=5000-6000" } });
  assertEquals(bad.status, 416);
  assertEquals(bad.headers.get("content-range"), "bytes */1000");
  await bad.body?.cancel();
  const many = await s.ask("/blob.bin", { headers: { range: "bytes=0-1,5-6" } });
  assertEquals(many.status, 200); // several ranges: the whole file
  assertEquals((await many.arrayBuffer()).byteLength, 1000);
  const head = await s.ask("/blob.bin", { method: "HEAD", headers: { range: "bytes=0-99" } });
  assertEquals(head.status, 206);
  assertEquals(head.headers.get("content-length"), "100");
  assertEquals(await head.text(), "");
});

Deno.test("static: HEAD has the headers and no body; other methods get 405", async () => {
  await using s = await site();
  const head = await s.ask("/hello.txt", { method: "HEAD" });
  assertEquals(head.status, 200);
  assertEquals(head.headers.get("content-length"), "12");
  assertEquals(await head.text(), "");
  const post = await s.ask("/hello.txt", { method: "POST", body: "x" });
  assertEquals(post.status, 405);
  assertEquals(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("static: directories list their entries (escaped), or serve index.html; no slash redirects", async () => {
  await using s = await site();
  const list = await s.ask("/sub/");
  assertEquals(list.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await list.text();
  assertStringIncludes(html, "Index of /sub/");
  assertStringIncludes(html, 'href="a%20%3Cb%3E%26.txt"');
  assertStringIncludes(html, "a &#60;b&#62;&#38;.txt");
  assert(!html.includes("<b>&"), "the name must be escaped");
  const rootList = await (await s.ask("/")).text();
  assertStringIncludes(rootList, 'href="sub/"');
  assertStringIncludes(rootList, 'href="hello.txt"');
  const index = await s.ask("/withindex/");
  assertEquals(await index.text(), "<h1>index</h1>");
  const noSlash = await s.ask("/withindex?x=1");
  assertEquals(noSlash.status, 301);
  assertEquals(noSlash.headers.get("location"), "/withindex/?x=1");
});

Deno.test("static: gzip or brotli when accepted, for compressible types only", async () => {
  await using s = await site();
  const original = await Deno.readTextFile(`${s.root}/data.json`);
  const br = await s.ask("/data.json", { headers: { "accept-encoding": "gzip, br" } });
  assertEquals(br.headers.get("content-encoding"), "br");
  assertEquals(br.headers.get("vary"), "Accept-Encoding");
  const brBytes = new Uint8Array(await br.arrayBuffer());
  assert(brBytes.byteLength < original.length / 4);
  assertEquals(new TextDecoder().decode(brotliDecompressSync(brBytes)), original);
  const gz = await s.ask("/data.json", { headers: { "accept-encoding": "gzip" } });
  assertEquals(gz.headers.get("content-encoding"), "gzip");
  assertEquals(
    new TextDecoder().decode(gunzipSync(new Uint8Array(await gz.arrayBuffer()))),
    original,
  );
  const plain = await s.ask("/data.json");
  assertEquals(plain.headers.get("content-encoding"), null);
  assertEquals(await plain.text(), original);
  const bin = await s.ask("/blob.bin", { headers: { "accept-encoding": "gzip" } });
  assertEquals(bin.headers.get("content-encoding"), null);
  await bin.body?.cancel();
  const tiny = await s.ask("/hello.txt", { headers: { "accept-encoding": "gzip" } });
  assertEquals(tiny.headers.get("content-encoding"), null, "too small to be worth compressing");
  await tiny.body?.cancel();
});

Deno.test("static: a big file is streamed (and gzip-streamed), not cached", async () => {
  await using s = await site();
  const big = "x".repeat(600 * 1024);
  await Deno.writeTextFile(`${s.root}/big.txt`, big);
  const res = await s.ask("/big.txt");
  assertEquals(res.headers.get("content-length"), String(big.length));
  assertEquals((await res.text()).length, big.length);
  const gz = await s.ask("/big.txt", { headers: { "accept-encoding": "gzip" } });
  assertEquals(gz.headers.get("content-encoding"), "gzip");
  assertEquals(
    new TextDecoder().decode(gunzipSync(new Uint8Array(await gz.arrayBuffer()))).length,
    big.length,
  );
  const range = await s.ask("/big.txt", { headers: { range: "bytes=300000-300009" } });
  assertEquals(await range.text(), "xxxxxxxxxx");
});

Deno.test("static: symlinks inside the root are followed, links out are refused", async () => {
  await using s = await site();
  assertEquals(await (await s.ask("/link-in.txt")).text(), "hello world\n");
  for (const path of ["/link-out/far.txt", "/file-link-out", "/link-out/"]) {
    const res = await s.ask(path);
    assertEquals(res.status, 403, path);
    assert(!(await res.text()).includes("SECRET"));
  }
});

Deno.test("static: traversal attempts never leave the root", async () => {
  await using s = await site();
  const attempts: [string, number[]][] = [
    ["/..%2fsecret.txt", [403]],
    ["/..%2Fsecret.txt", [403]],
    ["/sub/..%2f..%2fsecret.txt", [403]],
    ["/%2e%2e/secret.txt", [404]], // the URL parser already resolved it to /secret.txt in the root
    ["/..%5csecret.txt", [400]],
    ["/sub%5c..%5c..%5csecret.txt", [400]],
    ["/hello.txt%00.html", [400]],
    ["/%00", [400]],
    ["/%E0%A4%A", [400]],
  ];
  for (const [path, codes] of attempts) {
    const res = await s.ask(path);
    const body = await res.text();
    assert(codes.includes(res.status), `${path}: ${res.status} ${body}`);
    assert(!body.includes("SECRET"), path);
  }
});

Deno.test("static: httpbin endpoints still answer where no file exists", async () => {
  await using s = await site();
  const res = await s.ask("/get");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/json");
  await res.body?.cancel();
});

Deno.test("static: raw requests with .. and backslashes over a socket are refused", async () => {
  await using s = await site();
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, s.handler);
  const raw = async (target: string) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(
      new TextEncoder().encode(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    return await textUntilEnd(conn, `the answer to GET ${target}`);
  };
  for (
    const target of [
      "/../secret.txt",
      "/../../../../etc/passwd",
      "/sub/../../secret.txt",
      "/..\\secret.txt",
      "/%2e%2e%2fsecret.txt",
    ]
  ) {
    const out = await raw(target);
    assert(!out.includes("SECRET"), `${target}: ${out}`);
    assert(!out.includes("root:"), `${target}: ${out}`);
    assertMatch(out, /^HTTP\/1\.1 (400|403|404)/, target);
  }
});
