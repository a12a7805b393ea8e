/**
 * Issue 17: a recording's bulk binary goes to side files (`rec.d/c1-0001.bin`, named in the
 * `.wire` as `file "…"`), small and text payloads stay inline; the side files are never seen
 * half-written, the recording never names a missing one, and a recording replays exactly
 * (`replay --listen`, `run` from another folder). A recording's `file "…"` stays inside its
 * folder when replayed as a server.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { SIDE_FILE_MAX_BYTES, WireRecorder } from "../../lib/proxy/recorder.ts";
import { openRecordingFile } from "../../lib/proxy/recording_file.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { addSecret, clearSecrets } from "../../lib/secrets/secrets.ts";
import { UsageError } from "../../lib/errors.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { dial, echoServer, freePort, readExactly, startCli, writeAll } from "./_helpers.ts";

const c1 = { id: 1, client: "tcp://127.0.0.1:1000", upstream: "tcp://127.0.0.1:80" };

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

/** Records `events` into `path` through the real file writer; returns the text. */
async function recordInto(
  path: string,
  events: [dir: "up" | "down", bytes: Uint8Array][],
): Promise<string> {
  const file = openRecordingFile(path);
  const r = new WireRecorder({
    upstream: "tcp://127.0.0.1:80",
    write: (t) => file.write(t),
    sideFiles: file.sideFiles,
  });
  r.open(c1);
  for (const [dir, bytes] of events) {
    for (let at = 0; at < bytes.byteLength; at += 64 * 1024) {
      await r.data(c1, dir, bytes.subarray(at, at + 64 * 1024));
    }
  }
  r.close(c1, "closed");
  r.finish();
  await file.close();
  return await Deno.readTextFile(path);
}

