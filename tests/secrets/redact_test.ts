import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";
import { echoServer, startCli } from "../proxy/_helpers.ts";
import { redactedLiteral, redactRules } from "../../lib/proxy/redact.ts";
import { UsageError } from "../../lib/errors.ts";

const TOKEN = "Bearer eyJhbGciOi.s3cr3t-sig";

Deno.test("record --redact-header Authorization --redact: values become the replay's --vars", async () => {
  await using dir = await tempDir();
  const file = dir.join("rec.wire");
  await using up = echoServer();
  const recorder = startCli([
    "record",
    "--listen",
    "tcp://127.0.0.1:0",
    "--upstream",
    `tcp://127.0.0.1:${up.port}`,
    "--out",
    file,
    "--redact-header",
    "Authorization",
    "--redact",
    "/session=(\\w+)/",
    "--secret",
    "host_name=x-host.example",
  ]);
  await using _ = recorder;
  const m = await recorder.waitFor(/^recording .*?127\.0\.0\.1:(\d+)/m);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(m[1]) });
  const request =
    `GET / HTTP/1.1\r\nHost: x-host.example\r\nauthorization:  ${TOKEN}\r\nCookie: session=abc123\r\n\r\n`;
  await conn.write(new TextEncoder().encode(request));
  const got = new Uint8Array(request.length);
  let n = 0;
  const deadline = setTimeout(() => conn.close(), 10_000);
  while (n < got.length) n += (await conn.read(got.subarray(n))) ?? got.length;
  clearTimeout(deadline);
  conn.close();
  assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
  const text = await Deno.readTextFile(file);
  assert(!text.includes("s3cr3t") && !text.includes("abc123") && !text.includes("x-host"), text);
  assertStringIncludes(text, "# @needs authorization redacted1\n");
  assertStringIncludes(
    text,
    'send c1 "GET / HTTP/1.1\\r\\nHost: ${host_name}\\r\\nauthorization:  ${authorization}\\r\\nCookie: session=${redacted1}\\r\\n\\r\\n"',
  );
  // the echo's answer is redacted the same way
  assertStringIncludes(
    text,
    'expect c1 "GET / HTTP/1.1\\r\\nHost: ${host_name}\\r\\nauthorization:  ${authorization}',
  );
  // the recording replays as the client once the variables are given…
  await using upAgain = echoServer();
  const vars = [
    "--var",
    "host_name=x-host.example",
    "--var",
    `target=tcp://127.0.0.1:${upAgain.port}`,
    "--var",
    `authorization=${TOKEN}`,
    "--var",
    "redacted1=abc123",
  ];
  const run = await runCli(["run", file, ...vars]);
  assertEquals(run.code, 0, run.stdout + run.stderr);
  // …and the test runner skips it, naming them, when they are not
  const skipped = await runCli(["test", file, "--var", `target=tcp://127.0.0.1:${upAgain.port}`]);
  assertEquals(skipped.code, 0, skipped.stdout);
  assertStringIncludes(skipped.stdout, "needs --var authorization");
});

Deno.test("redact rules: spans, overlaps, binary bytes, bad flags", () => {
  const rules = redactRules(["X-Api-Key"], ["/id=(\\d+)/", "/secret/i"]);
  assertEquals(rules.map((r) => r.variable), ["x_api_key", "redacted1", "redacted2"]);
  const bytes = new TextEncoder().encode("x-api-key: k1 \r\nid=42 SECRET $ \xff\n");
  assertEquals(
    redactedLiteral(bytes, rules),
    '"x-api-key: ${x_api_key} \\r\\nid=${redacted1} ${redacted2} \\$ \u00ff\\n"',
  );
  assertEquals(redactedLiteral(new TextEncoder().encode("nothing here"), rules), undefined);
  assertThrows(() => redactRules(["bad header"], []), UsageError, '"bad header" is not a header');
  assertThrows(() => redactRules([], ["nope"]), UsageError, '"nope" is not a /regex/');
  assertThrows(() => redactRules([], ["/(/"]), UsageError, "invalid regex");
});
