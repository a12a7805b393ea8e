// The HTTP statements in .wire scripts: http, route, expect status|header|body|json|
// duration|request, captures and ${NAME.…} variables; passing and failing; TLS; nginx.
import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates, startNginx } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

async function run(text: string, vars: Record<string, string> = {}) {
  return await runScript(parseScript(text, "t.wire"), { vars });
}

async function passes(text: string, vars: Record<string, string> = {}): Promise<string[]> {
  const r = await run(text, vars);
  assert(r.ok, r.failure?.message);
  return r.output;
}

async function fails(text: string): Promise<string> {
  const r = await run(text);
  assert(!r.ok, "the script should have failed");
  return r.failure!.message;
}

const SERVE = "serve http http://127.0.0.1:0 as api\n";

Deno.test("script: routes with params, sequences, headers; every expect form passes", async () => {
  const out = await passes(
    SERVE + `
route api GET /users/:id 200 json {"id": "{{id}}", "tags": ["a", "b"]} header "X-Served-By: mock"
route api GET /flaky 503 text "down"
route api GET /flaky 200 text "up"
route api DELETE /users/:id 204
http GET \${api.url}/users/42 as u
expect status 200
expect status < 300
expect header x-served-by == "mock"
expect header content-type ~ /json/
expect header x-nope absent
expect json $.id == "42"
expect json $.tags == ["a", "b"]
expect json $.tags.length == 2
expect json $.tags[0] != "z"
expect json $.missing absent
expect duration < 5s
print "\${u.status} \${u.headers.content-type} \${u.json.id} \${u.json.tags.1}"
http GET \${api.url}/flaky
expect status 503
expect body "down"
http GET \${api.url}/flaky
expect body == "up"
expect body contains "u"
http DELETE \${api.url}/users/1
expect status 204
expect status 200 from u
`,
  );
  assertEquals(out, ["200 application/json 42 b"]);
});

Deno.test("script: request options — json, body, query, headers, auth, follow, timeout", async () => {
  const out = await passes(
    SERVE + `
http POST \${api.url}/post json {"n": 5, "s": "x"} header "X-Trace: abc" query "a=1" query "b=two words" as p
expect json $.json.n == 5
expect json $.json.n > 4
expect json $.args.a == "1"
expect json $.args.b == "two words"
expect json $.headers.X-Trace == "abc"
expect json $.headers.Content-Type == "application/json"
http PUT \${api.url}/put body "raw text"
expect json $.data == "raw text"
http GET \${api.url}/basic-auth/me/pw auth basic "me:pw"
expect json $.authenticated == true
http GET \${api.url}/bearer auth bearer "t0k"
expect json $.token == "t0k"
http GET \${api.url}/redirect/2
expect status 302
expect header location == "/relative-redirect/1" as loc
http GET \${api.url}/redirect/2 follow
expect status 200
http GET \${api.url}/get
expect body /"url": "(?<url>[^"]+)"/ as m
expect json $.headers.Host exists as host
print "\${loc} \${m.url} \${host} \${p.json.json.s}"
`,
  );
  assertEquals(out.length, 1);
  assert(
    /^\/relative-redirect\/1 http:\/\/127\.0\.0\.1:\d+\/get 127\.0\.0\.1:\d+ x$/.test(out[0]!),
    out[0],
  );
});

Deno.test("script: expect request checks what the server received", async () => {
  await passes(
    SERVE + `
route api POST /hooks/:kind 202
http POST \${api.url}/hooks/push json {"ref": "main"} header "X-Sig: s1"
http POST \${api.url}/hooks/push body "second"
http GET \${api.url}/get
expect request api POST /hooks/:kind header x-sig == "s1" body ~ /main/ as req
expect request api POST /hooks/push count 2
expect request api GET /get count 1
expect request api DELETE /x count 0
expect request api count 3
print "\${req.method} \${req.path} \${req.json.ref} \${req.headers.x-sig}"
`,
  ).then((out) => assertEquals(out, ["POST /hooks/push main s1"]));
});

