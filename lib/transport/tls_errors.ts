/**
 * TLS failures as one plain sentence: which certificate, why it was refused, and what to
 * do about it. No rustls or OpenSSL internals (`Other(OtherError(…))`, error codes
 * alone) reach a user.
 *
 * @module
 */
import type { DetailedPeerCertificate, PeerCertificate } from "node:tls";

const USE_CA = "pass `ca FILE` with the certificate that signed it (or the server's own), " +
  "or `insecure` to skip verification";

/** Why a server's certificate was refused, from node:tls's `authorizationError` code. */
export function certificateRefusal(
  code: string,
  cert: DetailedPeerCertificate | PeerCertificate | undefined,
  name: string,
): string {
  const which = cert?.subject
    ? `the server's certificate ${describeSubject(cert)}`
    : "the server's certificate";
  switch (code) {
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return `${which} is self-signed and not trusted: pass \`ca FILE\` with that certificate ` +
        "(e.g. the cert.pem the server uses), or `insecure` to skip verification";
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "CERT_SIGNATURE_FAILURE":
      return `${which}, issued by ${describeName(cert?.issuer)}, is signed by an authority ` +
        `that is not trusted: ${USE_CA}`;
    case "CERT_HAS_EXPIRED":
      return `${which} expired on ${isoDate(cert?.valid_to)}: renew it ` +
        "(e.g. `wireplay cert`), or `insecure` to skip verification";
    case "CERT_NOT_YET_VALID":
      return `${which} is not valid before ${isoDate(cert?.valid_from)}: check the clocks, ` +
        "or `insecure` to skip verification";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
    case "HOSTNAME_MISMATCH":
    case "IP_ADDRESS_MISMATCH":
      return `${which} is for ${namesOf(cert)}, not for ${name}: connect with one of those ` +
        `names or set \`servername NAME\`, make one for ${name} ` +
        `(\`wireplay cert --host ${name}\`), or \`insecure\` to skip verification`;
    case "INVALID_CA":
    case "INVALID_PURPOSE":
      return `${which} is signed by a certificate that may not sign certificates: ${USE_CA}`;
    default:
      return `${which} was refused (${code.toLowerCase().replaceAll("_", " ")}): ${USE_CA}`;
  }
}

/** A handshake error (node:tls or rustls text) as a plain sentence. */
export function plainTlsError(error: Error): string {
  const text = error.message;
  const rule = RULES.find(([re]) => re.test(text));
  if (rule) return rule[1];
  // Unwrap rustls's debug formatting: `Other(OtherError(CaUsedAsEndEntity))` → `ca used as end entity`.
  const inner = /([A-Z][A-Za-z]+)\)*$/.exec(text.replace(/\s+$/, ""));
  const cleaned = text.includes("OtherError") && inner
    ? `${text.replace(/:.*$/, "")}: ${words(inner[1]!)}`
    : text;
  return `TLS handshake failed: ${cleaned}`;
}

const RULES: [RegExp, string][] = [
  [
    /CertificateRequired|peer sent no certificates/i,
    "the server asks for a client certificate: add `cert FILE key FILE`",
  ],
  [
    /alert: (BadCertificate|UnknownCA|UnsupportedCertificate|CertificateUnknown|DecryptError|AccessDenied)|bad certificate|unknown ca/i,
    "the server refused our client certificate: use one signed by a CA the server trusts",
  ],
  [
    /socket hang up|ECONNRESET|connection reset|closed|eof/i,
    "the server closed the connection during the TLS handshake (it may not speak TLS, or it " +
    "refused our client certificate, or needs one: `cert FILE key FILE`)",
  ],
  [
    /WRONG_VERSION_NUMBER|InvalidContentType|CorruptMessage|wrong version|packet length/i,
    "the server did not answer in TLS (is it a plain TCP service? use tcp://)",
  ],
  [
    /PEM|private key|no start line|KeyMismatch|key values mismatch/i,
    "the client certificate or key could not be used (check that `cert FILE key FILE` are a " +
    "PEM certificate and its private key)",
  ],
];

function words(camel: string): string {
  return camel.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function describeSubject(cert: PeerCertificate): string {
  return `"${describeName(cert.subject)}"`;
}

function describeName(name: PeerCertificate["subject"] | undefined): string {
  if (!name) return "an unknown issuer";
  const parts = Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`);
  return parts.length ? parts.join(", ") : "an empty name";
}

function namesOf(cert: PeerCertificate | undefined): string {
  const alt = cert?.subjectaltname;
  if (alt) {
    return alt.split(/,\s*/).map((s) => s.replace(/^(DNS|IP Address):/, "")).join(", ");
  }
  const cn = cert?.subject?.CN;
  return cn ? String(cn) : "no name";
}

function isoDate(text: string | undefined): string {
  if (!text) return "an unknown date";
  const t = Date.parse(text);
  return Number.isNaN(t) ? text : new Date(t).toISOString().replace(".000Z", "Z");
}
