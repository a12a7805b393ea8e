import { assertEquals, assertMatch, assertRejects, assertStringIncludes } from "@std/assert";
import { createCertificateAuthority, issueCertificate } from "../../lib/tls/authority.ts";
import { openssl, tlsHello, tlsHelloServer } from "./_tls_helpers.ts";
import { needs } from "../helpers/peers.ts";

Deno.test({
  name: "authority: openssl verifies the leaf against the CA, and not against another CA",
  ...needs("openssl"),
  fn: async () => {
    const ca = await createCertificateAuthority();
    const leaf = await issueCertificate(ca, { hosts: ["svc.test", "192.0.2.7"] });
    const stranger = await createCertificateAuthority();
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/ca.pem`, ca.certPem);
      await Deno.writeTextFile(`${dir}/other.pem`, stranger.certPem);
      await Deno.writeTextFile(`${dir}/leaf.pem`, leaf.certPem);
      const ok = await openssl(
        "verify",
        "-CAfile",
        `${dir}/ca.pem`,
        "-purpose",
        "sslserver",
        `${dir}/leaf.pem`,
      );
      assertEquals(ok.code, 0, ok.err);
      assertStringIncludes(ok.out, "OK");
      const bad = await openssl("verify", "-CAfile", `${dir}/other.pem`, `${dir}/leaf.pem`);
      assertEquals(bad.code, 2);
      const text = (await openssl("x509", "-in", `${dir}/leaf.pem`, "-text", "-noout")).out;
      assertStringIncludes(text, "DNS:svc.test");
      assertStringIncludes(text, "IP Address:192.0.2.7");
      assertStringIncludes(text, "CA:FALSE");
      assertMatch(text, /Issuer: CN ?= ?wireplay test CA/);
      const caText = (await openssl("x509", "-in", `${dir}/ca.pem`, "-text", "-noout")).out;
      assertStringIncludes(caText, "CA:TRUE");
      assertStringIncludes(caText, "Certificate Sign");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("authority: a Deno client trusting only the CA accepts a leaf it issued", async () => {
  const ca = await createCertificateAuthority();
  const leaf = await issueCertificate(ca);
  await using srv = tlsHelloServer(leaf.certPem, leaf.keyPem);
  assertEquals(await tlsHello(srv.port, { hostname: "localhost", caCerts: [ca.certPem] }), "hello");
  assertEquals(await tlsHello(srv.port, { hostname: "127.0.0.1", caCerts: [ca.certPem] }), "hello");
  const other = await createCertificateAuthority();
  await assertRejects(() =>
    tlsHello(srv.port, { hostname: "localhost", caCerts: [other.certPem] })
  );
});

Deno.test({
  name: "authority: a leaf never outlives its CA",
  ...needs("openssl"),
  fn: async () => {
    const ca = await createCertificateAuthority({ days: 2 });
    const leaf = await issueCertificate(ca, { days: 30 });
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/leaf.pem`, leaf.certPem);
      assertEquals(
        (await openssl("x509", "-in", `${dir}/leaf.pem`, "-noout", "-checkend", `${86400}`)).code,
        0,
      );
      assertEquals(
        (await openssl("x509", "-in", `${dir}/leaf.pem`, "-noout", "-checkend", `${3 * 86400}`))
          .code,
        1,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
