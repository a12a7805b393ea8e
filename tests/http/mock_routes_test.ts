// Scripted routes (params, headers, delay, sequences), the request log, and the limits.
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { createHttpHandler } from "../../lib/http/server/handler.ts";
import { fillTemplate, MockRoutes } from "../../lib/http/server/mock_routes.ts";

Deno.test("routes: path parameters, query and headers fill the response", async () => {
  const handler = createHttpHandler();
  handler.routes.add("GET", "/users/:id", {
    status: 200,
    kind: "json",
    body: '{"id":"{{id}}","q":"{{query.q}}","ua":"{{header.user-agent}}"}',
    headers: [["X-User", "{{id}}"], ["Cache-Control", "no-store"]],
  });
  const res = await handler(
    new Request("http://x/users/42?q=hi", { headers: { "user-agent": "t/1" } }),
  );
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/json");
  assertEquals(res.headers.get("x-user"), "42");
  assertEquals(res.headers.get("cache-control"), "no-store");
  assertEquals(await res.json(), { id: "42", q: "hi", ua: "t/1" });
});

Deno.test("routes: override httpbin endpoints; the method must match (GET also answers HEAD)", async () => {
  const handler = createHttpHandler();
  handler.routes.add("POST", "/get", { status: 201, kind: "text", body: "made {{body}}" });
  const post = await handler(new Request("http://x/get", { method: "POST", body: "thing" }));
  assertEquals(post.status, 201);
  assertMatch(post.headers.get("content-type")!, /^text\/plain;\s?charset=utf-8$/i);
  assertEquals(await post.text(), "made thing");
  const get = await handler(new Request("http://x/get"));
  assertEquals(get.headers.get("content-type"), "application/json"); // httpbin's /get
  await get.body?.cancel();
  handler.routes.add("GET", "/h", { status: 200, kind: "text", body: "body" });
  const head = await handler(new Request("http://x/h", { method: "HEAD" }));
  assertEquals(head.status, 200);
  assertMatch(head.headers.get("content-type")!, /^text\/plain;\s?charset=utf-8$/i);
  await head.body?.cancel();
  handler.routes.add("*", "/any", { status: 202, body: "" });
  const del = await handler(new Request("http://x/any", { method: "DELETE" }));
  assertEquals(del.status, 202);
  await del.body?.cancel();
});

Deno.test("routes: repeated calls walk a sequence, the last response repeats", async () => {
  const routes = new MockRoutes();
  const handler = createHttpHandler({ routes });
  routes.add("GET", "/flaky", { status: 503, kind: "text", body: "down" });
  routes.add("GET", "/flaky", { status: 503, kind: "text", body: "still down" });
  routes.add("GET", "/flaky", { status: 200, kind: "text", body: "up" });
  const seen: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await handler(new Request("http://x/flaky"));
    seen.push(`${res.status} ${await res.text()}`);
  }
  assertEquals(seen, ["503 down", "503 still down", "200 up", "200 up", "200 up"]);
  assertEquals(routes.routes[0]!.calls, 5);
});

Deno.test("routes: a delay holds the response", async () => {
  const handler = createHttpHandler();
  handler.routes.add("GET", "/slow", { status: 200, body: "ok", delayMs: 150 });
  const t0 = performance.now();
  const res = await handler(new Request("http://x/slow"));
  await res.text();
  assert(performance.now() - t0 >= 140);
});

Deno.test("routes: a bad pattern is refused; templates leave unknown names empty", () => {
  const routes = new MockRoutes();
  assertThrows(() => routes.add("GET", "no-slash", { status: 200, body: "" }), TypeError);
  assertThrows(() => routes.add("GET", "/(unclosed", { status: 200, body: "" }), TypeError);
  const request = new Request("http://x/a");
  assertEquals(fillTemplate("[{{nope}}]", { params: {}, request, bodyText: "" }), "[]");
});

Deno.test("request log: method, path, query, headers and body of every request", async () => {
  const handler = createHttpHandler();
  await (await handler(
    new Request("http://x/post?a=1", { method: "POST", body: "hello", headers: { "x-k": "v" } }),
  )).body?.cancel();
  await (await handler(new Request("http://x/get"))).body?.cancel();
  assertEquals(handler.log.count, 2);
  const [first, second] = handler.log.entries;
  assertEquals(first!.method, "POST");
  assertEquals(first!.path, "/post");
  assertEquals(first!.query, "a=1");
  assertEquals(first!.headers.get("x-k"), "v");
  assertEquals(new TextDecoder().decode(first!.body), "hello");
  assertEquals(second!.seq, 2);
  const found = await handler.log.waitFor((e) => e.find((r) => r.method === "GET"), 100);
  assertEquals(found.path, "/get");
  await assertRejects(() => handler.log.waitFor((e) => e.find((r) => r.method === "PUT"), 50));
});

Deno.test("request log: waitFor wakes when the request arrives; the log is bounded", async () => {
  const handler = createHttpHandler({ limits: { maxLoggedRequests: 3 } });
  const waiting = handler.log.waitFor((e) => e.find((r) => r.path === "/later"), 2000);
  await (await handler(new Request("http://x/later"))).body?.cancel();
  assertEquals((await waiting).path, "/later");
  for (let i = 0; i < 5; i++) await (await handler(new Request(`http://x/n${i}`))).body?.cancel();
  assertEquals(handler.log.entries.length, 3);
  assertEquals(handler.log.count, 6);
  assertEquals(handler.log.entries[0]!.path, "/n2");
});

Deno.test("limits: a body over the cap gets 413, declared or streamed; a huge request line 431", async () => {
  const handler = createHttpHandler({ limits: { maxBodyBytes: 10, maxHeaderBytes: 500 } });
  const declared = await handler(
    new Request("http://x/post", { method: "POST", body: "x".repeat(11) }),
  );
  assertEquals(declared.status, 413);
  assertEquals(declared.headers.get("connection"), "close");
  await declared.body?.cancel();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(6));
      c.enqueue(new Uint8Array(6));
      c.close();
    },
  });
  const streamed = await handler(new Request("http://x/post", { method: "POST", body: stream }));
  assertEquals(streamed.status, 413);
  await streamed.body?.cancel();
  const fine = await handler(
    new Request("http://x/post", { method: "POST", body: "x".repeat(10) }),
  );
  assertEquals(fine.status, 200);
  await fine.body?.cancel();
  const head = await handler(new Request(`http://x/get?q=${"y".repeat(600)}`));
  assertEquals(head.status, 431);
  await head.body?.cancel();
});

Deno.test("limits: a body that does not arrive in time gets 408", async () => {
  const handler = createHttpHandler({ limits: { requestTimeoutMs: 100 } });
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(1)); // then nothing more
    },
    cancel() {
      cancelled = true;
    },
  });
  const res = await handler(new Request("http://x/post", { method: "POST", body: stream }));
  assertEquals(res.status, 408);
  assert(cancelled);
  await res.body?.cancel();
});
