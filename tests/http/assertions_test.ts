// Every assertion kind, pass and fail; JSONPath; captures; the pretty printer.
import { assertEquals, assertInstanceOf, assertStringIncludes, assertThrows } from "@std/assert";
import {
  captureBody,
  expectBody,
  expectDuration,
  expectHeader,
  expectJson,
  expectStatus,
  HttpAssertionError,
  jsonValue,
} from "../../lib/http/client/assertions.ts";
import { JsonPathError, queryJsonPath } from "../../lib/http/client/jsonpath.ts";
import { formatResponse } from "../../lib/http/client/pretty.ts";
import type { HttpResponse } from "../../lib/http/client/types.ts";

function response(
  body: string | Uint8Array,
  headers: [string, string][] = [],
  status = 200,
): HttpResponse {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const text = typeof body === "string" ? body : undefined;
  let json: unknown;
  let isJson = false;
  try {
    if (text !== undefined) {
      json = JSON.parse(text);
      isJson = true;
    }
  } catch { /* not json */ }
  return {
    status,
    statusText: status === 200 ? "OK" : "Not Found",
    httpVersion: "HTTP/1.1",
    headers: new Headers(headers),
    rawHeaders: headers,
    body: bytes,
    text,
    json,
    isJson,
    url: "http://127.0.0.1:8080/api",
    remoteIp: "127.0.0.1",
    timings: { dnsMs: 0.1, connectMs: 0.2, tlsMs: 0, ttfbMs: 5, totalMs: 12 },
    request: {
      method: "GET",
      url: "http://127.0.0.1:8080/api",
      headers: [["Host", "127.0.0.1:8080"]],
      body: new Uint8Array(),
    },
    redirects: [],
  };
}

const doc = JSON.stringify({
  items: [{ id: 1, name: "alpha", tags: ["x"] }, { id: 2, name: "beta" }],
  total: 2,
  ok: true,
  none: null,
});
const res = response(doc, [["Content-Type", "application/json"], ["X-Request-Id", "abc-123"]]);

Deno.test("expect status: pass and fail", () => {
  expectStatus(res, 200);
  expectStatus(res, { op: "<", value: 300 });
  const e = assertThrows(() => expectStatus(res, 404), HttpAssertionError);
  assertStringIncludes(e.message, "expected status == 404");
  assertStringIncludes(e.message, "got 200 OK");
  assertStringIncludes(e.message, "request: GET http://127.0.0.1:8080/api");
  assertStringIncludes(e.message, "Content-Type: application/json");
  assertStringIncludes(e.message, '"total": 2');
});

Deno.test("expect header: equals, regex, exists, absent — pass and fail", () => {
  expectHeader(res, "content-type", { op: "==", value: "application/json" });
  expectHeader(res, "X-REQUEST-ID", { op: "~", re: /^abc-\d+$/ });
  expectHeader(res, "x-request-id", { op: "exists" });
  expectHeader(res, "x-missing", { op: "absent" });
  expectHeader(res, "content-type", { op: "contains", value: "json" });
  assertStringIncludes(
    assertThrows(
      () => expectHeader(res, "content-type", { op: "==", value: "text/html" }),
      HttpAssertionError,
    )
      .message,
    'got "application/json"',
  );
  assertStringIncludes(
    assertThrows(() => expectHeader(res, "x-missing", { op: "exists" }), HttpAssertionError)
      .message,
    "no such header",
  );
  assertThrows(
    () => expectHeader(res, "x-request-id", { op: "~", re: /^zzz/ }),
    HttpAssertionError,
  );
});

Deno.test("expect body: exact, regex, contains — pass and fail", () => {
  const text = response("hello world\n");
  expectBody(text, { op: "==", value: "hello world\n" });
  expectBody(text, { op: "~", re: /wor+ld/ });
  expectBody(text, { op: "contains", value: "lo w" });
  expectBody(text, { op: "!=", value: "bye" });
  const e = assertThrows(() => expectBody(text, { op: "==", value: "hello" }), HttpAssertionError);
  assertStringIncludes(e.message, 'expected body == "hello"');
  assertStringIncludes(e.message, 'got "hello world\\n"');
  assertThrows(() => expectBody(text, { op: "~", re: /^bye/ }), HttpAssertionError);
});

