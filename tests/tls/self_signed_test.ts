import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { selfSignedCertificate } from "../../lib/tls/self_signed.ts";
import { openssl, tlsHello, tlsHelloServer } from "./_tls_helpers.ts";
import { needs } from "../helpers/peers.ts";

Deno.test("self-signed: a Deno client trusting it completes a handshake by name, IPv4 and IPv6", async () => {
  const { certPem, keyPem } = await selfSignedCertificate();
  {
    await using srv = tlsHelloServer(certPem, keyPem, "127.0.0.1");
    assertEquals(await tlsHello(srv.port, { hostname: "localhost", caCerts: [certPem] }), "hello");
    assertEquals(await tlsHello(srv.port, { hostname: "127.0.0.1", caCerts: [certPem] }), "hello");
  }
  {
    await using srv = tlsHelloServer(certPem, keyPem, "::1");
    assertEquals(await tlsHello(srv.port, { hostname: "::1", caCerts: [certPem] }), "hello");
  }
});

Deno.test("self-signed: refused without trust and for a name it does not carry", async () => {
  const { certPem, keyPem } = await selfSignedCertificate();
  await using srv = tlsHelloServer(certPem, keyPem);
  await assertRejects(() => tlsHello(srv.port, { hostname: "127.0.0.1" }));
  const named = await selfSignedCertificate({ hosts: ["example.test"] });
  {
    await using other = tlsHelloServer(named.certPem, named.keyPem);
    await assertRejects(() =>
      tlsHello(other.port, { hostname: "127.0.0.1", caCerts: [named.certPem] })
    );
  }
  const other = await selfSignedCertificate();
  await assertRejects(() =>
    tlsHello(srv.port, { hostname: "127.0.0.1", caCerts: [other.certPem] })
  );
});

Deno.test({
  name: "self-signed: openssl reads the SANs, usages and validity",
  ...needs("openssl"),
  fn: async () => {
    const { certPem, keyPem } = await selfSignedCertificate({
      hosts: ["example.test", "10.1.2.3"],
    });
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/c.pem`, certPem);
      await Deno.writeTextFile(`${dir}/k.pem`, keyPem);
      const { code, out } = await openssl("x509", "-in", `${dir}/c.pem`, "-text", "-noout");
      assertEquals(code, 0);
      assertStringIncludes(out, "DNS:example.test");
      assertStringIncludes(out, "IP Address:10.1.2.3");
      assert(!out.includes("DNS:localhost"), "custom hosts replace the defaults");
      assertStringIncludes(out, "CA:FALSE");
      assertStringIncludes(out, "Digital Signature");
      assertStringIncludes(out, "TLS Web Server Authentication");
      assertMatch(out, /Subject: CN ?= ?example\.test/);
      // valid now, and for about 30 days: not after the 31st day, still after the 29th
      assertEquals(
        (await openssl("x509", "-in", `${dir}/c.pem`, "-noout", "-checkend", "0")).code,
        0,
      );
      assertEquals(
        (await openssl("x509", "-in", `${dir}/c.pem`, "-noout", "-checkend", `${29 * 86400}`)).code,
        0,
      );
      assertEquals(
        (await openssl("x509", "-in", `${dir}/c.pem`, "-noout", "-checkend", `${31 * 86400}`)).code,
        1,
      );
      // the key is PKCS#8 and matches the certificate
      const key = await openssl("pkey", "-in", `${dir}/k.pem`, "-pubout");
      const pub = await openssl("x509", "-in", `${dir}/c.pem`, "-noout", "-pubkey");
      assertEquals(key.code, 0);
      assertEquals(key.out, pub.out);
      assertStringIncludes(keyPem, "-----BEGIN PRIVATE KEY-----");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "self-signed: default SANs are localhost, 127.0.0.1 and ::1",
  ...needs("openssl"),
  fn: async () => {
    const { certPem } = await selfSignedCertificate();
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/c.pem`, certPem);
      const { out } = await openssl("x509", "-in", `${dir}/c.pem`, "-text", "-noout");
      assertStringIncludes(out, "DNS:localhost");
      assertStringIncludes(out, "IP Address:127.0.0.1");
      assertMatch(out, /IP Address:(0:0:0:0:0:0:0:1|::1)/);
      assertMatch(out, /Subject: CN ?= ?localhost/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("self-signed: a bad host name is refused", async () => {
  await assertRejects(() => selfSignedCertificate({ hosts: ["bad name"] }), RangeError, "bad name");
  await assertRejects(() => selfSignedCertificate({ hosts: [""] }), RangeError);
});
