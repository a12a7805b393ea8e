/**
 * Secrets where a plain text mask cannot see them: cut between two received chunks (the
 * REPL's live output, `--trace`, recordings), inside binary data (hex dumps), in results
 * read through mod.ts, and secrets too short to mask.
 */
import { assert, assertEquals, assertInstanceOf, assertStringIncludes } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";
import {
  addSecret,
  clearSecrets,
  maskSecretBytes,
  SecretStreamMask,
} from "../../lib/secrets/secrets.ts";
import { MAX_STATEMENT_BYTES, WireRecorder } from "../../lib/proxy/recorder.ts";
import { openRecordingFile } from "../../lib/proxy/recording_file.ts";
import type { TapConnection } from "../../lib/proxy/tap.ts";
import { ExpectationError, runWire } from "../../mod.ts";
import { UsageError } from "../../lib/errors.ts";

const VALUE = "hunter2-XYZ";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The secret's bytes as a hex dump writes them, spaces ignored. */
const HEX = [...enc.encode(VALUE)].map((b) => b.toString(16).padStart(2, "0")).join("");

function clean(what: string, text: string): void {
  assert(!text.includes(VALUE), `${what} shows the secret:\n${text}`);
  assert(!text.replace(/\s/g, "").includes(HEX), `${what} shows the secret in hex:\n${text}`);
}

/** A proxy slicing the answers to one byte each: every secret arrives cut. */
const SLICED = "slice 1 down slice-delay 2ms down";

Deno.test("secrets: the stream mask masks a secret cut at any place, and holds back no more than it must", () => {
  try {
    addSecret("t", VALUE);
    addSecret("u", "hunter2-XYZ-longer");
    addSecret("v", "Z-longer!"); // overlaps the end of both
    const data = enc.encode(
      `a hunter2-XY ${VALUE}\x00${VALUE}hunter2-XYZ-longer z hunter2-XYZ-longer! Z-longer! hunt`,
    );
    const whole = dec.decode(maskSecretBytes(data));
    assertEquals(whole, "a hunter2-XY ***\x00****** z ***! *** hunt");
    for (let size = 1; size <= data.byteLength; size++) {
      const mask = new SecretStreamMask();
      let shown = "";
      for (let at = 0; at < data.byteLength; at += size) {
        shown += dec.decode(mask.push(data.subarray(at, at + size)));
      }
      // what is still held back is only the start of a secret
      assert(mask.holding);
      assertEquals(shown + dec.decode(mask.flush()), whole, `chunks of ${size}`);
    }
    // bytes that cannot start a secret are shown at once
    const mask = new SecretStreamMask();
    assertEquals(dec.decode(mask.push(enc.encode("plain text\n"))), "plain text\n");
    assertEquals(mask.holding, false);
    // a stream repeating a secret's bytes is shown as it comes, never more than a few held
    addSecret("r", "aaaa");
    const repeated = new SecretStreamMask();
    let shown = "";
    for (let i = 1; i <= 1000; i++) {
      shown += dec.decode(repeated.push(enc.encode("a")));
      assert(shown.length >= Math.floor(i / 4) * 3, `held back too much after ${i} bytes`);
    }
    assertEquals(shown + dec.decode(repeated.flush()), "***".repeat(250));
  } finally {
    clearSecrets();
  }
});

Deno.test("secrets: a secret inside binary data is masked in the failure's hex dump", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "binary.wire",
    `secret env WP_TEST_TOKEN
serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c "\\x00\\x01\${WP_TEST_TOKEN}\\xff\\x02"
expect c "nope" within 300ms
`,
  );
  for (const args of [["run", file], ["test", file, "--reporter", "json"]]) {
    const r = await runCli(args, { env: { WP_TEST_TOKEN: VALUE } });
    assertEquals(r.code, 1, r.stderr + r.stdout);
    clean(args[0]!, r.stdout + r.stderr);
  }
  const r = await runCli(["run", file], { env: { WP_TEST_TOKEN: VALUE } });
  assertStringIncludes(r.stderr, "00 01 2a 2a 2a ff 02");
});

