/**
 * Issue 18 items 4, 6, 8, 9: a receiver's disk, `.part` files and names, and what a
 * hostile receiver can make a sender print.
 */
import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { ConnReader } from "../../lib/transfer/conn_reader.ts";
import { TransferError } from "../../lib/transfer/errors.ts";
import { connectTransfer } from "../../lib/transfer/net.ts";
import {
  encodeOffer,
  encodeRefuse,
  readAnswer,
  readOffer,
  REFUSE,
} from "../../lib/transfer/protocol.ts";
import { sendFile } from "../../lib/transfer/send.ts";
import { serveFiles } from "../../lib/transfer/serve_files.ts";
import { output, statusOf, within } from "../helpers/process.ts";
import { CLI, list, makeFile, runCli, sha256File, spawnCli, tempDir } from "./_helpers.ts";

const MiB = 1024 * 1024;

/** Sends `path` to `server` under `name`; the outcome. */
async function sendTo(server: { address: string }, path: string, name?: string) {
  const { conn } = await connectTransfer(parseAddress(server.address));
  try {
    return await within(
      sendFile(conn, path, { name }),
      60_000,
      `the transfer of ${path} to ${server.address}`,
    );
  } finally {
    conn.close();
  }
}

/** Offers `size` bytes under `name` by hand and returns the receiver's answer. */
async function offer(address: string, name: string, size: number) {
  const { conn } = await connectTransfer(parseAddress(address));
  try {
    await conn.write(encodeOffer({ name, size }));
    return await within(
      readAnswer(new ConnReader(conn, 4096)),
      10_000,
      `the receiver's answer to the offer of ${name}`,
    );
  } finally {
    conn.close();
  }
}

Deno.test("hostile: a .part that is a symlink, a dangling symlink or a hard link is never written through", async () => {
  const src = await tempDir(), dst = await tempDir(), outside = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/x`, "attacker data\n");
    await Deno.writeTextFile(`${outside}/secret`, "precious\n");
    await Deno.symlink(`${outside}/secret`, `${dst}/.x.part`);
    await Deno.symlink(`${outside}/created`, `${dst}/.y.part`);
    await Deno.link(`${outside}/secret`, `${dst}/.z.part`);
    await using server = await serveFiles({ address: "tcp://127.0.0.1:0", dir: dst });
    for (const [name, what] of [["x", "symlink"], ["y", "symlink"], ["z", "hard links"]] as const) {
      const e = await assertRejects(() => sendTo(server, `${src}/x`, name), TransferError);
      assertEquals(e.kind, "refused", name);
      assertStringIncludes(e.message, what);
    }
    assertEquals(await Deno.readTextFile(`${outside}/secret`), "precious\n");
    assertEquals(await list(outside), ["secret"], "nothing created through a dangling link");
    assertEquals(await list(dst), [".x.part", ".y.part", ".z.part"]);
  } finally {
    for (const d of [src, dst, outside]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("hostile: names with C1, bidi or line-separator characters, or of the .NAME.part form, are refused", async () => {
  const src = await tempDir(), dst = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/f`, "data\n");
    await using server = await serveFiles({ address: "tcp://127.0.0.1:0", dir: dst });
    for (const name of ["a\u009b2Jb", "invoice\u202efdp.exe", "a\u2028b", "x\u2066y", ".x.part"]) {
      const e = await assertRejects(() => sendTo(server, `${src}/f`, name), TransferError);
      assertEquals(e.code, REFUSE.badName, JSON.stringify(name));
      const echoed = e.message.slice(e.message.indexOf("): ") + 3);
      assertFalse(/[\u009b\u202e\u2028\u2066]/.test(echoed), `echoed escaped, not raw: ${echoed}`);
    }
    assertEquals(await list(dst), []);
    // ordinary non-ASCII names and dot files still arrive
    await sendTo(server, `${src}/f`, "café.txt");
    await sendTo(server, `${src}/f`, ".profile");
    assertEquals(await list(dst), [".profile", "café.txt"]);
  } finally {
    for (const d of [src, dst]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("hostile: 1,000 offers of 2^50 bytes are refused and leave nothing; so does an offer the sender abandons", async () => {
  const dst = await tempDir();
  try {
    await using server = await serveFiles({ address: "tcp://127.0.0.1:0", dir: dst });
    for (let i = 0; i < 1000; i++) {
      const a = await offer(server.address, `huge${i}`, 2 ** 50);
      assert(a.kind === "refuse" && a.code === REFUSE.tooLarge, `offer ${i}: ${JSON.stringify(a)}`);
    }
    assertStringIncludes(
      ((await offer(server.address, "h", 2 ** 50)) as { message: string }).message,
      "--max-size",
    );
    // accepted, then the sender goes away before any data: no empty .part is kept
    const a = await offer(server.address, "gone", 1000);
    assertEquals(a.kind, "accept");
    await using server2 = await serveFiles({
      address: "tcp://127.0.0.1:0",
      dir: dst,
      maxSize: 2 ** 52,
    });
    // over the free space of the disk (checked with statfs), whatever --max-size says
    const b = await offer(server2.address, "huge", 2 ** 50);
    assert(b.kind === "refuse" && b.code === REFUSE.noSpace, JSON.stringify(b));
    assertStringIncludes(b.message, "free");
    await server.close();
    await server2.close();
    assertEquals(await list(dst), []);
  } finally {
    await Deno.remove(dst, { recursive: true });
  }
});

/** A fake receiver that answers every offer with `message` as its refusal text. */
function hostileReceiver(message: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await within(
        readOffer(new ConnReader(conn, 4096)),
        20_000,
        "the sender's offer",
      );
      await conn.write(encodeRefuse(REFUSE.busy, message));
    } finally {
      conn.close();
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await served;
    },
  };
}

