import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { openssl, runCli, tlsHello, tlsHelloServer } from "./_tls_helpers.ts";
import { needs } from "../helpers/peers.ts";

Deno.test({
  name: "cert --ca: openssl verifies the leaf, SANs present, keys 0600, Deno handshakes",
  ...needs("openssl"),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/certs`;
      const r = await runCli(
        "cert",
        "--out",
        out,
        "--ca",
        "--host",
        "localhost",
        "--host",
        "127.0.0.1",
        "--host",
        "api.test",
      );
      assertEquals(r.code, 0, r.err);
      for (const f of ["ca.pem", "ca-key.pem", "cert.pem", "key.pem"]) {
        assertStringIncludes(r.out, `${out}/${f}`);
      }
      const v = await openssl("verify", "-CAfile", `${out}/ca.pem`, `${out}/cert.pem`);
      assertEquals(v.code, 0, v.err);
      assertStringIncludes(v.out, "cert.pem: OK");
      const text = (await openssl("x509", "-in", `${out}/cert.pem`, "-text", "-noout")).out;
      assertStringIncludes(text, "DNS:localhost");
      assertStringIncludes(text, "DNS:api.test");
      assertStringIncludes(text, "IP Address:127.0.0.1");
      assertEquals((await Deno.stat(`${out}/key.pem`)).mode! & 0o777, 0o600);
      assertEquals((await Deno.stat(`${out}/ca-key.pem`)).mode! & 0o777, 0o600);
      assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
        "ca-key.pem",
        "ca.pem",
        "cert.pem",
        "key.pem",
      ]);
      const cert = await Deno.readTextFile(`${out}/cert.pem`);
      const key = await Deno.readTextFile(`${out}/key.pem`);
      const ca = await Deno.readTextFile(`${out}/ca.pem`);
      await using srv = tlsHelloServer(cert, key);
      assertEquals(await tlsHello(srv.port, { hostname: "localhost", caCerts: [ca] }), "hello");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cert: self-signed by default, refuses to overwrite without --force, --json summary",
  ...needs("openssl"),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const r = await runCli("cert", "--out", dir, "--json");
      assertEquals(r.code, 0, r.err);
      const summary = JSON.parse(r.out);
      assertEquals(summary.cert, `${dir}/cert.pem`);
      assertEquals(summary.ca, null);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["cert.pem", "key.pem"]);
      const text = (await openssl("x509", "-in", `${dir}/cert.pem`, "-text", "-noout")).out;
      assertStringIncludes(text, "DNS:localhost");
      assertStringIncludes(text, "IP Address:127.0.0.1");
      const self = await openssl("verify", "-CAfile", `${dir}/cert.pem`, `${dir}/cert.pem`);
      assertEquals(self.code, 0, self.err);

      const before = await Deno.readTextFile(`${dir}/cert.pem`);
      const again = await runCli("cert", "--out", dir);
      assertEquals(again.code, 2);
      assertMatch(again.err, /^wireplay: --out: .*cert\.pem exists/);
      assert(!again.err.includes("    at "), "no stack trace");
      assertEquals(await Deno.readTextFile(`${dir}/cert.pem`), before);

      const forced = await runCli("cert", "--out", dir, "--force");
      assertEquals(forced.code, 0, forced.err);
      assert(await Deno.readTextFile(`${dir}/cert.pem`) !== before);
      assertEquals(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        ["cert.pem", "key.pem"],
        "no temp files left",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("cert: a bad --host is a usage error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli("cert", "--out", dir, "--host", "no spaces allowed");
    assertEquals(r.code, 2);
    assertMatch(r.err, /^wireplay: --host: /);
    assertEquals([...Deno.readDirSync(dir)].length, 0);
    await Deno.writeTextFile(`${dir}/plain`, "");
    const notDir = await runCli("cert", "--out", `${dir}/plain`);
    assertEquals(notDir.code, 2);
    assertMatch(notDir.err, /^wireplay: --out: cannot write into /);
    assert(!notDir.err.includes("    at "), "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
