import {
  assert,
  assertEquals,
  assertGreater,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { TransferError } from "../../lib/transfer/errors.ts";
import { connectTransfer } from "../../lib/transfer/net.ts";
import { REFUSE } from "../../lib/transfer/protocol.ts";
import { receiveFile } from "../../lib/transfer/receive.ts";
import { sendFile } from "../../lib/transfer/send.ts";
import { serveFiles } from "../../lib/transfer/serve_files.ts";
import { failed, list, makeFile, ok, sha256File, tamperProxy, tempDir } from "./_helpers.ts";

/** Sends `path` to a one-shot in-process receiver on loopback; returns both outcomes. */
async function transfer(
  path: string,
  dir: string,
  opts: {
    name?: string;
    force?: boolean;
    inlineHash?: boolean;
    blockingFileIo?: boolean;
    viaPort?: (port: number) => number;
  } = {},
) {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received = (async () => {
    const conn = await listener.accept();
    try {
      return await receiveFile(conn, {
        dir,
        force: opts.force,
        inlineHash: opts.inlineHash,
        blockingFileIo: opts.blockingFileIo,
      });
    } finally {
      conn.close();
    }
  })();
  const port = opts.viaPort ? opts.viaPort(listener.addr.port) : listener.addr.port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sent = sendFile(conn, path, {
    name: opts.name,
    inlineHash: opts.inlineHash,
    blockingFileIo: opts.blockingFileIo,
  }).finally(() => conn.close());
  const [s, r] = await Promise.allSettled([sent, received]);
  return { sent: s, received: r };
}

Deno.test("transfer: a file arrives whole with its SHA-256; an empty file too", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/data.bin`, 5 * 1024 * 1024 + 123);
    const { sent, received } = await transfer(`${src}/data.bin`, dst);
    const s = ok(sent), r = ok(received);
    const want = await sha256File(`${src}/data.bin`);
    assertEquals(s.sha256, want);
    assertEquals(r.sha256, want);
    assertEquals(await sha256File(`${dst}/data.bin`), want);
    assertEquals(r.size, 5 * 1024 * 1024 + 123);
    assertEquals(r.resumedFrom, 0);
    assertEquals(await list(dst), ["data.bin"]);

    await Deno.writeFile(`${src}/empty`, new Uint8Array());
    const e = await transfer(`${src}/empty`, dst);
    assertEquals(
      ok(e.received).sha256,
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assertEquals((await Deno.stat(`${dst}/empty`)).size, 0);
    assertEquals(await list(dst), ["data.bin", "empty"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: names with paths are reduced to the base name; empty and .. are refused", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/f`, "payload");
    for (
      const [offered, lands] of [["../../escape.txt", "escape.txt"], ["/etc/passwd", "passwd"], [
        "a\\b\\win.txt",
        "win.txt",
      ]]
    ) {
      const { received } = await transfer(`${src}/f`, dst, { name: offered });
      assertEquals(ok(received).name, lands);
      assertEquals(await Deno.readTextFile(`${dst}/${lands}`), "payload");
    }
    for (const offered of ["..", "x/..", "dir/", "bad\nname"]) {
      const { sent, received } = await transfer(`${src}/f`, dst, { name: offered });
      assertEquals(failed(sent).kind, "refused");
      assertEquals(failed(sent).code, REFUSE.badName);
      assertEquals(failed(received).kind, "refused");
    }
    assertEquals(await list(dst), ["escape.txt", "passwd", "win.txt"]);
    assertEquals(await list(`${dst}/..`).then((l) => l.includes("escape.txt")), false);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: an existing file is not overwritten without force", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/f.txt`, "new");
    await Deno.writeTextFile(`${dst}/f.txt`, "old");
    const { sent } = await transfer(`${src}/f.txt`, dst);
    const e = failed(sent);
    assertEquals(e.kind, "refused");
    assertEquals(e.code, REFUSE.exists);
    assertStringIncludes(e.message, "--force");
    assertEquals(await Deno.readTextFile(`${dst}/f.txt`), "old");
    assertEquals(await list(dst), ["f.txt"]);
    ok((await transfer(`${src}/f.txt`, dst, { force: true })).received);
    assertEquals(await Deno.readTextFile(`${dst}/f.txt`), "new");
    assertEquals(await list(dst), ["f.txt"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: a byte flipped on the way is detected and nothing is left in DIR", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/f.bin`, 3 * 1024 * 1024);
    let proxy: AsyncDisposable | undefined;
    const { sent, received } = await transfer(`${src}/f.bin`, dst, {
      viaPort: (port) => {
        const p = tamperProxy(port, { flipAt: 1_000_000 });
        proxy = p;
        return p.port;
      },
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(sent).kind, "verify");
    assertEquals(failed(received).kind, "verify");
    assertStringIncludes(failed(received).message, "SHA-256 mismatch");
    assertEquals(await list(dst), []);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: cut off midway, the .part is kept and the next run resumes from it", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    const size = 8 * 1024 * 1024;
    await makeFile(`${src}/f.bin`, size);
    let proxy: AsyncDisposable | undefined;
    const cut = await transfer(`${src}/f.bin`, dst, {
      viaPort: (port) => {
        const p = tamperProxy(port, { cutAfter: 3 * 1024 * 1024 });
        proxy = p;
        return p.port;
      },
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(cut.received).kind, "interrupted");
    assertEquals(failed(cut.sent).kind, "interrupted");
    assertEquals(await list(dst), [".f.bin.part"]);
    const kept = (await Deno.stat(`${dst}/.f.bin.part`)).size;
    assertGreater(kept, 2 * 1024 * 1024);

    const again = await transfer(`${src}/f.bin`, dst);
    const r = ok(again.received);
    assertEquals(r.resumedFrom, kept);
    assertEquals(r.bytes, size - kept);
    assertEquals(ok(again.sent).resumedFrom, kept);
    assertEquals(await sha256File(`${dst}/f.bin`), await sha256File(`${src}/f.bin`));
    assertEquals(await list(dst), ["f.bin"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: a .part from a different file is not trusted: the transfer restarts at 0", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/f.bin`, 2 * 1024 * 1024);
    await makeFile(`${dst}/.f.bin.part`, 1024 * 1024); // other random content
    const r = ok((await transfer(`${src}/f.bin`, dst)).received);
    assertEquals(r.resumedFrom, 0);
    assertEquals(await sha256File(`${dst}/f.bin`), await sha256File(`${src}/f.bin`));
    assertEquals(await list(dst), ["f.bin"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: concurrent senders to one serve-files receiver, over TLS", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await using server = await serveFiles({ address: "tls://127.0.0.1:0", dir: dst });
    const names = Array.from({ length: 8 }, (_, i) => `file${i}.bin`);
    await Promise.all(names.map((n, i) => makeFile(`${src}/${n}`, (i + 1) * 512 * 1024 + i)));
    const results = await Promise.all(names.map(async (n) => {
      const { conn } = await connectTransfer(parseAddress(server.address), {
        caCerts: [server.certPem!],
      });
      try {
        return await sendFile(conn, `${src}/${n}`);
      } finally {
        conn.close();
      }
    }));
    for (const [i, n] of names.entries()) {
      assertEquals(results[i]!.sha256, await sha256File(`${src}/${n}`));
      assertEquals(await sha256File(`${dst}/${n}`), results[i]!.sha256);
    }
    assertEquals(await list(dst), names);
    // the same name twice at once: exactly one lands, the other is refused (busy or exists)
    await makeFile(`${src}/same.bin`, 4 * 1024 * 1024);
    const twice = await Promise.allSettled([0, 1].map(async () => {
      const { conn } = await connectTransfer(parseAddress(server.address), {
        caCerts: [server.certPem!],
      });
      try {
        return await sendFile(conn, `${src}/same.bin`);
      } finally {
        conn.close();
      }
    }));
    assertEquals(twice.filter((r) => r.status === "fulfilled").length, 1);
    const refused = twice.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assertEquals(refused.reason.kind, "refused");
    assert([REFUSE.busy, REFUSE.exists].includes(refused.reason.code), refused.reason.message);
    assertEquals(await sha256File(`${dst}/same.bin`), await sha256File(`${src}/same.bin`));
    assertEquals(await list(dst), [...names, "same.bin"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: a receiver refuses files over its size limit; a non-WPFT peer is a protocol error", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/big`, "0123456789");
    await using server = await serveFiles({ address: "tcp://127.0.0.1:0", dir: dst, maxSize: 5 });
    const { conn } = await connectTransfer(parseAddress(server.address));
    const e = await assertRejects(() => sendFile(conn, `${src}/big`), TransferError);
    conn.close();
    assertEquals(e.code, REFUSE.tooLarge);

    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const rx = (async () => {
      const c = await listener.accept();
      try {
        return await receiveFile(c, { dir: dst });
      } finally {
        c.close();
      }
    })();
    const junk = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    await junk.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    const err = await assertRejects(() => rx, TransferError);
    assertEquals(err.kind, "protocol");
    junk.close();
    assertEquals(await list(dst), []);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: hashing on worker threads gives the same digest, cut-off and resume included", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    const size = 6 * 1024 * 1024 + 7;
    await makeFile(`${src}/w.bin`, size);
    const want = await sha256File(`${src}/w.bin`);
    let proxy: AsyncDisposable | undefined;
    const cut = await transfer(`${src}/w.bin`, dst, {
      inlineHash: false,
      viaPort: (port) => {
        const p = tamperProxy(port, { cutAfter: 2 * 1024 * 1024 });
        proxy = p;
        return p.port;
      },
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(cut.received).kind, "interrupted");
    const kept = (await Deno.stat(`${dst}/.w.bin.part`)).size;
    const again = await transfer(`${src}/w.bin`, dst, { inlineHash: false });
    assertEquals(ok(again.received).resumedFrom, kept);
    assertEquals(ok(again.received).sha256, want);
    assertEquals(ok(again.sent).sha256, want);
    assertEquals(await sha256File(`${dst}/w.bin`), want);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: over a Unix socket", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/u.txt`, "via unix");
    await using server = await serveFiles({ address: `unix://${dst}/.sock`, dir: dst });
    const { conn } = await connectTransfer(parseAddress(server.address));
    try {
      assertEquals((await sendFile(conn, `${src}/u.txt`)).size, 8);
    } finally {
      conn.close();
    }
    assertEquals(await Deno.readTextFile(`${dst}/u.txt`), "via unix");
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("transfer: blocking file I/O (what the one-shot commands use): same bytes, cut-off and resume included", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    const size = 6 * 1024 * 1024 + 7;
    await makeFile(`${src}/b.bin`, size);
    const want = await sha256File(`${src}/b.bin`);
    let proxy: AsyncDisposable | undefined;
    const cut = await transfer(`${src}/b.bin`, dst, {
      blockingFileIo: true,
      viaPort: (port) => {
        const p = tamperProxy(port, { cutAfter: 2 * 1024 * 1024 });
        proxy = p;
        return p.port;
      },
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(cut.received).kind, "interrupted");
    const kept = (await Deno.stat(`${dst}/.b.bin.part`)).size;
    assertGreater(kept, 1024 * 1024);
    const again = await transfer(`${src}/b.bin`, dst, { blockingFileIo: true });
    assertEquals(ok(again.received).resumedFrom, kept);
    assertEquals([ok(again.received).sha256, ok(again.sent).sha256], [want, want]);
    assertEquals(await sha256File(`${dst}/b.bin`), want);
    assertEquals(await list(dst), ["b.bin"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});
