// The HTTP client on large bodies (issue 17): a body read straight from the socket arrives
// byte-exact however it is framed; `saveTo` / `http … save FILE` streams it to a file
// (temp + rename, nothing half-written, no memory cap), `/dev/null` discards it.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { httpRequest, HttpRequestError } from "../../lib/http/client/request.ts";
import { runScriptFile } from "../../lib/run/interpreter.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates, startNginx } from "./_peers.ts";

const MiB = 1024 * 1024;

/** The byte at offset `i` of every body this server sends. */
function pattern(from: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((from + i) * 7 + ((from + i) >> 12)) & 255;
  return out;
}

/**
 * A raw HTTP/1.1 server on loopback port 0. Paths: `/len/N` (Content-Length), `/chunked/N`,
 * `/close/N` (until close), `/cut/N` (says N, sends half, closes), `/redirect` (302 with a
 * body, to `/len/1000`).
 */
function bodyServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const enc = new TextEncoder();
  const serveOne = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(8192);
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) return;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const path = head.split(" ")[1]!;
    const [, kind, size] = path.split("/");
    const n = Number(size);
    const send = async (bytes: Uint8Array) => {
      let off = 0;
      while (off < bytes.byteLength) off += await conn.write(bytes.subarray(off));
    };
    const sendBody = async (total: number, chunked: boolean) => {
      for (let at = 0; at < total; at += MiB) {
        const piece = pattern(at, Math.min(MiB, total - at));
        if (chunked) await send(enc.encode(`${piece.byteLength.toString(16)}\r\n`));
        await send(piece);
        if (chunked) await send(enc.encode("\r\n"));
      }
    };
    if (kind === "redirect") {
      await send(enc.encode(
        "HTTP/1.1 302 Found\r\nLocation: /len/1000\r\nContent-Length: 12\r\n\r\nREDIRECTBODY",
      ));
    } else if (kind === "len" || kind === "cut") {
      await send(enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`));
      await sendBody(kind === "cut" ? Math.floor(n / 2) : n, false);
    } else if (kind === "chunked") {
      await send(enc.encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
      await sendBody(n, true);
      await send(enc.encode("0\r\n\r\n"));
    } else {
      await send(enc.encode("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"));
      await sendBody(n, false);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        serveOne(conn).catch(() => {}).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        });
      }
    } catch { /* listener closed */ }
  })();
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await accepting;
    },
  };
}

Deno.test("large body: held in memory byte-exact, by length, chunked and until close", async () => {
  await using server = bodyServer();
  const size = 3 * MiB + 12345;
  const want = pattern(0, size);
  for (const kind of ["len", "chunked", "close"]) {
    const res = await httpRequest({ method: "GET", url: `${server.url}/${kind}/${size}` });
    assertEquals(res.body.byteLength, size, kind);
    assert(res.body.every((b, i) => b === want[i]), `${kind}: the bytes differ`);
  }
});

Deno.test("large body: saveTo writes the body byte-exact, any framing, 0644, no temp left", async () => {
  await using server = bodyServer();
  await using dir = await tempDir();
  const size = 5 * MiB + 7;
  const want = pattern(0, size);
  for (const kind of ["len", "chunked", "close"]) {
    const path = dir.join(`${kind}.bin`);
    const res = await httpRequest({
      method: "GET",
      url: `${server.url}/${kind}/${size}`,
      saveTo: path,
    });
    assertEquals(res.body.byteLength, 0, "a saved body is not held");
    assertEquals(res.saved, { path, bytes: size });
    const got = await Deno.readFile(path);
    assertEquals(got.byteLength, size);
    assert(got.every((b, i) => b === want[i]), `${kind}: the file differs`);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o644);
  }
  const names = [];
  for await (const e of Deno.readDir(dir.path)) names.push(e.name);
  assertEquals(names.sort(), ["chunked.bin", "close.bin", "len.bin"]);
});

Deno.test("large body: over maxBodyBytes fails naming save FILE; saveTo is not capped", async () => {
  await using server = bodyServer();
  await using dir = await tempDir();
  const url = `${server.url}/len/${2 * MiB}`;
  const e = await assertRejects(
    () => httpRequest({ method: "GET", url, maxBodyBytes: MiB }),
    HttpRequestError,
  );
  assertStringIncludes(e.message, "save FILE");
  const res = await httpRequest({ method: "GET", url, maxBodyBytes: MiB, saveTo: dir.join("b") });
  assertEquals(res.saved?.bytes, 2 * MiB);
});

Deno.test("large body: a body cut short leaves no file and no temp file behind", async () => {
  await using server = bodyServer();
  await using dir = await tempDir();
  const path = dir.join("cut.bin");
  const e = await assertRejects(
    () => httpRequest({ method: "GET", url: `${server.url}/cut/${4 * MiB}`, saveTo: path }),
    HttpRequestError,
  );
  assertEquals(e.phase, "protocol");
  const names = [];
  for await (const entry of Deno.readDir(dir.path)) names.push(entry.name);
  assertEquals(names, []);
});

Deno.test("large body: with follow, only the final response's body is saved", async () => {
  await using server = bodyServer();
  await using dir = await tempDir();
  const path = dir.join("final.bin");
  const res = await httpRequest({
    method: "GET",
    url: `${server.url}/redirect`,
    follow: true,
    saveTo: path,
  });
  assertEquals(res.redirects.length, 1);
  assertEquals(await Deno.readFile(path), pattern(0, 1000));
});

Deno.test("large body: saveTo /dev/null discards 64 MiB without holding it", async () => {
  await using server = bodyServer();
  const size = 64 * MiB;
  const before = Deno.memoryUsage().rss;
  const res = await httpRequest({
    method: "GET",
    url: `${server.url}/len/${size}`,
    saveTo: "/dev/null",
  });
  const grew = (Deno.memoryUsage().rss - before) / MiB;
  assertEquals(res.saved, { path: "/dev/null", bytes: size });
  // held, the body alone would be 64 MiB more
  assert(grew < 40, `RSS grew by ${grew.toFixed(0)} MiB`);
});

Deno.test("script: http … save FILE streams the body; ${r.size}; expect body then fails", async () => {
  await using server = bodyServer();
  await using dir = await tempDir();
  const size = 2 * MiB + 1;
  const ok = await runScriptFile(
    await dir.write(
      "ok.wire",
      `http GET ${server.url}/len/${size} save "out.bin" as r\n` +
        `expect status 200\nprint "\${r.size} \${r.saved}"\n`,
    ),
  );
  assert(ok.ok, ok.failure?.message);
  assertEquals(ok.output.at(-1), `${size} ${dir.join("out.bin")}`);
  assertEquals((await Deno.stat(dir.join("out.bin"))).size, size);
  const bad = await runScriptFile(
    await dir.write(
      "bad.wire",
      `http GET ${server.url}/len/10 save "/dev/null"\nexpect body contains "x"\n`,
    ),
  );
  assert(!bad.ok);
  assertStringIncludes(bad.failure!.message, 'saved to "/dev/null"');
});

Deno.test({
  name: "large body: over HTTP/2 (nginx, h2) saveTo streams past the cap; held, it fails",
  ...needs("nginx", "openssl"),
  async fn() {
    await using dir = await tempDir();
    const certs = await opensslCertificates(dir.path);
    await using nginx = await startNginx(`${dir.path}/h2`, { tls: certs, http2: true });
    const size = 3 * MiB + 5;
    const want = pattern(0, size);
    await Deno.writeFile(`${dir.path}/h2/www/big.bin`, want);
    const request = {
      method: "GET",
      url: `${nginx.tlsUrl}/big.bin`,
      caCerts: [await Deno.readTextFile(certs.caPath)],
      maxBodyBytes: MiB,
    };
    const e = await assertRejects(() => httpRequest(request), HttpRequestError);
    assertStringIncludes(e.message, "over");
    const path = dir.join("h2.bin");
    const res = await httpRequest({ ...request, saveTo: path });
    assertEquals(res.httpVersion, "HTTP/2");
    assertEquals(res.saved, { path, bytes: size });
    assertEquals(await Deno.readFile(path), want);
  },
});
