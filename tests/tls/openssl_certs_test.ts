/**
 * TLS accepts what curl accepts: certificates made with the `openssl` command (each common
 * kind), served by `openssl s_server`, through `connect`, `http` and `ping`; refusals are
 * one plain sentence; mutual TLS both ways; a handshake that never comes honours timeout
 * and abort.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import { parseScript } from "../../lib/script/parser.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { probe } from "../../lib/tools/probe/probe.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { startPeer } from "../helpers/peer.ts";
import { output, within } from "../helpers/process.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { fails, passes } from "../helpers/wire.ts";

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await output("openssl", { args, cwd: dir, stdout: "null" });
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/** Every kind of certificate the tests use, made with openssl in `dir`. */
async function makeCerts(dir: string): Promise<void> {
  const rsa = ["-newkey", "rsa:2048", "-nodes"];
  // the most common command there is: CA:TRUE, no SAN
  await openssl(
    dir,
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "key.pem",
    "-out",
    "cert.pem",
    "-subj",
    "/CN=localhost",
  );
  // an unrelated self-signed certificate for the same name
  await openssl(
    dir,
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "other-key.pem",
    "-out",
    "other.pem",
    "-subj",
    "/CN=localhost",
  );
  // a CA and a leaf it signed (localhost and 127.0.0.1)
  await openssl(
    dir,
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=Test CA",
  );
  await Deno.writeTextFile(`${dir}/leaf.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await openssl(
    dir,
    "req",
    "-new",
    ...rsa,
    "-keyout",
    "leaf-key.pem",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=localhost",
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    "leaf.pem",
    "-extfile",
    "leaf.ext",
  );
  // expired yesterday
  await Deno.writeTextFile(`${dir}/exp.ext`, "subjectAltName=DNS:localhost\n");
  await openssl(
    dir,
    "req",
    "-new",
    ...rsa,
    "-keyout",
    "exp-key.pem",
    "-out",
    "exp.csr",
    "-subj",
    "/CN=localhost",
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "exp.csr",
    "-signkey",
    "exp-key.pem",
    "-days",
    "-1",
    "-out",
    "exp.pem",
    "-extfile",
    "exp.ext",
  );
  // an IP SAN only
  await openssl(
    dir,
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "ip-key.pem",
    "-out",
    "ip.pem",
    "-subj",
    "/CN=an-ip",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  );
  // a client certificate signed by the CA (X.509 v3: Deno's TLS server refuses v1), and one
  // nobody signed
  await Deno.writeTextFile(`${dir}/client.ext`, "extendedKeyUsage=clientAuth\n");
  await openssl(
    dir,
    "req",
    "-new",
    ...rsa,
    "-keyout",
    "client-key.pem",
    "-out",
    "client.csr",
    "-subj",
    "/CN=client",
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    "client.pem",
    "-extfile",
    "client.ext",
  );
}

/** `openssl s_server -rev` (answers each line reversed) with `cert`/`key` from `dir`. */
async function sServer(dir: string, cert: string, key: string, ...extra: string[]) {
  const port = freeTcpPort();
  const peer = await startPeer({
    cmd: "openssl",
    args: [
      "s_server",
      "-accept",
      `127.0.0.1:${port}`,
      "-cert",
      cert,
      "-key",
      key,
      "-rev",
      ...extra,
    ],
    cwd: dir,
    waitOutput: "ACCEPT",
  });
  return { port, peer, [Symbol.asyncDispose]: () => peer.stop() };
}

const EXCHANGE = `send c "hello\\n"\nexpect c /olleh/ within 3s\nclose c`;

Deno.test({
  name:
    "openssl certificates: connect accepts what curl accepts and refuses the rest in one sentence",
  ...needs("openssl"),
  async fn() {
    await using dir = await tempDir();
    await makeCerts(dir.path);
    const d = dir.path;
    {
      // CA:TRUE self-signed (rustls alone says CaUsedAsEndEntity); curl --cacert accepts it
      await using s = await sServer(d, "cert.pem", "key.pem");
      await passes(`connect tls://localhost:${s.port} as c ca ${d}/cert.pem\n${EXCHANGE}`);
      const untrusted = await fails(`connect tls://localhost:${s.port} as c`);
      assertEquals(
        untrusted.reason,
        `Cannot connect to tls://localhost:${s.port}: the server's certificate "CN=localhost" ` +
          "is self-signed and not trusted: pass `ca FILE` with that certificate (e.g. the " +
          "cert.pem the server uses), or `insecure` to skip verification",
      );
      const unrelated = await fails(`connect tls://localhost:${s.port} as c ca ${d}/other.pem`);
      assertMatch(unrelated.reason, /"CN=localhost" is self-signed and not trusted/);
      const wrongName = await fails(`connect tls://127.0.0.1:${s.port} as c ca ${d}/cert.pem`);
      assertMatch(
        wrongName.reason,
        /"CN=localhost" is for localhost, not for 127\.0\.0\.1: connect with one of those names/,
      );
      await passes(`connect tls://127.0.0.1:${s.port} as c insecure\n${EXCHANGE}`);
    }
    {
      // CA + leaf: the server presents the leaf, the ca file holds the CA
      await using s = await sServer(d, "leaf.pem", "leaf-key.pem");
      await passes(`connect tls://localhost:${s.port} as c ca ${d}/ca.pem\n${EXCHANGE}`);
      await passes(`connect tls://127.0.0.1:${s.port} as c ca ${d}/ca.pem\n${EXCHANGE}`);
      const unknownCa = await fails(`connect tls://localhost:${s.port} as c ca ${d}/cert.pem`);
      assertMatch(
        unknownCa.reason,
        /certificate "CN=localhost", issued by CN=Test CA, is signed by an authority that is not trusted: pass `ca FILE`/,
      );
      const badName = await fails(
        `connect tls://127.0.0.1:${s.port} as c ca ${d}/ca.pem servername example.org`,
      );
      assertMatch(badName.reason, /is for localhost, 127\.0\.0\.1, not for example\.org/);
    }
    {
      await using s = await sServer(d, "exp.pem", "exp-key.pem");
      const expired = await fails(`connect tls://localhost:${s.port} as c ca ${d}/exp.pem`);
      assertMatch(
        expired.reason,
        /certificate "CN=localhost" expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: renew it \(e\.g\. `wireplay cert`\)/,
      );
    }
    {
      await using s = await sServer(d, "ip.pem", "ip-key.pem");
      await passes(`connect tls://127.0.0.1:${s.port} as c ca ${d}/ip.pem\n${EXCHANGE}`);
      const byName = await fails(`connect tls://localhost:${s.port} as c ca ${d}/ip.pem`);
      assertMatch(byName.reason, /is for 127\.0\.0\.1, not for localhost/);
      // its CN is not a name once it has a SAN (curl's rule)
      const byCn = await fails(
        `connect tls://127.0.0.1:${s.port} as c ca ${d}/ip.pem servername an-ip`,
      );
      assertMatch(byCn.reason, /is for 127\.0\.0\.1, not for an-ip/);
    }
  },
});