Deno.test("side files: bulk binary in files, small and text inline, replayed byte for byte", async () => {
  await using dir = await tempDir();
  const path = dir.join("rec.wire");
  const big = random(SIDE_FILE_MAX_BYTES + 3 * 1024 * 1024); // two side files
  const mid = random(20 * 1024);
  const small = random(300);
  const text = new TextEncoder().encode("line of text\r\n".repeat(3000)); // 42 kB
  const text2 = await recordInto(path, [["up", big], ["down", mid], ["up", small], ["down", text]]);
  const lines = text2.split("\n").filter((l) => /^(send|expect) /.test(l));
  assertEquals(lines.length, 5, text2.slice(0, 2000));
  assertEquals(lines[0], 'send c1 file "rec.d/c1-0001.bin"');
  assertEquals(lines[1], 'send c1 file "rec.d/c1-0002.bin"');
  assertEquals(lines[2], 'expect c1 file "rec.d/c1-0003.bin"');
  assertMatch(lines[3]!, /^send c1 hex "[0-9a-f ]{899}"$/); // 300 bytes
  assertMatch(lines[4]!, /^expect c1 "line of text\\r\\n/);
  assertEquals((await Deno.stat(dir.join("rec.d/c1-0001.bin"))).size, SIDE_FILE_MAX_BYTES);
  const names = [];
  for await (const e of Deno.readDir(dir.join("rec.d"))) names.push(e.name);
  assertEquals(names.sort(), ["c1-0001.bin", "c1-0002.bin", "c1-0003.bin"]); // no temporary file
  const [conn] = await planReplay(text2, path);
  const steps = conn!.steps.filter((s) => s.kind === "receive" || s.kind === "reply");
  assertEquals(steps.map((s) => s.kind), ["receive", "reply", "receive", "reply"]);
  assertEquals(steps[0]!.bytes, big);
  assertEquals(steps[1]!.bytes, mid);
  assertEquals(steps[2]!.bytes, small);
  assertEquals(steps[3]!.bytes, text);
});

Deno.test("side files: a secret inside binary keeps the run inline, written as its name", async () => {
  await using dir = await tempDir();
  const bulk = random(64 * 1024);
  bulk.set(new TextEncoder().encode("hunter2-token"), 30_000);
  addSecret("token", "hunter2-token");
  try {
    const text = await recordInto(dir.join("rec.wire"), [["up", bulk]]);
    assert(!text.includes('file "'), "a side file would hold the secret's value");
    assertStringIncludes(text, "${token}");
    assert(!text.includes("hunter2"));
  } finally {
    clearSecrets();
  }
});

Deno.test("side files: a fresh recording replaces the old one and its side files only once its header is in", async () => {
  await using dir = await tempDir();
  const path = await dir.write("rec.wire", "# the old recording\n");
  await dir.write("rec.d/c1-0001.bin", "old");
  await dir.write("rec.d/.c1-0002.bin.0123abcd.tmp", "torn");
  await dir.write("rec.d/notes.txt", "not ours");
  const file = openRecordingFile(path);
  assertEquals(await Deno.readTextFile(path), "# the old recording\n");
  file.write("# recorded by wireplay record\n");
  assertEquals(await Deno.readTextFile(path), "# recorded by wireplay record\n");
  const left = [];
  for await (const e of Deno.readDir(dir.join("rec.d"))) left.push(e.name);
  assertEquals(left, ["notes.txt"]);
  await file.close();
  const inDir = [];
  for await (const e of Deno.readDir(dir.path)) inDir.push(e.name);
  assertEquals(inDir.sort(), ["rec.d", "rec.wire"]); // no temporary .wire left
});

Deno.test("side files: appending keeps the side files, drops torn temporary ones", async () => {
  await using dir = await tempDir();
  const path = await dir.write("rec.wire", 'send c1 file "rec.d/c1-0001.bin"\n');
  await dir.write("rec.d/c1-0001.bin", "kept");
  await dir.write("rec.d/.c2-0001.bin.0123abcd.tmp", "torn");
  const file = openRecordingFile(path, { append: true });
  file.write("close c1\n");
  await file.close();
  const left = [];
  for await (const e of Deno.readDir(dir.join("rec.d"))) left.push(e.name);
  assertEquals(left, ["c1-0001.bin"]);
  assertEquals(await Deno.readTextFile(path), 'send c1 file "rec.d/c1-0001.bin"\nclose c1\n');
});

Deno.test("side files: a side file that cannot be written is never named, and closing says why", async () => {
  await using dir = await tempDir();
  const path = dir.join("rec.wire");
  await dir.write("rec.d", "a file where the side folder would go");
  const file = openRecordingFile(path);
  const r = new WireRecorder({
    upstream: "tcp://127.0.0.1:80",
    write: (t) => file.write(t),
    sideFiles: file.sideFiles,
  });
  r.open(c1);
  await r.data(c1, "up", random(100 * 1024));
  r.close(c1, "closed");
  r.finish();
  const e = await assertRejects(() => file.close());
  assertStringIncludes((e as Error).message, "rec.d/c1-0001.bin");
  const text = await Deno.readTextFile(path);
  assert(!text.includes('file "'), text);
  assertStringIncludes(text, "connect ${target} as c1");
});

Deno.test("side files: a recording reads only files inside its own folder when replayed", async () => {
  await using dir = await tempDir();
  await dir.write("secret.txt", "not for the network");
  await dir.write("rec/rec.d/c1-0001.bin", "inside");
  await Deno.symlink(dir.join("secret.txt"), dir.join("rec/rec.d/link.bin"));
  const path = dir.join("rec/rec.wire");
  const recording = (file: string) =>
    `connect tcp://127.0.0.1:1 as c1\nsend c1 "x"\nexpect c1 file "${file}"\n`;
  const [ok] = await planReplay(recording("rec.d/c1-0001.bin"), path);
  const reply = ok!.steps.find((s) => s.kind === "reply");
  assertEquals(
    new TextDecoder().decode(reply?.kind === "reply" ? reply.bytes : undefined),
    "inside",
  );
  for (
    const bad of [
      "../secret.txt",
      dir.join("secret.txt"),
      "rec.d/link.bin",
      "rec.d/../../secret.txt",
    ]
  ) {
    const e = await assertRejects(() => planReplay(recording(bad), path), UsageError);
    assertMatch(e.message, /outside the recording's folder/);
    assertMatch((e as UsageError).where ?? "", /rec\.wire:3:/);
  }
});

Deno.test("side files: record, then replay --listen and run (from another folder) play it exactly", async () => {
  await using dir = await tempDir();
  await using echo = echoServer();
  const out = dir.join("rec.wire");
  const port = freePort();
  const request = random(3 * 1024 * 1024);
  {
    await using rec = startCli(
      ["record", "--listen", `tcp://127.0.0.1:${port}`, "--upstream", echo.address, "--out", out],
    );
    await rec.waitFor(/^recording /m);
    const c = await dial(port);
    try {
      await writeAll(c, request);
      await c.closeWrite();
      assertEquals(await readExactly(c, request.byteLength, 20_000), request);
    } finally {
      c.close();
    }
    assertEquals(await rec.stop("SIGINT"), 0, rec.stderr());
  }
  const text = await Deno.readTextFile(out);
  assertMatch(text, /^send c1 file "rec\.d\/c1-\d{4}\.bin"$/m);
  assertMatch(text, /^expect c1 file "rec\.d\/c1-\d{4}\.bin"$/m);
  assert(text.length < 10_000, `${text.length} characters: bulk went inline`);

  // the recording as a server
  const replayPort = freePort();
  {
    await using replay = startCli(["replay", out, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay.waitFor(/^replaying /m);
    const c = await dial(replayPort);
    try {
      await writeAll(c, request);
      await c.closeWrite();
      assertEquals(await readExactly(c, request.byteLength, 20_000), request);
    } finally {
      c.close();
    }
    assertEquals(await replay.status(), 0, replay.stderr());
  }
  // the recording as a client, run from another folder against the echo server
  const run = await runCli(["run", out, "--var", `target=${echo.address}`], { cwd: "/" });
  assertEquals(run.code, 0, run.stderr + run.stdout);
});
