// The transfer statements in .wire scripts: `cert`, `send-file` to a `serve files`
// receiver (TCP and TLS with the generated CA), and the failures a script reports.
import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { ScriptSyntaxError } from "../../lib/script/syntax_error.ts";
import { list, makeFile, sha256File, tempDir } from "./_helpers.ts";

async function run(text: string) {
  return await runScript(parseScript(text, "t.wire"), {});
}

Deno.test("script: cert, serve files over TLS with that certificate, send-file with the CA", async () => {
  const work = await tempDir();
  try {
    await Deno.mkdir(`${work}/in`);
    await makeFile(`${work}/data.bin`, 2 * 1024 * 1024 + 3);
    const want = await sha256File(`${work}/data.bin`);
    const r = await run(`
cert "${work}/certs" host localhost host 127.0.0.1 ca as tls
serve files tls://127.0.0.1:0 as inbox dir "${work}/in" cert \${tls.cert} key \${tls.key}
send-file "${work}/data.bin" to \${inbox.address} ca \${tls.ca} as sent
assert \${sent.sha256} == "${want}"
assert \${sent.size} == "${2 * 1024 * 1024 + 3}"
send-file "${work}/data.bin" to \${inbox.address} ca \${tls.ca} name "../copy.bin" as again
assert \${again.name} == "../copy.bin"
`);
    assert(r.ok, r.failure?.message);
    assertEquals(await list(`${work}/in`), ["copy.bin", "data.bin"]);
    assertEquals(await sha256File(`${work}/in/data.bin`), want);
    assertEquals(await list(`${work}/certs`), ["ca-key.pem", "ca.pem", "cert.pem", "key.pem"]);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("script: send-file fails the script when the receiver refuses or cannot be reached", async () => {
  const work = await tempDir();
  try {
    await Deno.mkdir(`${work}/in`);
    await Deno.writeTextFile(`${work}/f.txt`, "one");
    await Deno.writeTextFile(`${work}/in/f.txt`, "already here");
    const refused = await run(`
serve files tcp://127.0.0.1:0 as inbox dir "${work}/in"
send-file "${work}/f.txt" to \${inbox.address}
`);
    assert(!refused.ok);
    assertStringIncludes(refused.failure!.message, "--force");
    assertEquals(await Deno.readTextFile(`${work}/in/f.txt`), "already here");
    const unreachable = await run(`send-file "${work}/f.txt" to tcp://127.0.0.1:1`);
    assert(!unreachable.ok);
    assertStringIncludes(unreachable.failure!.message, "cannot connect");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("script: send-file and cert syntax errors name the place", () => {
  assertThrows(
    () => parseScript('send-file "x" tcp://127.0.0.1:1', "t.wire"),
    ScriptSyntaxError,
    'expected "to"',
  );
  assertThrows(
    () => parseScript('send-file "x" to tcp://h:1 ca "c" insecure', "t.wire"),
    ScriptSyntaxError,
  );
  assertThrows(
    () => parseScript('cert "d" hosts x', "t.wire"),
    ScriptSyntaxError,
    'unexpected "hosts"',
  );
});