Deno.test("expect json: ==, !=, ~, exists, <, > — pass and fail", () => {
  expectJson(res, "$.items[0].id", { op: "==", value: 1 });
  expectJson(res, "$.items[0].id", { op: "==", value: "1" });
  expectJson(res, "$.items[1].name", { op: "==", value: "beta" });
  expectJson(res, "$.items[0].tags", { op: "==", value: ["x"] });
  expectJson(res, "$.items[0].tags", { op: "==", value: '["x"]' });
  expectJson(res, "$.items[0].id", { op: "!=", value: 2 });
  expectJson(res, "$.items[1].name", { op: "~", re: /^b/ });
  expectJson(res, "$.total", { op: "exists" });
  expectJson(res, "$.none", { op: "exists" });
  expectJson(res, "$.nothing", { op: "absent" });
  expectJson(res, "$.total", { op: ">", value: 1 });
  expectJson(res, "$.total", { op: "<", value: 3 });
  expectJson(res, "$.ok", { op: "==", value: true });
  expectJson(res, "$.items.length", { op: "==", value: 2 });
  expectJson(res, "$.items[*].id", { op: "==", value: [1, 2] });
  expectJson(res, "$..name", { op: "==", value: ["alpha", "beta"] });
  const e = assertThrows(
    () => expectJson(res, "$.items[0].id", { op: "==", value: 2 }),
    HttpAssertionError,
  );
  assertStringIncludes(e.message, "expected json $.items[0].id == 2");
  assertStringIncludes(e.message, "got 1");
  assertStringIncludes(
    assertThrows(() => expectJson(res, "$.zzz", { op: "exists" }), HttpAssertionError).message,
    "nothing at $.zzz",
  );
  assertThrows(() => expectJson(res, "$.total", { op: ">", value: 5 }), HttpAssertionError);
  assertThrows(() => expectJson(res, "$.items[1].name", { op: "<", value: 5 }), HttpAssertionError);
  assertStringIncludes(
    assertThrows(() => expectJson(response("plain"), "$.a", { op: "exists" }), HttpAssertionError)
      .message,
    "not JSON",
  );
});

Deno.test("expect duration: pass and fail", () => {
  expectDuration(res, "<", 200);
  const e = assertThrows(() => expectDuration(res, "<", 10), HttpAssertionError);
  assertStringIncludes(e.message, "expected duration < 10.0ms");
  assertStringIncludes(e.message, "got 12.0ms");
});

Deno.test("JSONPath: quoted names, negative indexes, wildcards, errors", () => {
  const v = { "a b": { c: [10, 20, 30] }, list: [{ k: 1 }, { k: 2 }] };
  assertEquals(queryJsonPath(v, "$['a b'].c[-1]"), [30]);
  assertEquals(queryJsonPath(v, '$["a b"]["c"][0]'), [10]);
  assertEquals(queryJsonPath(v, "$.list.*.k"), [1, 2]);
  assertEquals(queryJsonPath(v, "$"), [v]);
  assertEquals(queryJsonPath(v, "$.list[5]"), []);
  for (const bad of ["a.b", "$.", "$[x]", "$[1", "$.a!"]) {
    assertInstanceOf(assertThrows(() => queryJsonPath(v, bad)), JsonPathError, bad);
  }
});

Deno.test("captures: body regex groups and JSON values", () => {
  const text = response("token=abc123; user=bob");
  const m = captureBody(text, /token=(?<tok>\w+); user=(\w+)/)!;
  assertEquals(m.whole, "token=abc123; user=bob");
  assertEquals(m.groups.tok, "abc123");
  assertEquals(m.groups["2"], "bob");
  assertEquals(captureBody(text, /nope/), undefined);
  assertEquals(jsonValue(res, "$.items[1].name"), "beta");
});

Deno.test("pretty printer: status line, headers, pretty JSON, text, hexdump, cut bodies", () => {
  const shown = formatResponse(res);
  assertStringIncludes(shown, "HTTP/1.1 200 OK  12.0ms (dns 0.10ms, connect 0.20ms, ttfb 5.0ms)");
  assertStringIncludes(shown, "Content-Type: application/json");
  assertStringIncludes(shown, '  "items": [\n    {\n      "id": 1,');
  const bin = formatResponse(response(Uint8Array.from({ length: 64 }, (_, i) => i)));
  assertStringIncludes(bin, "00 01 02 03");
  const long = formatResponse(response("line\n".repeat(500)), { maxBodyLines: 10 });
  assertStringIncludes(long, "… cut: 2.44 KiB in all");
  assertEquals(long.split("\n").filter((l) => l === "line").length, 10);
  const bigBin = formatResponse(response(new Uint8Array(10_000)), { maxBodyBytes: 256 });
  assertStringIncludes(bigBin, "more (9.77 KiB in all) not shown");
  const colored = formatResponse(response("x", [], 404), { color: true });
  assertStringIncludes(colored, "\x1b[33m404 Not Found\x1b[0m");
});
