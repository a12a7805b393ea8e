// The client's cookie jar: RFC 6265 rules (domain, path, Secure, expiry, deletion), the
// session's jar across requests and redirects on `serve http`'s /cookies endpoints, and
// `run --cookie-jar FILE` sharing one file with curl (-b/-c) both ways.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { CookieJar } from "../../lib/http/client/cookies.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { runCli } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { run } from "./_peers.ts";

Deno.test("cookie jar: domain, host-only, path, Secure, Max-Age and deletion", () => {
  const jar = new CookieJar();
  const now = 1_000_000;
  const at = (u: string) => new URL(u);
  jar.store(at("http://a.example.com/app/login"), [
    "host=1",
    "dom=2; Domain=example.com; Path=/",
    "sec=3; Secure; Path=/",
    "short=4; Max-Age=10; Path=/",
    "other=5; Domain=evil.test",
  ], now);
  assertEquals(jar.header(at("http://a.example.com/app/x"), now), "host=1; dom=2; short=4");
  assertEquals(jar.header(at("http://a.example.com/"), now), "dom=2; short=4");
  assertEquals(jar.header(at("http://b.example.com/app/x"), now), "dom=2");
  assertEquals(jar.header(at("https://a.example.com/"), now), "dom=2; sec=3; short=4");
  assertEquals(jar.header(at("http://a.example.com/"), now + 11_000), "dom=2");
  assertEquals(jar.header(at("http://evil.test/"), now), undefined);
  jar.store(at("http://a.example.com/"), ["dom=; Domain=example.com; Path=/; Max-Age=0"], now);
  assertEquals(jar.header(at("http://b.example.com/"), now), undefined);
  jar.store(at("http://a.example.com/app/"), ["host=9"], now); // same name, domain, path
  // `short` expired above (now + 11 s) and is gone for good
  assertEquals(jar.header(at("http://a.example.com/app/x"), now), "host=9");
});

Deno.test("cookie jar: the Netscape file round-trips; a bad line is named", () => {
  const jar = new CookieJar();
  jar.store(new URL("http://127.0.0.1/"), ["a=1; HttpOnly", "b=2; Max-Age=3600"]);
  const again = new CookieJar();
  again.loadNetscape(jar.toNetscape());
  assertEquals(again.header(new URL("http://127.0.0.1/x")), "a=1; b=2");
  let message = "";
  try {
    again.loadNetscape("# comment\nnot a cookie line\n");
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, "line 2 is not a cookie line (7 tab-separated fields)");
});

Deno.test("cookies: /cookies/set redirects to /cookies with the cookies; later requests keep them", async () => {
  const r = await runScript(
    parseScript(
      `serve http http://127.0.0.1:0 as api
http GET \${api.url}/cookies/set?session=abc&theme=dark follow as r
expect status 200
expect json $.cookies == {"session": "abc", "theme": "dark"}
http GET \${api.url}/cookies/set/lang/en
expect status 302
http GET \${api.url}/cookies
expect json $.cookies.lang == "en"
http GET \${api.url}/cookies/delete?theme follow
expect json $.cookies == {"session": "abc", "lang": "en"}
http GET \${api.url}/headers
expect json $.headers.Cookie ~ /session=abc/
`,
      "t.wire",
    ),
  );
  assert(r.ok, r.failure?.message);
});

Deno.test("cookies: each session has its own jar", async () => {
  await using api = await startHttpServer("http://127.0.0.1:0");
  const first = await runScript(
    parseScript(
      `http GET \${url}/cookies/set?who=first follow\nexpect json $.cookies.who == "first"\n`,
      "a.wire",
    ),
    { vars: { url: api.url } },
  );
  assert(first.ok, first.failure?.message);
  const second = await runScript(
    parseScript(`http GET \${url}/cookies\nexpect json $.cookies == {}\n`, "b.wire"),
    { vars: { url: api.url } },
  );
  assert(second.ok, second.failure?.message);
});

Deno.test({
  name: "run --cookie-jar FILE: reads what curl -c wrote, writes what curl -b reads (0600)",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    await using api = await startHttpServer("http://127.0.0.1:0");
    const jar = `${dir.path}/jar.txt`;
    await run("curl", ["-s", "-c", jar, `${api.url}/cookies/set?from=curl`]);
    const script = `${dir.path}/s.wire`;
    await Deno.writeTextFile(
      script,
      `http GET \${url}/cookies
expect json $.cookies.from == "curl"
http GET \${url}/cookies/set?added=wireplay
`,
    );
    const res = await runCli(["run", script, "--var", `url=${api.url}`, "--cookie-jar", jar]);
    assertEquals(res.code, 0, res.stderr);
    assertEquals((await Deno.stat(jar)).mode! & 0o777, 0o600);
    const seen = JSON.parse(await run("curl", ["-s", "-b", jar, `${api.url}/cookies`]));
    assertEquals(seen.cookies, { from: "curl", added: "wireplay" });
    await Deno.writeTextFile(jar, "garbage\n");
    const bad = await runCli(["run", script, "--var", `url=${api.url}`, "--cookie-jar", jar]);
    assertEquals(bad.code, 2);
    assertMatch(
      bad.stderr.trim(),
      /^(wireplay: )?--cookie-jar: ".*jar\.txt": line 1 is not a cookie line[^\n]*$/,
    );
    assertStringIncludes(await Deno.readTextFile(jar), "garbage"); // left as it was
  },
});
