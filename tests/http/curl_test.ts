// curl as a client of our server: plain, TLS with our self-signed certificate (--cacert),
// TLS with openssl-made certificates, static files, ranges, compression, HTTP/2-less keep-alive.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates, run } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";

async function curl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = await output("curl", { args: ["-sS", "--max-time", "10", ...args] });
  return {
    code: out.code,
    out: new TextDecoder().decode(out.stdout),
    err: new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "curl → serve http: httpbin endpoints, POST JSON, auth, cookies",
  ...needs("curl"),
  fn: async () => {
    await using server = await startHttpServer("http://127.0.0.1:0");
    const get = await curl(`${server.url}/get?x=1`, "-H", "X-Hello: there");
    const body = JSON.parse(get.out);
    assertEquals(body.args, { x: "1" });
    assertEquals(body.headers["X-Hello"], "there");
    assertMatch(body.headers["User-Agent"], /^curl\//);
    const post = await curl(
      "-X",
      "POST",
      `${server.url}/post`,
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"k":[1,2]}',
    );
    assertEquals(JSON.parse(post.out).json, { k: [1, 2] });
    const auth = await curl("-u", "me:pw", `${server.url}/basic-auth/me/pw`);
    assertEquals(JSON.parse(auth.out), { authenticated: true, user: "me" });
    const status = await curl("-o", "/dev/null", "-w", "%{http_code}", `${server.url}/status/418`);
    assertEquals(status.out, "418");
    const jar = await curl("-L", "-c", "-", `${server.url}/cookies/set?flavour=oat`);
    assertStringIncludes(jar.out, '"flavour": "oat"');
    const follow = await curl(
      "-L",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{num_redirects}",
      `${server.url}/redirect/3`,
    );
    assertEquals(follow.out, "200 3");
    assertEquals(server.log.count >= 6, true);
    assertEquals(server.log.entries[1]!.method, "POST");
  },
});

Deno.test({
  name: "curl → serve https with our self-signed certificate via --cacert; refused without",
  ...needs("curl"),
  fn: async () => {
    await using server = await startHttpServer("https://127.0.0.1:0");
    assert(server.certPath);
    const ok = await curl("--cacert", server.certPath, `${server.url}/json`);
    assertEquals(ok.code, 0, ok.err);
    assertEquals(JSON.parse(ok.out).slideshow.title, "Sample Slide Show");
    const byName = await curl("--cacert", server.certPath, `https://localhost:${server.port}/uuid`);
    assertEquals(byName.code, 0, byName.err);
    const refused = await curl(`${server.url}/json`);
    assertEquals(refused.code, 60, "curl: certificate problem");
  },
});

Deno.test({
  name: "curl → serve https with openssl-made certificates (given as cert/key)",
  ...needs("openssl", "curl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-curl-tls-");
    const certs = await opensslCertificates(dir.path);
    await using server = await startHttpServer("tls://127.0.0.1:0", {
      cert: await Deno.readTextFile(certs.certPath),
      key: await Deno.readTextFile(certs.keyPath),
    });
    assertEquals(server.certPath, undefined);
    const res = await curl("--cacert", certs.caPath, "-i", `${server.url}/headers`);
    assertEquals(res.code, 0, res.err);
    assertMatch(res.out, /^HTTP\/(1\.1|2) 200/);
    const issuer = await run("openssl", ["x509", "-in", certs.certPath, "-noout", "-issuer"]);
    assertStringIncludes(issuer, "wireplay test CA");
  },
});

Deno.test({
  name: "curl → static root: conditional GET, range, HEAD, compression, listing",
  ...needs("curl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-curl-static-");
    await dir.write("site/app.js", "console.log('hi');\n".repeat(50));
    await dir.write("site/sub/readme.txt", "read me\n");
    await using server = await startHttpServer("http://127.0.0.1:0", { root: dir.join("site") });
    const head = await curl("-I", `${server.url}/app.js`);
    assertMatch(head.out, /^HTTP\/1\.1 200 OK/);
    const etag = /etag: (.*)\r/i.exec(head.out)![1]!;
    assertMatch(head.out, /content-type: (text|application)\/javascript/i);
    const cond = await curl(
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `If-None-Match: ${etag}`,
      `${server.url}/app.js`,
    );
    assertEquals(cond.out, "304");
    const range = await curl("-r", "0-6", `${server.url}/app.js`);
    assertEquals(range.out, "console");
    const gz = await curl("--compressed", "-D", "-", `${server.url}/app.js`);
    assertMatch(gz.out, /content-encoding: (br|gzip)/i);
    assertStringIncludes(gz.out, "console.log('hi');\nconsole.log");
    const list = await curl(`${server.url}/sub/`);
    assertStringIncludes(list.out, 'href="readme.txt"');
    const traversal = await curl(
      "--path-as-is",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `${server.url}/sub/..%2f..%2f..%2fetc/passwd`,
    );
    assertEquals(traversal.out, "403");
    const traversal2 = await curl(
      "--path-as-is",
      "-w",
      "%{http_code}",
      `${server.url}/../../../../etc/passwd`,
    );
    assert(!traversal2.out.includes("root:"));
  },
});

Deno.test({
  name: "curl → /post with multipart form fields and a file upload",
  ...needs("curl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-curl-form-");
    const file = await dir.write("note.txt", "file contents\n");
    await using server = await startHttpServer("http://127.0.0.1:0");
    const res = await curl("-F", "name=alice", "-F", `upload=@${file}`, `${server.url}/post`);
    const body = JSON.parse(res.out);
    assertEquals(body.form, { name: "alice" });
    assertEquals(body.files, { upload: "file contents\n" });
    const anything = JSON.parse(
      (await curl("-X", "PUT", "-F", "k=v", `${server.url}/anything/x`)).out,
    );
    assertEquals(anything.form, { k: "v" });
  },
});
