// `form` and `multipart` bodies: parsed by our `serve http` /post, by the real httpbin
// (Flask/werkzeug's parser) and by nginx-independent checks of the bytes on the wire;
// a script that mixes bodies is a syntax error.
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { multipartBody, urlencodedBody } from "../../lib/http/client/form_body.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { startRealHttpbin } from "./_httpbin.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";

const SCRIPT = `http POST \${url}/post form "name=Ada Lovelace" "lang=en&fr" form "x=" as f
expect status 200
expect json $.form == {"name": "Ada Lovelace", "lang": "en&fr", "x": ""}
expect json $.headers.Content-Type == "application/x-www-form-urlencoded"
http POST \${url}/post multipart field "title=report" file "upload" "notes.txt" file "blob" "data.bin" type "application/x-thing" as m
expect status 200
expect json $.form.title == "report"
expect json $.files.upload == "line one\\nline two\\n"
expect json $.headers.Content-Type ~ /^multipart\\/form-data; boundary=/
`;

async function passes(vars: Record<string, string>, dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/notes.txt`, "line one\nline two\n");
  await Deno.writeFile(`${dir}/data.bin`, Uint8Array.of(0, 1, 2, 255));
  const r = await runScript(parseScript(SCRIPT, `${dir}/t.wire`), { vars });
  assert(r.ok, r.failure?.message);
}

Deno.test("form and multipart: our serve http /post parses them", async () => {
  await using dir = await tempDir();
  await using api = await startHttpServer("http://127.0.0.1:0");
  await passes({ url: api.url }, dir.path);
});

Deno.test({
  name: "form and multipart: the real httpbin (werkzeug) parses them the same",
  ...needs("httpbin"),
  async fn() {
    await using dir = await tempDir();
    await using httpbin = await startRealHttpbin();
    await passes({ url: httpbin.url }, dir.path);
  },
});

Deno.test("multipart bytes: a binary file goes out byte for byte with its type", async () => {
  const { body, contentType } = await multipartBody([
    { kind: "field", name: "a", value: "b" },
    {
      kind: "file",
      name: "f",
      filename: "x.bin",
      bytes: Uint8Array.of(0, 13, 10, 255),
      type: "image/png",
    },
  ]);
  const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
  const text = new TextDecoder("latin1").decode(body);
  assertStringIncludes(
    text,
    'Content-Disposition: form-data; name="f"; filename="x.bin"\r\nContent-Type: image/png\r\n\r\n' +
      "\x00\r\n\xff\r\n",
  );
  assert(/--(\S+)--(\r\n)?$/.exec(text)?.[1] === boundary, "ends with the closing delimiter");
  // the platform's parser reads back what was written
  const parsed = await new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": contentType },
  }).formData();
  assertEquals(parsed.get("a"), "b");
  assertEquals(
    new Uint8Array(await (parsed.get("f") as File).arrayBuffer()),
    Uint8Array.of(0, 13, 10, 255),
  );
  assertEquals(new TextDecoder().decode(urlencodedBody([["a b", "c&d"]]).body), "a+b=c%26d");
});

Deno.test("form and multipart: one body per request; multipart needs parts; a missing file fails", async () => {
  assertThrows(
    () => parseScript('http POST http://x/ json {"a":1} form "a=b"', "t.wire"),
    Error,
    "one body per request",
  );
  assertThrows(
    () => parseScript('http POST http://x/ form "a=b" body "x"', "t.wire"),
    Error,
    "one body per request",
  );
  assertThrows(
    () => parseScript("http POST http://x/ multipart as r", "t.wire"),
    Error,
    "multipart takes parts",
  );
  const r = await runScript(
    parseScript(
      'http POST http://127.0.0.1:1/ multipart file "f" "no-such-file.txt"',
      "/tmp/t.wire",
    ),
  );
  assert(!r.ok);
  assertMatch(r.failure!.message, /cannot read multipart file ".*no-such-file\.txt"/);
});
