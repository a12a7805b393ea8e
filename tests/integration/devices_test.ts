/**
 * Issue 18.11: a file the user names that is a device or a FIFO is refused with one line,
 * never read forever or waited on; the size limit counts the bytes actually read.
 */
import { assertEquals, assertFalse, assertMatch } from "@std/assert";
import { output } from "../helpers/process.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** Runs `cli.ts ARGS` (stdin from `input`); killed, and failing, if it takes over 20 s. */
async function cli(args: string[], input = "") {
  const r = await output(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: input,
    env: { NO_COLOR: "1" },
    deadlineMs: 20_000,
  });
  const dec = new TextDecoder();
  return { code: r.code, signal: r.signal, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function withFifo(fn: (fifo: string, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "wireplay-test-" });
  try {
    const fifo = `${dir}/fifo`;
    const r = await output("mkfifo", { args: [fifo] });
    assertEquals(r.code, 0, "mkfifo");
    await fn(fifo, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test('devices: send c file "/dev/zero" and a FIFO fail the statement at once', async () => {
  await withFifo(async (fifo, dir) => {
    for (const path of ["/dev/zero", fifo]) {
      await Deno.writeTextFile(
        `${dir}/s.wire`,
        `serve discard tcp://127.0.0.1:0 as d\nconnect tcp://127.0.0.1:\${d.port} as c\nsend c file "${path}"\n`,
      );
      const r = await cli(["run", `${dir}/s.wire`]);
      assertEquals(r.signal, null, `${path}: killed at the deadline`);
      assertEquals(r.code, 1, r.err);
      assertMatch(r.err, /s\.wire:3: .*(character device|FIFO), not a regular file/);
      assertFalse(r.err.includes("    at "), "no stack trace");
    }
  });
});

Deno.test("devices: run, test, :load and --ca refuse a device or a FIFO with one line", async () => {
  await withFifo(async (fifo) => {
    for (const path of ["/dev/zero", fifo]) {
      const run = await cli(["run", path]);
      assertEquals(run.code, 2, run.err);
      assertMatch(run.err, /not a regular file/);
      const test = await cli(["test", path]);
      assertEquals(test.code, 2, test.out + test.err);
      assertMatch(test.err, /not a regular file/);
      const load = await cli(["repl", "--no-history"], `:load ${path}\n`);
      assertMatch(load.err + load.out, /:load: cannot read .*not a regular file/);
      const ping = await cli(["ping", "tcp://127.0.0.1:9", "--tls", "--ca", path, "--count", "1"]);
      assertEquals(ping.code, 2, ping.err);
      assertMatch(ping.err, /^wireplay: --ca: .*not a regular file\n$/);
      const sendFile = await cli(["send-file", path, "127.0.0.1:9"]);
      assertEquals(sendFile.code, 2, sendFile.err);
    }
  });
});

Deno.test("devices: the size limit counts the bytes read, not what stat says", async () => {
  // /proc files report size 0 and hold more (reading /proc takes --allow-all: a child does it)
  const reader = new URL("../../lib/fs/read_file.ts", import.meta.url).href;
  const code = `import { readUserFile } from "${reader}";
    for (const max of [16, 1048576]) {
      try { const b = await readUserFile("/proc/self/status", max); console.log("read", b.length); }
      catch (e) { console.log(e.name, e.message); }
    }`;
  const r = await output(Deno.execPath(), { args: ["eval", "--quiet", code], deadlineMs: 20_000 });
  const out = new TextDecoder().decode(r.stdout);
  assertMatch(
    out,
    /^FileReadError "\/proc\/self\/status" is larger than the limit of 16 B\nread \d{3,}\n$/,
  );
});