Deno.test("secrets: a secret inside a binary HTTP body is masked in its hex dump (display and failure)", async () => {
  await using dir = await tempDir();
  const lines = [
    "secret env WP_TEST_TOKEN",
    "serve http http://127.0.0.1:0 as api",
    'route api GET /bin 200 "\\x00\\x01\\x02${WP_TEST_TOKEN}\\xff"',
    "http GET ${api.url}/bin as u",
    "expect status 201",
  ];
  const file = await dir.write("http.wire", lines.join("\n") + "\n");
  const r = await runCli(["run", file], { env: { WP_TEST_TOKEN: VALUE } });
  assertEquals(r.code, 1, r.stderr + r.stdout);
  assertStringIncludes(r.stderr, "00 01 02 2a 2a 2a");
  clean("HTTP failure", r.stdout + r.stderr);
  const repl = await runCli(["repl"], {
    env: { WP_TEST_TOKEN: VALUE },
    stdin: lines.slice(0, 4).join("\n") + "\n",
  });
  assertEquals(repl.code, 0, repl.stdout + repl.stderr);
  assertStringIncludes(repl.stdout, "00 01 02 2a 2a 2a");
  clean("REPL HTTP display", repl.stdout + repl.stderr);
});

Deno.test("secrets: a secret arriving one byte at a time is masked in --trace and the REPL's live output", async () => {
  await using dir = await tempDir();
  const env = { WP_TEST_TOKEN: VALUE };
  const lines = [
    "secret env WP_TEST_TOKEN",
    "serve echo tcp://127.0.0.1:0 as e",
    `proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:\${e.port} as p ${SLICED}`,
    "connect tcp://127.0.0.1:${p.port} as c",
    'send c "Bearer ${WP_TEST_TOKEN}\\r\\n"',
    'expect c line "Bearer ${WP_TEST_TOKEN}"',
    'send c "\\x00\\x01${WP_TEST_TOKEN}\\xff\\n"',
    'expect c line "\\x00\\x01${WP_TEST_TOKEN}\\xff"',
  ];
  const file = await dir.write("sliced.wire", lines.join("\n") + "\n");
  const trace = dir.join("trace.html");
  const run = await runCli(["run", file, "--trace", trace], { env });
  assertEquals(run.code, 0, run.stderr + run.stdout);
  const html = await Deno.readTextFile(trace);
  // the arrows' labels, joined: what a reader of the diagram can put together
  const labels = [...html.matchAll(/<text class="label">(.*?)<\/text>/g)].map((m) =>
    m[1]!.replace(/<\/?tspan[^>]*>/g, "")
  );
  assert(labels.length > 20, `the answers arrived in pieces: ${labels.length} arrows`);
  clean("trace", html);
  clean("trace labels joined", labels.join(""));
  assertStringIncludes(labels.join(""), "Bearer ***\\r\\n");

  const repl = await runCli(["repl"], {
    env,
    stdin: [...lines, ":hex on", ...lines.slice(4)].join("\n") + "\n",
  });
  assertEquals(repl.code, 0, repl.stdout + repl.stderr);
  clean("REPL output", repl.stdout + repl.stderr);
  const shown = [...repl.stdout.matchAll(/^c < (.*)$/gm)].map((m) => m[1]).join("");
  assert(shown.length > 0, repl.stdout);
  clean("REPL live lines joined", shown);
  assertStringIncludes(shown, "Bearer ***\\r\\n");
  // the hex dumps of the same data (:hex on), joined
  const dumped = [...repl.stdout.matchAll(/^ {2}[0-9a-f]{8} {2}(.*?) \|/gm)].map((m) => m[1])
    .join("");
  assert(dumped.length > 0, repl.stdout);
  clean("REPL hex dumps joined", dumped);
});

const conn = (id: number): TapConnection => ({
  id,
  client: "tcp://127.0.0.1:1",
  upstream: "tcp://127.0.0.1:9",
});

/** A recording file written the way `record` and `proxy … record` write it. */
function recording(path: string, onWrite = () => {}) {
  const file = openRecordingFile(path);
  return {
    write: (t: string) => {
      file.write(t);
      onWrite();
    },
    close: () => file.close(),
  };
}

Deno.test("secrets: a recording writes a secret cut between two pieces as ${NAME}", async () => {
  await using dir = await tempDir();
  try {
    addSecret("token", VALUE);
    // cut by the idle flush: the first piece is written while the second is on its way
    let written: () => void = () => {};
    const file = recording(dir.join("idle.wire"), () => written());
    const recorder = new WireRecorder({
      upstream: "tcp://127.0.0.1:9",
      idleFlushMs: 1,
      write: file.write,
    });
    const wrote = () => new Promise<void>((resolve) => (written = resolve));
    recorder.open(conn(1));
    let next = wrote();
    recorder.data(conn(1), "up", enc.encode("Bearer hunt"));
    await next; // "Bearer " is written by the idle flush; "hunt" may be a secret's start
    next = wrote();
    recorder.data(conn(1), "up", enc.encode("er2-XYZ\r\n"));
    await next;
    recorder.finish();
    file.close();
    const text = await Deno.readTextFile(dir.join("idle.wire"));
    assertStringIncludes(text, 'send c1 "Bearer "\nsend c1 "${token}\\r\\n"');
    clean("recording", text);

    // cut by the statement size limit
    const large = recording(dir.join("large.wire"));
    const sized = new WireRecorder({ upstream: "tcp://127.0.0.1:9", write: large.write });
    sized.open(conn(1));
    sized.data(conn(1), "down", enc.encode("x".repeat(MAX_STATEMENT_BYTES - 4) + VALUE));
    sized.finish();
    large.close();
    const big = await Deno.readTextFile(dir.join("large.wire"));
    clean("large recording", big);
    assertStringIncludes(big, '${token}"');
  } finally {
    clearSecrets();
  }
});

