/**
 * The integrity hash a transfer is verified with: SHA-256 by default (WPFT/1, what every
 * receiver speaks), XXH3-128 when the sender asks for it (WPFT/2 negotiates it).
 */
import { assert, assertEquals, assertGreater, assertStringIncludes } from "@std/assert";
import { createXXHash128 } from "hash-wasm";
import { ConnReader } from "../../lib/transfer/conn_reader.ts";
import { TransferError } from "../../lib/transfer/errors.ts";
import {
  encodeAccept,
  encodeOffer,
  encodeRefuse,
  readAnswer,
  REFUSE,
} from "../../lib/transfer/protocol.ts";
import { receiveFile } from "../../lib/transfer/receive.ts";
import { sendFile } from "../../lib/transfer/send.ts";
import { serveFiles } from "../../lib/transfer/serve_files.ts";
import {
  failed,
  list,
  makeFile,
  ok,
  runCli,
  sha256File,
  spawnCli,
  tamperProxy,
  tempDir,
} from "./_helpers.ts";

const MiB = 1024 * 1024;

async function xxh128File(path: string): Promise<string> {
  const h = await createXXHash128();
  h.init();
  h.update(await Deno.readFile(path));
  return h.digest("hex");
}

/** One transfer over loopback (optionally through a port mapper); both outcomes. */
async function transfer(
  path: string,
  dir: string,
  opts: { hash?: string; inlineHash?: boolean; viaPort?: (port: number) => number } = {},
) {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received = (async () => {
    const conn = await listener.accept();
    try {
      return await receiveFile(conn, { dir, inlineHash: opts.inlineHash });
    } finally {
      conn.close();
    }
  })();
  const port = opts.viaPort ? opts.viaPort(listener.addr.port) : listener.addr.port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sent = sendFile(conn, path, { hash: opts.hash, inlineHash: opts.inlineHash }).finally(
    () => conn.close(),
  );
  const [s, r] = await Promise.allSettled([sent, received]);
  return { sent: s, received: r };
}

/** A TCP listener that answers one connection with `answer(first bytes)` and records them. */
function fakeReceiver(answer: (offer: Uint8Array) => Uint8Array | undefined) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const got = (async () => {
    using conn = await listener.accept();
    const buf = new Uint8Array(4096);
    const n = (await conn.read(buf)) ?? 0;
    const offer = buf.slice(0, n);
    const reply = answer(offer);
    if (reply) await conn.write(reply);
    // an older receiver closes after refusing; a hostile one may too
    return offer;
  })();
  return {
    port: listener.addr.port,
    got,
    [Symbol.dispose]: () => listener.close(),
  };
}