Deno.test({
  name: "openssl certificates: http and ping take the same ca FILE and say the same thing",
  ...needs("openssl"),
  async fn() {
    await using dir = await tempDir();
    await makeCerts(dir.path);
    const d = dir.path;
    // -www: an HTTPS server answering GET / with a status page
    const port = freeTcpPort();
    await using _www = await startPeer({
      cmd: "openssl",
      args: [
        "s_server",
        "-accept",
        `127.0.0.1:${port}`,
        "-cert",
        "cert.pem",
        "-key",
        "key.pem",
        "-www",
      ],
      cwd: d,
      waitOutput: "ACCEPT",
    });
    await passes(`http GET https://localhost:${port}/ ca ${d}/cert.pem\nexpect status 200`);
    const refused = await fails(`http GET https://localhost:${port}/`);
    assertMatch(refused.reason, /"CN=localhost" is self-signed and not trusted: pass `ca FILE`/);
    assertNotMatch(refused.reason, /OtherError|UnknownIssuer|invalid peer/);
    const caCerts = [await Deno.readTextFile(`${d}/cert.pem`)];
    const ok = await probe({ scheme: "tls", host: "localhost", port }, { caCerts, timeout: 3000 });
    assert(ok.ok, JSON.stringify(ok));
    const https = await probe(
      { scheme: "https", url: `https://localhost:${port}/`, host: "localhost", port },
      { caCerts, timeout: 3000 },
    );
    assert(https.ok, JSON.stringify(https));
    // a proxy's tls:// upstream: the same ca FILE (an HTTP request through it)
    await passes(
      `proxy tcp://127.0.0.1:0 to tls://localhost:${port} as p ca ${d}/cert.pem
connect tcp://127.0.0.1:\${p.port} as c
send c "GET / HTTP/1.0\\r\\n\\r\\n"
expect c /HTTP\\/1\\.0 200/ within 3s
close c
close p`,
    );
    const bad = await probe({ scheme: "tls", host: "localhost", port }, { timeout: 3000 });
    assert(!bad.ok);
    assertMatch(bad.error, /self-signed and not trusted/);
  },
});