Deno.test("secrets: binary data holding a secret is recorded as a string with ${NAME}, never as hex", async () => {
  await using dir = await tempDir();
  try {
    addSecret("token", VALUE);
    const file = recording(dir.join("binary.wire"));
    const recorder = new WireRecorder({ upstream: "tcp://127.0.0.1:9", write: file.write });
    recorder.open(conn(1));
    const bytes = new Uint8Array(2048).map((_, i) => i % 7);
    bytes.set(enc.encode(VALUE), 1000);
    recorder.data(conn(1), "up", bytes);
    recorder.finish();
    file.close();
    const text = await Deno.readTextFile(dir.join("binary.wire"));
    clean("binary recording", text);
    assertStringIncludes(text, "${token}");
  } finally {
    clearSecrets();
  }
});

Deno.test("secrets: runWire results (print output, failure message, reason) are masked", async () => {
  try {
    const r = await runWire(`secret t = "${VALUE}"\nprint "t=\${t}"\n`);
    assertEquals(r.output, ["t=***"]);
    let failure: unknown;
    try {
      await runWire(`secret t = "${VALUE}"\nassert "\${t}" == "other"\n`);
    } catch (e) {
      failure = e;
    }
    assertInstanceOf(failure, ExpectationError);
    clean("failure message", failure.message);
    clean("failure reason", failure.reason);
    clean("failure render", failure.render());
    assertStringIncludes(failure.message, "***");
  } finally {
    clearSecrets();
  }
});

Deno.test("secrets: a secret shorter than 4 bytes is refused with where it was given", async () => {
  await using dir = await tempDir();
  const file = await dir.write("short.wire", 'print "hi"\nsecret pin =  "abc"\n');
  const r = await runCli(["run", file]);
  assertEquals(r.code, 2, r.stdout + r.stderr);
  assertEquals(
    r.stderr.trim(),
    `wireplay: ${file}:2:15: secret "pin" is 3 bytes long: a secret needs at least 4 (a shorter one would mask those characters everywhere)`,
  );
  const flag = await runCli(["run", file, "--secret", "pin=ab"]);
  assertEquals(flag.code, 2);
  assertEquals(flag.stderr.trim().split("\n").length, 1, flag.stderr);
  assert(flag.stderr.startsWith('wireplay: --secret: secret "pin" is 2 bytes long'), flag.stderr);
  const envFile = await dir.write("env.wire", "secret env WP_SHORT\n");
  const fromEnv = await runCli(["run", envFile], { env: { WP_SHORT: "x" } });
  assertEquals(fromEnv.code, 2);
  assert(
    fromEnv.stderr.startsWith(`wireplay: ${envFile}:1:1: secret "WP_SHORT" is 1 byte long`),
    fromEnv.stderr,
  );
  try {
    let thrown: unknown;
    try {
      addSecret("k", "é"); // 2 bytes in UTF-8
    } catch (e) {
      thrown = e;
    }
    assertInstanceOf(thrown, UsageError);
    addSecret("k", "ok!!"); // 4 bytes: accepted
    addSecret("empty", ""); // nothing to hide: accepted, not registered
  } finally {
    clearSecrets();
  }
});

Deno.test("secrets: the REPL shows the start of a secret that never completes once the connection is quiet", async () => {
  const lines = [
    "secret env WP_TEST_TOKEN",
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    'send c "say hunt"',
    'expect c "say hunt"',
    "sleep 1s",
    'print "after the pause"',
  ];
  const r = await runCli(["repl"], {
    env: { WP_TEST_TOKEN: VALUE },
    stdin: lines.join("\n") + "\n",
  });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  // "hunt" may start the secret: held back, then shown while the script sleeps
  const held = r.stdout.indexOf("c < hunt");
  assert(held !== -1 && held < r.stdout.indexOf("after the pause"), r.stdout);
  assertStringIncludes(r.stdout, "c < say \n");
});