Deno.test("hash: xxh128 on request, inline and on workers; the summary names it", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/x.bin`, 5 * MiB + 123);
    const want = await xxh128File(`${src}/x.bin`);
    for (const inlineHash of [true, false]) {
      const { sent, received } = await transfer(`${src}/x.bin`, dst, {
        hash: "xxh128",
        inlineHash,
      });
      const s = ok(sent), r = ok(received);
      assertEquals([s.hash, r.hash], ["xxh128", "xxh128"]);
      assertEquals([s.digest, r.digest], [want, want]);
      assertEquals([s.sha256, r.sha256], ["", ""], "no SHA-256 was computed");
      assertEquals(await sha256File(`${dst}/x.bin`), await sha256File(`${src}/x.bin`));
      await Deno.remove(`${dst}/x.bin`);
    }
    // the default is still SHA-256
    const d = ok((await transfer(`${src}/x.bin`, dst)).received);
    assertEquals(d.hash, "sha256");
    assertEquals(d.digest, await sha256File(`${src}/x.bin`));
    assertEquals(d.sha256, d.digest);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("hash: with xxh128 a flipped byte is caught, and a cut transfer resumes", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    const size = 8 * MiB;
    await makeFile(`${src}/f.bin`, size);
    let proxy: AsyncDisposable | undefined;
    const via = (o: { flipAt?: number; cutAfter?: number }) => (port: number) => {
      const p = tamperProxy(port, o);
      proxy = p;
      return p.port;
    };
    const flipped = await transfer(`${src}/f.bin`, dst, {
      hash: "xxh128",
      viaPort: via({ flipAt: 2_000_000 }),
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(flipped.sent).kind, "verify");
    assertStringIncludes(failed(flipped.received).message, "XXH3-128 mismatch");
    assertEquals(await list(dst), []);

    const cut = await transfer(`${src}/f.bin`, dst, {
      hash: "xxh128",
      viaPort: via({ cutAfter: 3 * MiB }),
    });
    await proxy![Symbol.asyncDispose]();
    assertEquals(failed(cut.received).kind, "interrupted");
    const kept = (await Deno.stat(`${dst}/.f.bin.part`)).size;
    assertGreater(kept, 2 * MiB);
    const again = await transfer(`${src}/f.bin`, dst, { hash: "xxh128" });
    assertEquals(ok(again.received).resumedFrom, kept, "the xxh128 prefix digests agreed");
    assertEquals(ok(again.sent).resumedFrom, kept);
    assertEquals(await sha256File(`${dst}/f.bin`), await sha256File(`${src}/f.bin`));
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("hash: the default offer is WPFT/1; a WPFT/1-only receiver refuses xxh128 clearly", async () => {
  const src = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/a.txt`, "hello\n");
    // what an older receiver does with a version-2 offer: REFUSE(version) in version 1
    const older = (offer: Uint8Array) =>
      offer[4] === 1 ? undefined : encodeRefuse(
        REFUSE.version,
        `the peer speaks WPFT version ${offer[4]}, this is version 1`,
      );
    {
      using rx = fakeReceiver(older);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: rx.port });
      const sending = sendFile(conn, `${src}/a.txt`).catch((e) => e);
      const offer = await rx.got;
      assertEquals(Array.from(offer.subarray(0, 6)), [0x57, 0x50, 0x46, 0x54, 1, 1]);
      assertEquals(offer, encodeOffer({ size: 6, name: "a.txt" }), "byte for byte WPFT/1");
      conn.close();
      await sending;
    }
    {
      using rx = fakeReceiver(older);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: rx.port });
      const e = await sendFile(conn, `${src}/a.txt`, { hash: "xxh128" }).catch((e) => e);
      conn.close();
      assert(e instanceof TransferError, String(e));
      assertEquals(e.kind, "refused");
      assertEquals(e.code, REFUSE.version);
      assertStringIncludes(e.message, "speaks only WPFT/1");
      assertEquals((await rx.got)[4], 2);
    }
  } finally {
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("hash: a receiver that picks a hash not offered, or a wrong digest length, is a protocol error", async () => {
  const src = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/a.txt`, "hello\n");
    for (
      const [reply, why] of [
        [encodeAccept(0, new Uint8Array(16), "md5"), `"md5", not one offered`],
        [encodeAccept(0, new Uint8Array(8), "xxh128"), "digest of 8 bytes"],
      ] as const
    ) {
      using rx = fakeReceiver(() => reply);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: rx.port });
      const e = await sendFile(conn, `${src}/a.txt`, { hash: "xxh128" }).catch((e) => e);
      conn.close();
      await rx.got;
      assert(e instanceof TransferError, String(e));
      assertEquals(e.kind, "protocol");
      assertStringIncludes(e.message, why);
    }
    const bad = await sendFile(
      {
        read: () => Promise.resolve(null),
        write: (d) => Promise.resolve(d.length),
        close: () => {},
      },
      `${src}/a.txt`,
      { hash: "md5" },
    ).catch((e) => e);
    assert(bad instanceof TransferError);
    assertEquals(bad.kind, "local");
    assertStringIncludes(bad.message, `unknown hash "md5"`);
  } finally {
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("hash: a server refuses unknown hashes, drops bad hash names, and keeps serving", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/a.txt`, "hello\n");
    const failures: string[] = [];
    await using server = await serveFiles({
      address: "tcp://127.0.0.1:0",
      dir: dst,
      onError: (e) => failures.push(e.message),
    });
    const port = Number(server.address.split(":").pop());
    // only hashes it does not know: REFUSE(hash), in version 2
    {
      using conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encodeOffer({ size: 6, name: "a.txt", hashes: ["md5", "blake9"] }));
      const answer = await readAnswer(new ConnReader(conn, 4096), 2);
      assertEquals(answer.kind, "refuse");
      if (answer.kind === "refuse") {
        assertEquals(answer.code, REFUSE.hash);
        assertStringIncludes(answer.message, "md5, blake9");
      }
    }
    // a hostile name: dropped without an answer
    {
      using conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const offer = encodeOffer({ size: 6, name: "a.txt", hashes: ["sha256"] });
      offer.set(new TextEncoder().encode("\x1b[2J!!"), offer.length - 6);
      await conn.write(offer);
      assertEquals(await conn.read(new Uint8Array(64)), null, "closed without an answer");
    }
    // and the next sender is served, asking for xxh128
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const s = await sendFile(conn, `${src}/a.txt`, { hash: "xxh128" }).finally(() => conn.close());
    assertEquals(s.hash, "xxh128");
    assertEquals(await Deno.readTextFile(`${dst}/a.txt`), "hello\n");
    assert(failures.some((m) => m.includes("bad hash name")), failures.join("\n"));
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("hash: send-file --hash xxh128 reaches recv-file; an unknown --hash is a usage error", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/c.bin`, 2 * MiB);
    const bad = await runCli("send-file", `${src}/c.bin`, "127.0.0.1:9", "--hash", "md5");
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.err, "--hash");
    assertStringIncludes(bad.err, `unknown hash "md5"`);
    assertEquals(bad.err.trim().split("\n").length, 1, bad.err);

    const rx = spawnCli("recv-file", "127.0.0.1:0", "--listen", "--dir", dst, "--json");
    const addr = await rx.listening;
    const tx = await runCli("send-file", `${src}/c.bin`, addr, "--hash", "xxh128");
    assertEquals(tx.code, 0, tx.err);
    assertStringIncludes(tx.out, `xxh128 ${await xxh128File(`${src}/c.bin`)}`);
    const r = await rx.result();
    assertEquals(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assertEquals([summary.hash, summary.digest], ["xxh128", await xxh128File(`${src}/c.bin`)]);
    assertEquals(await sha256File(`${dst}/c.bin`), await sha256File(`${src}/c.bin`));
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test("hash: known vectors; peek leaves the running hash as it was", async () => {
  const { createIntegrityHash } = await import("../../lib/transfer/integrity_hash.ts");
  const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const abc = new TextEncoder().encode("abc");
  for (
    const [name, empty, ofAbc] of [
      ["xxh128", "99aa06d3014798d86001c324468d497f", "06b05ab6733a618578af5f94892f3950"],
      [
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      ],
    ]
  ) {
    const h = await createIntegrityHash(name!);
    assertEquals(hexOf(h.digest()), empty, name);
    h.update(abc.subarray(0, 1));
    h.peek();
    h.update(abc.subarray(1));
    assertEquals(hexOf(h.peek()), ofAbc, name);
    assertEquals(hexOf(h.digest()), ofAbc, name);
    assertEquals(hexOf(h.digest()), empty, `${name} starts over after digest`);
  }
});

Deno.test("hash: serve files logs the hash each file was verified with", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await makeFile(`${src}/d.bin`, MiB);
    const server = spawnCli("serve", "files", "tcp://127.0.0.1:0", "--dir", dst, "--log");
    const addr = await server.listening;
    const fast = await runCli("send-file", `${src}/d.bin`, addr, "--hash", "xxh128");
    assertEquals(fast.code, 0, fast.err);
    const plain = await runCli("send-file", `${src}/d.bin`, addr, "--name", "e.bin");
    assertEquals(plain.code, 0, plain.err);
    server.child.kill("SIGINT");
    const s = await server.result();
    assertEquals(s.code, 0, s.err);
    const lines = s.err.split("\n").filter((l) => l.startsWith("files: received"));
    assertEquals(lines.length, 2, s.err);
    assertStringIncludes(lines.join("\n"), `xxh128 ${await xxh128File(`${src}/d.bin`)}`);
    assertStringIncludes(lines.join("\n"), `sha256 ${await sha256File(`${src}/d.bin`)}`);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});
