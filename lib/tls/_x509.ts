/**
 * Private helpers shared by the certificate builders: the ECDSA P-256 key pair, the
 * subject alternative names, validity window and PEM export.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

/** ECDSA P-256 with SHA-256: what every TLS stack accepts and fast to generate. */
export const KEY_ALGORITHM: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
/** The signature algorithm for every certificate we issue. */
export const SIGNING_ALGORITHM: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** The names a test server answers to when none are given. */
export const DEFAULT_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** Generates an extractable ECDSA P-256 key pair. */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
}

/** Whether `host` is an IPv4 or IPv6 literal (brackets allowed) rather than a DNS name. */
export function isIpLiteral(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return h.split(".").every((p) => Number(p) <= 255);
  return h.includes(":") && /^[0-9a-fA-F:.]+$/.test(h);
}

/** Checks and normalises the host list: IP literals lose brackets, names are lowercased. */
export function normaliseHosts(hosts: readonly string[] | undefined): string[] {
  const list = hosts && hosts.length > 0 ? hosts : DEFAULT_HOSTS;
  const out: string[] = [];
  for (const raw of list) {
    const host = raw.trim().replace(/^\[|\]$/g, "");
    if (host === "") throw new RangeError(`Cannot use host "${raw}": empty name`);
    const name = isIpLiteral(host) ? host : host.toLowerCase();
    if (
      !isIpLiteral(name) &&
      !/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(
        name,
      )
    ) {
      throw new RangeError(`Cannot use host "${raw}": not a DNS name or IP address`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The subjectAltName extension: IP literals as IP SANs, everything else as DNS SANs. */
export function subjectAltNames(hosts: readonly string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    hosts.map((
      h,
    ) => (isIpLiteral(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h })),
  );
}

/** A validity window starting an hour ago (clock skew) and lasting `days`. */
export function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: new Date(now - 60 * 60 * 1000),
    notAfter: new Date(now + days * 24 * 60 * 60 * 1000),
  };
}

/** A random positive 16-byte serial number in hex. */
export function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, no leading zero byte
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Escapes a value for an RFC 4514 distinguished-name string. */
export function dnValue(text: string): string {
  return text.replace(/([,+"\\<>;=])/g, "\\$1").replace(/^([ #])/, "\\$1").replace(/ $/, "\\ ");
}

/** Exports a private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

/** A certificate as PEM with a trailing newline. */
export function certificatePem(cert: x509.X509Certificate): string {
  return cert.toString("pem") + "\n";
}

/** Imports a PKCS#8 PEM ECDSA P-256 private key for signing. */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const ders = x509.PemConverter.decode(pem);
  const der = ders[0];
  if (!der) throw new TypeError("Cannot import private key: no PEM block found");
  return await crypto.subtle.importKey("pkcs8", der, KEY_ALGORITHM, true, ["sign"]);
}

/** The @peculiar/x509 namespace, with the WebCrypto provider set. */
export { x509 };
