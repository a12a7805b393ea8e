/**
 * Issue 12: `replay FILE on ADDR as NAME` serves a recording from a script (HTTP by
 * request, with `match` / `ignore-query`), and `expect NAME replayed` passes once every
 * exchange was served and fails on a near miss.
 */
import { assert, assertStringIncludes } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { tempDir } from "../helpers/temp.ts";

const RECORDING = `default target = "tcp://127.0.0.1:1"
connect \${target} as c1
send c1 "GET /users?id=1&ts=100 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"
expect c1 "HTTP/1.1 200 OK\\r\\nContent-Length: 11\\r\\n\\r\\n{\\"id\\": \\"1\\"}"
close c1
connect \${target} as c2
send c2 "POST /login HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 9\\r\\n\\r\\nuser=ada\\n"
expect c2 "HTTP/1.1 204 No Content\\r\\n\\r\\n"
close c2
`;

async function run(dir: string, body: string) {
  const file = `${dir}/t.wire`;
  await Deno.writeTextFile(`${dir}/api.wire`, RECORDING);
  return await runScript(parseScript(body, file));
}

Deno.test("replay statement: served by request in a script, ignore-query, expect replayed", async () => {
  await using dir = await tempDir();
  const r = await run(
    dir.path,
    `replay "api.wire" on tcp://127.0.0.1:0 as r ignore-query ts
http POST \${r.url}/login body "user=ada\\n"
expect status 204
http GET \${r.url}/users?ts=999&id=1 header "User-Agent: other"
expect status 200
expect json $.id == "1"
expect r replayed within 2s
`,
  );
  assert(r.ok, r.failure?.message);
});

Deno.test("replay statement: a near miss gets the 404 and expect replayed fails", async () => {
  await using dir = await tempDir();
  const r = await run(
    dir.path,
    `replay "api.wire" on tcp://127.0.0.1:0 as r
http GET \${r.url}/users?id=2&ts=100
expect status 404
expect body contains "closest recorded: GET /users?id=1&ts=100"
expect r replayed within 300ms
`,
  );
  assert(!r.ok);
  const m = r.failure!.message;
  assertStringIncludes(m, "1 client request(s) deviated");
  assertStringIncludes(m, "query +id=2 -id=1");
  assertStringIncludes(r.failure!.where, "t.wire:5");
});

Deno.test("replay statement: a bad match part or file is a failure naming it", async () => {
  await using dir = await tempDir();
  const bad = await run(dir.path, `replay "api.wire" on tcp://127.0.0.1:0 as r match cookies\n`);
  assertStringIncludes(bad.failure!.message, 'unknown part "cookies"');
  const missing = await run(dir.path, `replay "nope.wire" on tcp://127.0.0.1:0 as r\n`);
  assertStringIncludes(missing.failure!.message, "nope.wire");
});
