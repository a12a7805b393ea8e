import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { list, makeFile, runCli, sha256File, spawnCli, tempDir } from "./_helpers.ts";

const MiB = 1024 * 1024;

Deno.test("cli: the sender listens and the receiver connects; empty file; text summary", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeFile(`${src}/empty.txt`, new Uint8Array());
    const tx = spawnCli("send-file", `${src}/empty.txt`, "127.0.0.1:0", "--listen");
    const addr = await tx.listening;
    const r = await runCli("recv-file", addr, "--dir", dst);
    const t = await tx.result();
    assertEquals(r.code, 0, r.err);
    assertEquals(t.code, 0, t.err);
    assertMatch(
      r.out,
      /^received empty\.txt \(0 B, sha256 e3b0c442\w+\) into .*empty\.txt from tcp:\/\/127\.0\.0\.1:\d+ in /,
    );
    assertMatch(t.out, /^sent empty\.txt \(0 B, sha256 e3b0c442/);
    assertEquals(r.err, "", "quiet when piped: no progress");
    assertEquals(await list(dst), ["empty.txt"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("cli: over TLS with the listener's self-signed certificate", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/t.bin`, 3 * MiB);
    const rx = spawnCli("recv-file", "tls://127.0.0.1:0", "--listen", "--dir", dst, "--json");
    const addr = await rx.listening;
    assert(addr.startsWith("tls://"));
    const certPath = (await rx.output(/certificate: (\S+)\n/))[1]!;
    const untrusted = await runCli("send-file", `${src}/t.bin`, addr, "--json");
    assertEquals(untrusted.code, 1, "a certificate that is not trusted is refused");
    const trusted = await runCli("send-file", `${src}/t.bin`, addr, "--ca", certPath, "--json");
    assertEquals(trusted.code, 0, trusted.err);
    const r = await rx.result();
    assertEquals(r.code, 0, r.err);
    assertEquals(JSON.parse(r.out).sha256, await sha256File(`${src}/t.bin`));
    assertEquals(
      await Deno.stat(certPath).then(() => true, () => false),
      false,
      "temporary certificate removed",
    );

    const rx2 = spawnCli(
      "recv-file",
      "tls://127.0.0.1:0",
      "--listen",
      "--dir",
      dst,
      "--force",
      "--json",
    );
    const insecure = await runCli(
      "send-file",
      `${src}/t.bin`,
      await rx2.listening,
      "--insecure",
      "--json",
    );
    assertEquals(insecure.code, 0, insecure.err);
    assertEquals((await rx2.result()).code, 0);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("cli: no overwrite without --force; bad input is a one-line usage error", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/f.txt`, "new");
    await Deno.writeTextFile(`${dst}/f.txt`, "old");
    const rx = spawnCli("recv-file", "127.0.0.1:0", "--listen", "--dir", dst);
    const addr = await rx.listening;
    const tx = await runCli("send-file", `${src}/f.txt`, addr, "--json");
    const r = await rx.result();
    assertEquals(tx.code, 1);
    assertEquals(r.code, 1);
    const failure = JSON.parse(tx.out);
    assertEquals([failure.ok, failure.error], [false, "refused"]);
    assertStringIncludes(tx.err, "--force");
    assertEquals(tx.err.trim().split("\n").length, 1);
    assertEquals(await Deno.readTextFile(`${dst}/f.txt`), "old");

    for (
      const [args, where] of [
        [["recv-file", "127.0.0.1:1"], "--dir"],
        [["recv-file", "tpc://x:1", "--dir", dst], "address"],
        [["send-file", `${src}/missing`, "127.0.0.1:1"], "file"],
        [["send-file", `${src}/f.txt`, "127.0.0.1:1", "--timeout", "soon"], "--timeout"],
        [["recv-file", "127.0.0.1:1", "--dir", `${src}/f.txt`], "--dir"],
      ] as const
    ) {
      const res = await runCli(...args);
      assertEquals(res.code, 2, `${args.join(" ")}: ${res.err}`);
      assert(!res.err.includes("    at "), `stack trace for ${args.join(" ")}`);
      assertStringIncludes(res.err, where);
    }
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("cli: serve files receives concurrent send-files and keeps serving", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    const names = ["a.bin", "b.bin", "c.bin", "d.bin"];
    await Promise.all(names.map((n, i) => makeFile(`${src}/${n}`, (i + 1) * MiB)));
    const server = spawnCli("serve", "files", "tcp://127.0.0.1:0", "--dir", dst, "--log");
    const addr = await server.listening;
    const results = await Promise.all(
      names.map((n) => runCli("send-file", `${src}/${n}`, addr, "--json")),
    );
    for (const [i, r] of results.entries()) {
      assertEquals(r.code, 0, r.err);
      assertEquals(JSON.parse(r.out).sha256, await sha256File(`${dst}/${names[i]}`));
    }
    const again = await runCli("send-file", `${src}/a.bin`, addr, "--name", "../../again.bin");
    assertEquals(again.code, 0, again.err);
    assertEquals(await list(dst), ["a.bin", "again.bin", "b.bin", "c.bin", "d.bin"]);
    server.child.kill("SIGINT");
    const s = await server.result();
    assertEquals(s.code, 0, s.err);
    assertEquals(s.err.split("\n").filter((l) => l.startsWith("files: received")).length, 5);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("cli: a peer that connects and stalls is dropped after --timeout; the real sender that follows is received", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/after.bin`, 64 * 1024);
    const rx = spawnCli("recv-file", "127.0.0.1:0", "--listen", "--dir", dst, "--timeout", "300ms");
    const addr = await rx.listening;
    const port = Number(addr.split(":").pop());
    const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await rx.output(/ignored a connection from \S+: sent nothing within 300ms/);
      const tx = await runCli("send-file", `${src}/after.bin`, addr);
      assertEquals(tx.code, 0, tx.err);
      const r = await rx.result();
      assertEquals(r.code, 0, r.err);
    } finally {
      stalled.close();
    }
    assertEquals(await list(dst), ["after.bin"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});
