import { assertEquals, assertGreaterOrEqual, assertMatch } from "@std/assert";
import { list, makeFile, runCli, sha256File, spawnCli, tempDir } from "./_helpers.ts";

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Resolves once `path` holds at least `bytes` bytes (checked every 20 ms), or rejects after `ms`. */
async function grownTo(path: string, bytes: number, ms = 30000): Promise<number> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const size = await Deno.stat(path).then((s) => s.size, () => 0);
    if (size >= bytes) return size;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} did not reach ${bytes} bytes`);
}

Deno.test("cli: 1 GiB send-file → recv-file --listen, then killed halfway and resumed", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/big.bin`, GiB);
    const want = await sha256File(`${src}/big.bin`);

    // straight through
    {
      const rx = spawnCli("recv-file", "tcp://127.0.0.1:0", "--listen", "--dir", dst, "--json");
      const addr = await rx.listening;
      const tx = await runCli("send-file", `${src}/big.bin`, addr, "--json");
      const r = await rx.result();
      assertEquals(tx.code, 0, tx.err);
      assertEquals(r.code, 0, r.err);
      const sent = JSON.parse(tx.out), got = JSON.parse(r.out);
      assertEquals(sent.sha256, want);
      assertEquals(got.sha256, want);
      assertEquals(got.size, GiB);
      assertEquals(await sha256File(`${dst}/big.bin`), want);
      console.log(
        `  1 GiB in ${got.seconds.toFixed(2)} s, ${(got.bytesPerSecond / MiB).toFixed(0)} MiB/s`,
      );
      await Deno.remove(`${dst}/big.bin`);
    }

    // the sender is killed after ~300 MiB: the receiver keeps the .part and fails with exit 1
    {
      const rx = spawnCli("recv-file", "tcp://127.0.0.1:0", "--listen", "--dir", dst);
      const addr = await rx.listening;
      const tx = spawnCli("send-file", `${src}/big.bin`, addr);
      await grownTo(`${dst}/.big.bin.part`, 300 * MiB);
      tx.child.kill("SIGKILL");
      await tx.result();
      const r = await rx.result();
      assertEquals(r.code, 1);
      assertMatch(
        r.err,
        /\nwireplay: The connection closed after \d+ of 1073741824 bytes; .*\.big\.bin\.part is kept to resume\n$/,
      );
      assertEquals(await list(dst), [".big.bin.part"]);
    }
    const kept = (await Deno.stat(`${dst}/.big.bin.part`)).size;
    assertGreaterOrEqual(kept, 300 * MiB);

    // run again: it resumes where it stopped, and the file is whole
    {
      const rx = spawnCli("recv-file", "tcp://127.0.0.1:0", "--listen", "--dir", dst, "--json");
      const addr = await rx.listening;
      const tx = await runCli("send-file", `${src}/big.bin`, addr, "--json");
      const r = await rx.result();
      assertEquals(tx.code, 0, tx.err);
      assertEquals(r.code, 0, r.err);
      const got = JSON.parse(r.out);
      assertEquals(got.resumedFrom, kept);
      assertEquals(got.bytes, GiB - kept);
      assertEquals(JSON.parse(tx.out).resumedFrom, kept);
      assertEquals(got.sha256, want);
      assertEquals(await sha256File(`${dst}/big.bin`), want);
      assertEquals(await list(dst), ["big.bin"]);
    }
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});
