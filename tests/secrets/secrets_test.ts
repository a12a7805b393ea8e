import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";
import { clearSecrets, maskScript, maskSecrets } from "../../lib/secrets/secrets.ts";
import { addSecret } from "../../lib/secrets/secrets.ts";
import { parseScript, ScriptSyntaxError } from "../../lib/script/parser.ts";
import type { SecretNode } from "../../lib/script/grammar/secrets.ts";
import { fails, passes } from "../helpers/wire.ts";
import { assertThrows } from "@std/assert";

/** The secret: characters that every output escapes differently (display, JSON, HTML). */
const VALUE = 's3cr3t-<&>"q';
/** What must appear in no artifact, in any escaping. */
const NEEDLE = "s3cr3t";

/** A script that uses the secret in a failing exchange, through a recording proxy. */
function script(recording: string): string {
  return `secret env WP_TEST_TOKEN
serve echo tcp://127.0.0.1:0 as e
proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:\${e.port} as p record ${recording}
connect tcp://127.0.0.1:\${p.port} as c
send c "Authorization: Bearer \${WP_TEST_TOKEN}\\r\\n"
expect c line "Authorization: Bearer \${WP_TEST_TOKEN}"
print "the token is \${WP_TEST_TOKEN}"
send c "again \${WP_TEST_TOKEN}\\r\\n"
expect c line "again nope"
`;
}

function clean(what: string, text: string): void {
  assert(!text.includes(NEEDLE), `${what} shows the secret:\n${text}`);
}

Deno.test("secrets: a secret in a failing exchange appears in no reporter, trace or file", async (t) => {
  await using dir = await tempDir();
  const env = { WP_TEST_TOKEN: VALUE };
  for (const reporter of ["pretty", "tap", "junit", "json", "html"]) {
    await t.step(reporter, async () => {
      const rec = dir.join(`${reporter}.rec.wire`);
      const file = await dir.write(`${reporter}.wire`, script(rec));
      const out = dir.join(`report.${reporter}`);
      for (const args of [["--reporter", reporter], ["--reporter", reporter, "--out", out]]) {
        const r = await runCli(["test", file, ...args], { env });
        assertEquals(r.code, 1, r.stderr + r.stdout);
        clean(`${reporter} stdout`, r.stdout);
        clean(`${reporter} stderr`, r.stderr);
      }
      const report = await Deno.readTextFile(out);
      assertStringIncludes(report, "***");
      clean(`${reporter} report`, report);
      const recorded = await Deno.readTextFile(rec);
      clean("recording", recorded);
      assertStringIncludes(recorded, "${WP_TEST_TOKEN}");
    });
  }
  await t.step("run --trace and run --json", async () => {
    const file = await dir.write("run.wire", script(dir.join("run.rec.wire")));
    const trace = dir.join("t.html");
    const r = await runCli(["run", file, "--trace", trace], { env });
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stdout, "the token is ***");
    assertStringIncludes(r.stderr, 'received:  "again ***');
    clean("run stdout", r.stdout);
    clean("run stderr", r.stderr);
    const html = await Deno.readTextFile(trace);
    assertStringIncludes(html, "Bearer ***");
    clean("trace", html);
    const j = await runCli(["run", file, "--json"], { env });
    assertEquals(j.code, 1);
    clean("run --json", j.stdout + j.stderr);
  });
  await t.step("--update writes ${NAME}, never the value", async () => {
    const file = await dir.write(
      "update.wire",
      `secret env WP_TEST_TOKEN
serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c "token=\${WP_TEST_TOKEN};\\n"
expect c "stale\\n"
`,
    );
    const r = await runCli(["test", file, "--update"], { env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    clean("update output", r.stdout + r.stderr);
    const text = await Deno.readTextFile(file);
    clean("updated script", text);
    assertStringIncludes(text, 'expect c "token=${WP_TEST_TOKEN};\\n"');
    const again = await runCli(["test", file], { env });
    assertEquals(again.code, 0, again.stdout);
  });
});

Deno.test("secrets: --secret on run; the REPL display, :vars and :save never show it", async () => {
  await using dir = await tempDir();
  const saved = dir.join("saved.wire");
  const lines = [
    `secret token = "${VALUE.replaceAll('"', '\\"')}"`,
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    'send c "key ${token}\\n"',
    'expect c line "key ${token}"',
    'print "${token}"',
    ":vars",
    `:save ${saved}`,
    'expect c line "nothing" within 100ms',
  ];
  const r = await runCli(["repl", "--echo"].slice(0, 1), { stdin: lines.join("\n") + "\n" });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  clean("REPL stdout", r.stdout);
  clean("REPL stderr", r.stderr);
  assertStringIncludes(r.stdout, "***");
  const text = await Deno.readTextFile(saved);
  clean(":save", text);
  assertStringIncludes(text, "secret token\n");
  assertStringIncludes(text, 'send c "key ${token}\\n"');
  // the saved test replays when the secret is given, and says what it needs otherwise
  const ok = await runCli(["run", saved, "--secret", `token=${VALUE}`]);
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  clean("replay", ok.stdout + ok.stderr);
  const missing = await runCli(["run", saved]);
  assertEquals(missing.code, 1);
  assertStringIncludes(missing.stderr, 'secret "token" has no value: pass --secret token=VALUE');
});

Deno.test("secrets: parsing, with positions", () => {
  const s = parseScript('secret a = "x"\nsecret env HOME\nsecret b\nsecret env = "y"\n', "s.wire");
  const [a, b, c, d] = s.statements as SecretNode[];
  assertEquals([a!.name, "value" in a!.from], ["a", true]);
  assertEquals([b!.name, "env" in b!.from], ["HOME", true]);
  assertEquals([c!.name, "given" in c!.from], ["b", true]);
  assertEquals([d!.name, "value" in d!.from], ["env", true]);
  const cases: [string, string, number][] = [
    ["secret", "expected secret name", 7],
    ["secret 1x", '"1x" is not a valid secret name (letters, digits, _ and -)', 8],
    ["secret a b", 'expected "=" after the secret name, found "b"', 10],
    ["secret a =", "expected the secret's value", 11],
    ['secret a = "x" y', 'unexpected "y"', 16],
    [
      "secret env 1X",
      '"1X" is not a valid environment variable name (letters, digits, _ and -)',
      12,
    ],
  ];
  for (const [line, message, col] of cases) {
    const e = assertThrows(() => parseScript(line, "s.wire"), ScriptSyntaxError);
    assert(e.message.startsWith(message), e.message);
    assertEquals(e.where, `s.wire:1:${col}`, e.message);
  }
});

Deno.test("secrets: in-process failures and the masking function", async () => {
  try {
    const f = await fails('secret t = "hunter2"\nassert "${t}" == "other"\n');
    assertEquals(maskSecrets(f.message).includes("hunter2"), false);
    assertStringIncludes(maskSecrets(f.message), '"***"');
    const g = await fails("secret env WP_SURELY_UNSET_VAR\n");
    assertEquals(g.reason, "the environment variable WP_SURELY_UNSET_VAR is not set");
    await passes('secret t = "vvvv"\nassert "${t}" == "vvvv"\n');
    addSecret("k", 'a"b\n');
    assertEquals(maskSecrets('x a"b\n a\\"b\\n a\\\\\\"b\\\\n'), "x *** *** ***");
    assertEquals(maskScript('secret k = "a\\"b\\n"\nsend c "a\\"b\\n"'), 'secret k\nsend c "${k}"');
  } finally {
    clearSecrets();
  }
});
