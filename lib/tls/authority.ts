/**
 * A small certificate authority for tests: one CA certificate and leaf certificates
 * signed by it, so a client can trust the CA (`openssl verify -CAfile ca.pem leaf.pem`,
 * `connect … ca ca.pem`) while servers rotate leaves.
 *
 * @module
 */
import type { CertificatePair } from "./self_signed.ts";

// _x509.ts (@peculiar/x509 and the reflect-metadata polyfill it needs) is imported on first
// use, as in self_signed.ts: importing this module must not load it or modify globals.

/**
 * Options for {@linkcode createCertificateAuthority}.
 *
 * @example A CA for a week
 * ```ts
 * import type { AuthorityOptions } from "@wireplay/wireplay";
 * const options: AuthorityOptions = { name: "staging CA", days: 7 };
 * // await createCertificateAuthority(options)
 * ```
 */
export interface AuthorityOptions {
  /** The CA's common name; default `wireplay test CA`. */
  name?: string;
  /** Days of validity; default 365. */
  days?: number;
}

/**
 * Options for {@linkcode issueCertificate}.
 *
 * @example A client certificate for mutual TLS
 * ```ts
 * import type { IssueOptions } from "@wireplay/wireplay";
 * const options: IssueOptions = { hosts: ["client.test"], days: 1, clientAuth: true };
 * // await issueCertificate(ca, options)
 * ```
 */
export interface IssueOptions {
  /** Names and IP addresses; default `localhost`, `127.0.0.1`, `::1`. */
  hosts?: string[];
  /** Days of validity; default 30 (never beyond the CA's own expiry). */
  days?: number;
  /** Also allow the certificate for TLS client authentication. */
  clientAuth?: boolean;
}

/**
 * Creates a self-signed CA certificate (ECDSA P-256, CA:TRUE pathlen 0, keyCertSign).
 *
 * @param opts The CA's name and validity.
 * @returns The CA certificate and its PKCS#8 key as PEM, to pass to {@linkcode issueCertificate}.
 *
 * @example A CA and a leaf
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { createCertificateAuthority, issueCertificate } from "./authority.ts";
 * const ca = await createCertificateAuthority();
 * const leaf = await issueCertificate(ca, { hosts: ["localhost"] });
 * assertStringIncludes(leaf.certPem, "BEGIN CERTIFICATE");
 * ```
 */
export async function createCertificateAuthority(
  opts: AuthorityOptions = {},
): Promise<CertificatePair> {
  const {
    certificatePem,
    dnValue,
    generateKeyPair,
    privateKeyPem,
    randomSerial,
    SIGNING_ALGORITHM,
    validity,
    x509,
  } = await import("./_x509.ts");
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${dnValue(opts.name ?? "wireplay test CA")}, O=wireplay`,
    ...validity(opts.days ?? 365),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificatePem(cert), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Issues a server certificate signed by `ca`: DNS and IP SANs, CA:FALSE,
 * digitalSignature, serverAuth (and clientAuth when asked), authority key identifier.
 *
 * @param ca The CA's certificate and key, from {@linkcode createCertificateAuthority}.
 * @param opts Hosts and validity.
 * @returns The leaf certificate and its own PKCS#8 key as PEM.
 *
 * @example A leaf that a client can trust through the CA
 * ```ts
 * import { createCertificateAuthority, issueCertificate } from "@wireplay/wireplay";
 * import { assertNotEquals, assertStringIncludes } from "@std/assert";
 * const ca = await createCertificateAuthority({ name: "doc CA" });
 * const leaf = await issueCertificate(ca, { hosts: ["127.0.0.1"], days: 1 });
 * assertStringIncludes(leaf.certPem, "BEGIN CERTIFICATE");
 * assertNotEquals(leaf.keyPem, ca.keyPem);
 * ```
 */
export async function issueCertificate(
  ca: CertificatePair,
  opts: IssueOptions = {},
): Promise<CertificatePair> {
  const {
    certificatePem,
    dnValue,
    generateKeyPair,
    importPrivateKeyPem,
    normaliseHosts,
    privateKeyPem,
    randomSerial,
    SIGNING_ALGORITHM,
    subjectAltNames,
    validity,
    x509,
  } = await import("./_x509.ts");
  const hosts = normaliseHosts(opts.hosts);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKeyPem(ca.keyPem);
  const keys = await generateKeyPair();
  const cn = hosts.includes("localhost") ? "localhost" : hosts[0]!;
  const window = validity(opts.days ?? 30);
  if (window.notAfter > caCert.notAfter) window.notAfter = caCert.notAfter;
  const usages = [x509.ExtendedKeyUsage.serverAuth];
  if (opts.clientAuth) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${dnValue(cn)}, O=wireplay test certificate`,
    issuer: caCert.subject,
    ...window,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      subjectAltNames(hosts),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: certificatePem(cert), keyPem: await privateKeyPem(keys.privateKey) };
}
