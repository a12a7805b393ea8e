/**
 * Issue 10 §4: every listening command survives strangers — a connection that closes at
 * once, one that sends garbage, one that stalls — and then serves a real client while
 * the stalled one is still open. Each command runs as a real subprocess.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { readSome, sendStrangers, startCliServer } from "./_strangers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const dial = (port: number) => Deno.connect({ hostname: "127.0.0.1", port });

async function servePort(args: string[]) {
  const server = startCliServer(args);
  const m = await server.waitFor(/"port":(\d+)/);
  return { server, port: Number(m[1]) };
}

async function echoThrough(port: number): Promise<string> {
  const c = await dial(port);
  await c.write(enc.encode("hello\n"));
  return dec.decode(await readSome(c, 6));
}

Deno.test("strangers: recv-file --listen keeps listening; the real transfer that comes next succeeds", async () => {
  await using dir = await tempDir();
  const src = `${dir.path}/src.bin`;
  await Deno.writeFile(src, crypto.getRandomValues(new Uint8Array(50_000)));
  await Deno.mkdir(`${dir.path}/inbox`);
  await using server = startCliServer([
    "recv-file",
    "tcp://127.0.0.1:0",
    "--listen",
    "--dir",
    `${dir.path}/inbox`,
  ]);
  const port = Number((await server.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  await using strangers = await sendStrangers(port);
  await strangers.garbageDropped;
  await server.waitFor(/ignored a connection from .*closed without sending anything/);
  await server.waitFor(/ignored a connection from .*not a file transfer/);
  const sent = await runCli(["send-file", src, `tcp://127.0.0.1:${port}`]);
  assertEquals(sent.code, 0, sent.stderr);
  assertEquals(await server.status(), 0, server.stderr());
  assertEquals(
    await Deno.readFile(`${dir.path}/inbox/src.bin`),
    await Deno.readFile(src),
  );
  // one line per stranger, no stack trace
  assert(!/\n\s+at /.test(server.stderr()), server.stderr());
});

for (const scheme of ["tcp", "tls"] as const) {
  Deno.test(`strangers: serve files ${scheme}:// serves the next sender`, async () => {
    await using dir = await tempDir();
    const src = `${dir.path}/a.txt`;
    await Deno.writeTextFile(src, "payload\n");
    await Deno.mkdir(`${dir.path}/inbox`);
    const { server, port } = await servePort([
      "serve",
      "files",
      `${scheme}://127.0.0.1:0`,
      "--dir",
      `${dir.path}/inbox`,
      "--log",
      "--json",
      ...(scheme === "tls" ? ["--handshake-timeout", "500ms"] : []),
    ]);
    await using _server = server;
    await using _strangers = await sendStrangers(port);
    if (scheme === "tls") {
      // the stalled stranger and the garbage (a TLS record header that never completes)
      // are dropped once the handshake timeout passes; the sender is not held up meanwhile
      await server.waitFor(/dropped: no TLS handshake within 500ms/);
    }
    const sent = await runCli([
      "send-file",
      src,
      `${scheme}://127.0.0.1:${port}`,
      ...(scheme === "tls" ? ["--insecure"] : []),
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals(await Deno.readTextFile(`${dir.path}/inbox/a.txt`), "payload\n");
  });
}

Deno.test("strangers: serve echo, discard, chargen", async () => {
  for (const kind of ["echo", "discard", "chargen"]) {
    const { server, port } = await servePort(["serve", kind, "tcp://127.0.0.1:0", "--json"]);
    await using _server = server;
    // garbage is fair input for these (echoed, dropped, ignored): it stays open too
    await using _strangers = await sendStrangers(port);
    const c = await dial(port);
    if (kind === "echo") {
      await c.write(enc.encode("hello\n"));
      assertEquals(dec.decode(await readSome(c, 6)), "hello\n");
    } else if (kind === "chargen") {
      assertEquals((await readSome(c, 72)).byteLength, 72);
    } else {
      await c.write(enc.encode("into the void\n"));
      await c.closeWrite();
      assertEquals((await readSome(c, 1)).byteLength, 0); // read to the end: nothing back
    }
  }
});

Deno.test("strangers: serve http and serve http --header-timeout", async () => {
  for (const extra of [[], ["--header-timeout", "5s"]]) {
    const { server, port } = await servePort([
      "serve",
      "http",
      "http://127.0.0.1:0",
      "--json",
      ...extra,
    ]);
    await using _server = server;
    await using strangers = await sendStrangers(port);
    await strangers.garbageDropped;
    const c = await dial(port);
    await c.write(enc.encode("GET /status/204 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"));
    assertMatch(dec.decode(await readSome(c, 12)), /^HTTP\/1\.1 204/);
  }
});

Deno.test("strangers: serve chat", async () => {
  const { server, port } = await servePort(["serve", "chat", "tcp://127.0.0.1:0", "--json"]);
  await using _server = server;
  await using _strangers = await sendStrangers(port); // garbage is a (bad) line: it stays
  const c = await dial(port);
  assertMatch(dec.decode(await readSome(c, 24)), /welcome/);
});

/** An in-process upstream that echoes. */
function upstreamEcho() {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const loop = (async () => {
    for await (const c of l) {
      conns.add(c);
      c.readable.pipeTo(c.writable).catch(() => {}).finally(() => conns.delete(c));
    }
  })();
  return {
    port: (l.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      l.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop.catch(() => {});
    },
  };
}

Deno.test("strangers: proxy and record pass the next client through", async () => {
  await using dir = await tempDir();
  await using up = upstreamEcho();
  for (const cmd of ["proxy", "record"]) {
    await using server = startCliServer([
      cmd,
      "--listen",
      "tcp://127.0.0.1:0",
      "--upstream",
      `tcp://127.0.0.1:${up.port}`,
      ...(cmd === "record" ? ["--out", `${dir.path}/rec.wire`] : []),
    ]);
    const port = Number((await server.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+) →/))[1]);
    await using _strangers = await sendStrangers(port); // garbage goes upstream, echoed back
    assertEquals(await echoThrough(port), "hello\n");
  }
});

Deno.test("strangers: replay --listen serves the recorded client after them", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/rec.wire`;
  await Deno.writeTextFile(
    file,
    'default target = "tcp://127.0.0.1:1"\nconnect ${target} as c1\nsend c1 "hello\\n"\nexpect c1 "world\\n"\nclose c1\n',
  );
  await using server = startCliServer(["replay", file, "--listen", "tcp://127.0.0.1:0"]);
  const port = Number((await server.waitFor(/on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  await using strangers = await sendStrangers(port);
  await strangers.garbageDropped;
  const c = await dial(port);
  await c.write(enc.encode("hello\n"));
  assertEquals(dec.decode(await readSome(c, 6)), "world\n");
  await server.waitFor(/ok\s+c1/);
});