Deno.test({
  name: "mutual TLS: connect and http send cert FILE key FILE to openssl s_server -Verify 1",
  ...needs("openssl"),
  async fn() {
    await using dir = await tempDir();
    await makeCerts(dir.path);
    const d = dir.path;
    {
      await using s = await sServer(
        d,
        "leaf.pem",
        "leaf-key.pem",
        "-Verify",
        "1",
        "-verify_return_error",
        "-CAfile",
        "ca.pem",
      );
      await passes(
        `connect tls://localhost:${s.port} as c ca ${d}/ca.pem cert ${d}/client.pem key ${d}/client-key.pem\n${EXCHANGE}`,
      );
      // without a certificate the server aborts the handshake (TLS 1.3: at the first read)
      const without = await fails(
        `connect tls://localhost:${s.port} as c ca ${d}/ca.pem\nsend c "hello\\n"\nexpect c /olleh/ within 3s`,
      );
      assertNotMatch(without.reason, /OtherError/);
      const unsigned = await fails(
        `connect tls://localhost:${s.port} as c ca ${d}/ca.pem cert ${d}/cert.pem key ${d}/key.pem\nsend c "hello\\n"\nexpect c /olleh/ within 3s`,
      );
      assertNotMatch(unsigned.reason, /OtherError/);
    }
    {
      const port = freeTcpPort();
      await using _www = await startPeer({
        cmd: "openssl",
        args: [
          "s_server",
          "-accept",
          `127.0.0.1:${port}`,
          "-cert",
          "leaf.pem",
          "-key",
          "leaf-key.pem",
          "-www",
          "-Verify",
          "1",
          "-verify_return_error",
          "-CAfile",
          "ca.pem",
        ],
        cwd: d,
        waitOutput: "ACCEPT",
      });
      await passes(
        `http GET https://localhost:${port}/ ca ${d}/ca.pem cert ${d}/client.pem key ${d}/client-key.pem\nexpect status 200`,
      );
      await fails(`http GET https://localhost:${port}/ ca ${d}/ca.pem timeout 3s`);
    }
  },
});

/** Runs `openssl s_client` against our listener; resolves with its output (bounded: 20 s). */
async function sClient(d: string, port: number, ...extra: string[]) {
  // -quiet implies -ign_eof: after "ping" it still waits for the server to close
  const out = await output("openssl", {
    args: [
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-CAfile",
      "ca.pem",
      "-quiet",
      "-verify_return_error",
      ...extra,
    ],
    cwd: d,
    stdin: "ping\n",
    deadlineMs: 20_000,
  });
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

Deno.test({
  name:
    "mutual TLS: listen … require-client-cert ca FILE refuses clients without a signed certificate",
  ...needs("openssl"),
  async fn() {
    await using dir = await tempDir();
    await makeCerts(dir.path);
    const d = dir.path;
    let port = 0;
    let clients: Promise<string[]> | undefined;
    const script = parseScript(
      `listen tls://127.0.0.1:0 as l cert ${d}/leaf.pem key ${d}/leaf-key.pem require-client-cert ca ${d}/ca.pem
print "port \${l.port}"
accept l as a within 20s
expect a line "ping"
send a "pong\\n"
close a
close l`,
      "mtls.wire",
    );
    const r = await runScript(script, {
      echo: (text: string) => {
        const m = /^port (\d+)$/.exec(text);
        if (m && !clients) {
          port = Number(m[1]);
          // two refused clients first, then the one with a certificate the CA signed
          clients = (async () => [
            await sClient(d, port),
            await sClient(d, port, "-cert", "cert.pem", "-key", "key.pem"),
            await sClient(d, port, "-cert", "client.pem", "-key", "client-key.pem"),
          ])();
        }
      },
    });
    assert(r.ok, r.failure?.message);
    const [without, unsigned, signed] = await clients!;
    assertMatch(signed!, /pong/);
    assertNotMatch(without!, /pong/);
    assertNotMatch(unsigned!, /pong/);
  },
});

Deno.test("a TLS connect to a peer that never answers the handshake honours timeout and abort", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const third = Promise.withResolvers<void>();
  const loop = (async () => {
    for await (const c of silent) {
      held.push(c); // accepts and says nothing
      if (held.length === 3) third.resolve();
    }
  })();
  try {
    const t0 = performance.now();
    const timedOut = await fails(
      `connect tls://127.0.0.1:${silent.addr.port} as c insecure timeout 300ms`,
    );
    assertMatch(timedOut.reason, /timed out after 300ms/);
    assert(performance.now() - t0 < 3000);
    const verified = await fails(
      `connect tls://127.0.0.1:${silent.addr.port} as c timeout 300ms`,
    );
    assertMatch(verified.reason, /timed out after 300ms/);

    const abort = new AbortController();
    const running = runScript(
      parseScript(`connect tls://127.0.0.1:${silent.addr.port} as c timeout 60s`, "abort.wire"),
      { signal: abort.signal },
    );
    // abort once the TCP connection has arrived (the handshake is then pending)
    await within(third.promise, 5000, "the third connection to the silent listener");
    const t1 = performance.now();
    abort.abort();
    const aborted = await within(running, 10_000, "the aborted TLS connect to end");
    assert(!aborted.ok);
    assert(performance.now() - t1 < 2000, "the abort ended the handshake");
  } finally {
    silent.close();
    await loop.catch(() => {});
    for (const c of held) c.close();
  }
});