Deno.test("script: each failing assertion says what was expected and shows the response", async () => {
  const base = SERVE + "http GET ${api.url}/json\n";
  const status = await fails(base + "expect status 201");
  assertStringIncludes(status, "t.wire:3");
  assertStringIncludes(status, "expected:  status == 201");
  assertStringIncludes(status, "actual:    200 OK");
  assertStringIncludes(status, "request: GET http://127.0.0.1:");
  assertStringIncludes(status, "response: HTTP/1.1 200 OK");
  assertStringIncludes(status, '"author": "Yours Truly"');
  assertStringIncludes(
    await fails(base + 'expect header content-type == "text/html"'),
    'actual:    "application/json"',
  );
  assertStringIncludes(await fails(base + "expect header x-missing exists"), "no such header");
  assertStringIncludes(
    await fails(base + 'expect body contains "nope"'),
    'expected:  body contains "nope"',
  );
  assertStringIncludes(await fails(base + "expect body /^zzz/"), "expected:  body ~ /^zzz/");
  assertStringIncludes(
    await fails(base + 'expect json $.slideshow.author == "me"'),
    'actual:    "Yours Truly"',
  );
  assertStringIncludes(await fails(base + "expect json $.nothing exists"), "nothing at $.nothing");
  assertStringIncludes(
    await fails(base + "expect json $.slideshow.slides.length > 5"),
    "actual:    2",
  );
  assertStringIncludes(
    await fails(SERVE + "http GET ${api.url}/html\nexpect json $.a exists"),
    "not JSON",
  );
  assertStringIncludes(
    await fails(SERVE + "http GET ${api.url}/delay/0.3\nexpect duration < 100ms"),
    "expected:  duration < 100ms",
  );
  assertStringIncludes(
    await fails(SERVE + "timeout 200ms\nexpect request api GET /never"),
    "no matching request arrived",
  );
  assertStringIncludes(
    await fails(
      SERVE + "http GET ${api.url}/get\nexpect request api GET /get count 2 within 100ms",
    ),
    "expected 2 matching request(s), got 1",
  );
  assertStringIncludes(await fails("expect status 200"), "no HTTP response yet");
  assertStringIncludes(await fails("http GET http://127.0.0.1:1/"), "failed (connect)");
  assertStringIncludes(
    await fails(SERVE + "http GET ${api.url}/delay/2 timeout 100ms"),
    "failed (timeout)",
  );
});

Deno.test("script: syntax errors name the place", () => {
  const bad: [string, string][] = [
    ["http get http://x/", "not an HTTP method"],
    ["http GET http://x/ bogus", 'unexpected "bogus"'],
    ["http GET http://x/ json {bad", "JSON"],
    ["http GET https://x/ insecure ca x.pem", "either ca FILE or insecure"],
    ["route api GET users 200", 'starts with "/"'],
    ["route api GET /u 999", "status code"],
    ["expect duration == 1s", "is not <, <=, > or >="],
    ["expect json items == 1", 'starts with "$"'],
    ["expect status < abc", "compares numbers"],
    ['http GET http://x/ auth digest "a"', "basic or bearer"],
  ];
  for (const [line, message] of bad) {
    const e = assertThrows(() => parseScript(line, "bad.wire"));
    assertStringIncludes(String(e), message, line);
    assertStringIncludes(String(e), "bad.wire:1:", line);
  }
});

Deno.test("script: https with the server's own certificate (ca ${NAME.cert}) or insecure; static root", async () => {
  await using dir = await tempDir("wireplay-script-");
  await dir.write("site/index.html", "<h1>home</h1>");
  await dir.write("site/data.json", '{"k": "v"}');
  await passes(`
serve http https://127.0.0.1:0 as s root ${dir.join("site")}
http GET \${s.url}/ ca \${s.cert}
expect status 200
expect body "<h1>home</h1>"
http GET \${s.url}/data.json insecure
expect json $.k == "v"
expect header etag exists as tag
http GET \${s.url}/data.json ca \${s.cert} header "If-None-Match: \${tag}"
expect status 304
`);
  assertStringIncludes(
    await fails("serve http https://127.0.0.1:0 as s\nhttp GET ${s.url}/get"),
    "failed (tls)",
  );
});

Deno.test({
  name: "script: http statements against nginx, plain and TLS with an openssl CA",
  ...needs("nginx", "openssl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-script-nginx-");
    const certs = await opensslCertificates(dir.path);
    await dir.write("www/page.html", "<p>nginx page</p>");
    await using nginx = await startNginx(dir.path, {
      tls: { certPath: certs.certPath, keyPath: certs.keyPath },
    });
    await passes(
      `
http GET \${plain}/api/items as items
expect status 200
expect header server ~ /nginx/
expect json $.items[1].name == "eight"
expect json $.total == 2
http GET \${plain}/moved
expect status 301
expect header location ~ /api\\/items$/
http GET \${plain}/moved follow
expect json $.items[0].id == 7
http GET \${plain}/teapot
expect status 418
expect body "short and stout"
http GET \${tls}/page.html ca "\${ca}"
expect body contains "nginx page"
print "\${items.json.items.0.name}"
`,
      { plain: nginx.url, tls: nginx.tlsUrl!, ca: certs.caPath },
    ).then((out) => assertEquals(out, ["seven"]));
  },
});

Deno.test("script: raw HTTP by hand with connect/send/expect still works against serve http", async () => {
  await passes(
    SERVE + `
connect tcp://127.0.0.1:\${api.port} as c
send c "GET /status/418 HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"
expect c line "HTTP/1.1 418 I'm a teapot"
expect c /\\r\\n\\r\\n/
expect c /I'm a teapot[^]*/
expect c eof
`,
  );
});
