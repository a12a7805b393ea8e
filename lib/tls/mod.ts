/**
 * Test certificates: a self-signed server certificate, or a small CA and leaves it
 * signs, as PEM, for `Deno.listenTls` and `Deno.connectTls({ caCerts })`.
 *
 * @module
 */
export {
  type CertificatePair,
  selfSignedCertificate,
  type SelfSignedOptions,
} from "./self_signed.ts";
export {
  type AuthorityOptions,
  createCertificateAuthority,
  issueCertificate,
  type IssueOptions,
} from "./authority.ts";
export {
  FileExistsError,
  type PemFile,
  writeFileAtomic,
  writePemFiles,
} from "./write_pem_files.ts";
