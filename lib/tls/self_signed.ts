/**
 * A fresh self-signed certificate for a test TLS server (SPEC §3: a `tls://` server
 * without a certificate gets one for `localhost` and `127.0.0.1`).
 *
 * @module
 */
// _x509.ts (and @peculiar/x509 behind it) is imported on first use: it costs hundreds of
// milliseconds, and every module that can listen on tls:// reaches this file (REPL startup).

/**
 * Options for {@linkcode selfSignedCertificate}.
 *
 * @example A certificate for one IP address
 * ```ts
 * import type { SelfSignedOptions } from "@wireplay/wireplay";
 * const options: SelfSignedOptions = { hosts: ["127.0.0.1"], days: 1 };
 * // await selfSignedCertificate(options)
 * ```
 */
export interface SelfSignedOptions {
  /** Names and IP addresses the certificate is valid for; default `localhost`, `127.0.0.1`, `::1`. */
  hosts?: string[];
  /** Days of validity from now; default 30. */
  days?: number;
}

/**
 * A certificate and its private key, both PEM.
 *
 * @example Serve TLS with a pair
 * ```ts
 * import type { CertificatePair } from "@wireplay/wireplay";
 * function listenTls(pair: CertificatePair): Deno.TlsListener {
 *   return Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: pair.certPem, key: pair.keyPem });
 * }
 * ```
 */
export interface CertificatePair {
  /** The certificate, `-----BEGIN CERTIFICATE-----`. */
  certPem: string;
  /** The PKCS#8 private key, `-----BEGIN PRIVATE KEY-----`. */
  keyPem: string;
}

/**
 * Creates a self-signed ECDSA P-256 server certificate: CN `localhost` (or the first
 * host), DNS and IP subject alternative names, valid from an hour ago for 30 days,
 * keyUsage digitalSignature, extKeyUsage serverAuth, not a CA.
 *
 * @param opts The hosts (default `localhost`, `127.0.0.1`, `::1`) and validity.
 * @returns The certificate and PKCS#8 key as PEM, ready for `Deno.listenTls({ cert, key })`;
 *   a client trusts it with `Deno.connectTls({ caCerts: [certPem] })`.
 *
 * @example Serve TLS with it
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { selfSignedCertificate } from "./self_signed.ts";
 * const { certPem, keyPem } = await selfSignedCertificate();
 * assertStringIncludes(certPem, "BEGIN CERTIFICATE");
 * assertStringIncludes(keyPem, "BEGIN PRIVATE KEY");
 * ```
 */
export async function selfSignedCertificate(
  opts: SelfSignedOptions = {},
): Promise<CertificatePair> {
  const {
    certificatePem,
    dnValue,
    generateKeyPair,
    normaliseHosts,
    privateKeyPem,
    randomSerial,
    SIGNING_ALGORITHM,
    subjectAltNames,
    validity,
    x509,
  } = await import("./_x509.ts");
  const hosts = normaliseHosts(opts.hosts);
  const keys = await generateKeyPair();
  const cn = hosts.includes("localhost") ? "localhost" : hosts[0]!;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${dnValue(cn)}, O=wireplay test certificate`,
    ...validity(opts.days ?? 30),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      subjectAltNames(hosts),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificatePem(cert), keyPem: await privateKeyPem(keys.privateKey) };
}