Deno.test("hostile: a receiver's refusal text cannot drive the sender's terminal", async () => {
  const src = await tempDir();
  try {
    await Deno.writeTextFile(`${src}/f`, "data\n");
    const evil = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202egnp.exe\u2028next";
    await using rx = hostileReceiver(evil);
    const r = await runCli("send-file", `${src}/f`, `127.0.0.1:${rx.port}`);
    assertEquals(r.code, 1);
    // deno-lint-ignore no-control-regex
    assertFalse(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028]/.test(r.err), JSON.stringify(r.err));
    assertStringIncludes(r.err, "\\x1b[2J"); // shown, escaped, as the REPL shows received bytes
    assertEquals(r.err.trimEnd().split("\n").length, 1, "one line");
  } finally {
    await Deno.remove(src, { recursive: true });
  }
});

/**
 * True when this process may mount a tmpfs inside a private mount namespace (asked at
 * load time, synchronously: `timeout` bounds the wait).
 */
function canMountTmpfs(): boolean {
  try {
    const r = new Deno.Command("timeout", {
      args: [
        "-s",
        "KILL",
        "10",
        "unshare",
        "-m",
        "sh",
        "-c",
        "mount -t tmpfs -o size=64k tmpfs /mnt",
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

/**
 * `serve files` on a 2 MiB tmpfs mounted in its own mount namespace (nothing leaks:
 * the mount goes with the process). `sys`: whether it may call statfs.
 */
async function serverOnTinyDisk(dir: string, sys: boolean) {
  const perms = ["--allow-net", "--allow-read", "--allow-write", ...(sys ? ["--allow-sys"] : [])];
  const child = new Deno.Command("unshare", {
    args: [
      "-m",
      "sh",
      "-c",
      `mount -t tmpfs -o size=2m tmpfs "$0" && exec "$1" run ${
        perms.join(" ")
      } "$2" serve files tcp://127.0.0.1:0 --dir "$0" --log`,
      dir,
      Deno.execPath(),
      CLI,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const dec = new TextDecoder();
  let out = "";
  const reader = child.stdout.getReader();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
  while (!/serving files on (\S+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += dec.decode(value, { stream: true });
  }
  clearTimeout(deadline);
  reader.releaseLock();
  const address = /serving files on (\S+)/.exec(out)?.[1];
  const errText = new Response(child.stderr).text();
  const outRest = child.stdout.pipeTo(new WritableStream());
  /** `ls -a DIR` as the server sees it (inside its namespace). */
  const listing = async () => {
    const r = await output("nsenter", {
      args: ["-t", String(child.pid), "-m", "ls", "-A", dir],
      deadlineMs: 10_000,
    });
    return dec.decode(r.stdout).split("\n").filter((l) => l !== "").sort();
  };
  return {
    address: address ?? "",
    listing,
    async stop() {
      const what = "serve files on a tiny disk";
      child.kill("SIGTERM");
      await statusOf(child, `${what} after SIGTERM`, 10_000);
      await within(outRest, 2_000, `${what}: the end of its stdout`);
      return await within(errText, 2_000, `${what}: the end of its stderr`);
    },
  };
}

Deno.test({
  name:
    "hostile: disk full mid-transfer: the sender gets the verdict, the .part is removed, the next file fits",
  ignore: !canMountTmpfs(),
  async fn() {
    const src = await tempDir(), mnt = await Deno.makeTempDir({ prefix: "wireplay-test-" });
    const server = await serverOnTinyDisk(mnt, false); // no statfs: only the write can tell
    try {
      assert(server.address, "the server started");
      await makeFile(`${src}/big`, 3 * MiB);
      await makeFile(`${src}/small`, 1 * MiB);
      const e = await assertRejects(() => sendTo(server, `${src}/big`), TransferError);
      assertEquals(e.kind, "local");
      assertStringIncludes(e.message, "No space left on device");
      assertEquals(await server.listing(), [], "the .part is gone");
      const ok = await sendTo(server, `${src}/small`);
      assertEquals(ok.sha256, await sha256File(`${src}/small`));
      assertEquals(await server.listing(), ["small"]);
    } finally {
      const log = await server.stop();
      assertStringIncludes(log, "No space left on device");
      assertFalse(log.includes("    at "), "no stack trace");
      for (const d of [src, mnt]) await Deno.remove(d, { recursive: true });
    }
  },
});

Deno.test({
  name: "hostile: an offer larger than the free space is refused before anything is written",
  ignore: !canMountTmpfs(),
  async fn() {
    const src = await tempDir(), mnt = await Deno.makeTempDir({ prefix: "wireplay-test-" });
    const server = await serverOnTinyDisk(mnt, true);
    try {
      await makeFile(`${src}/big`, 3 * MiB);
      const e = await assertRejects(() => sendTo(server, `${src}/big`), TransferError);
      assertEquals(e.code, REFUSE.noSpace);
      assertStringIncludes(e.message, "no space");
      assertEquals(await server.listing(), []);
    } finally {
      await server.stop();
      for (const d of [src, mnt]) await Deno.remove(d, { recursive: true });
    }
  },
});

Deno.test("hostile: recv-file --listen tls:// stopped by SIGTERM or SIGINT leaves no certificate in /tmp", async () => {
  const dst = await tempDir();
  try {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const rx = spawnCli("recv-file", "tls://127.0.0.1:0", "--listen", "--dir", dst);
      await rx.listening;
      const certPath = (await rx.output(/certificate: (\S+)\n/))[1]!;
      assert((await Deno.stat(certPath)).isFile);
      rx.child.kill(sig);
      const r = await rx.result();
      assertEquals(r.code, sig === "SIGINT" ? 130 : 143, r.err);
      await assertRejects(
        () => Deno.stat(certPath.replace(/\/cert\.pem$/, "")),
        Deno.errors.NotFound,
      );
    }
  } finally {
    await Deno.remove(dst, { recursive: true });
  }
});

Deno.test({
  name:
    "hostile: disk full under recv-file (blocking writes): the sender gets the verdict, no .part",
  ignore: !canMountTmpfs(),
  async fn() {
    const src = await tempDir(), mnt = await Deno.makeTempDir({ prefix: "wireplay-test-" });
    try {
      await makeFile(`${src}/big`, 3 * MiB);
      // recv-file on a 2 MiB tmpfs of its own, without --allow-sys (no statfs: only the write
      // can tell); when it ends, it lists what it left there
      const rx = new Deno.Command("unshare", {
        args: [
          "-m",
          "sh",
          "-c",
          `mount -t tmpfs -o size=2m tmpfs "$0" && "$1" run --allow-net --allow-read --allow-write --allow-env "$2" recv-file tcp://127.0.0.1:0 ` +
          `--listen --dir "$0" --json; s=$?; echo "left: $(ls -A "$0")" >&2; exit $s`,
          mnt,
          Deno.execPath(),
          CLI,
        ],
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).spawn();
      const dec = new TextDecoder();
      const errReader = rx.stderr.getReader();
      let err = "";
      const killer = setTimeout(() => rx.kill("SIGKILL"), 60_000);
      while (!/listening on (\S+)/.test(err)) {
        const { value, done } = await errReader.read();
        if (done) break;
        err += dec.decode(value, { stream: true });
      }
      const addr = /listening on (\S+)/.exec(err)?.[1];
      const outText = new Response(rx.stdout).text();
      const rest = (async () => {
        while (true) {
          const { value, done } = await errReader.read();
          if (done) return;
          err += dec.decode(value, { stream: true });
        }
      })();
      assert(addr, `recv-file did not start: ${err}`);
      const tx = await runCli("send-file", `${src}/big`, addr);
      const status = await rx.status;
      clearTimeout(killer);
      await rest;
      await outText;
      assertEquals(tx.code, 1, tx.err);
      assertStringIncludes(tx.err, "No space left on device");
      assertEquals(status.code, 1, err);
      assertStringIncludes(err, "left: \n", "the .part was removed");
    } finally {
      for (const d of [src, mnt]) await Deno.remove(d, { recursive: true });
    }
  },
});
