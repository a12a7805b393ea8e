/**
 * `cert --out DIR [--host NAME]… [--ca]`: test certificates as PEM files (SPEC §7).
 * Without `--ca`: a self-signed `cert.pem` + `key.pem`. With `--ca`: `ca.pem` +
 * `ca-key.pem` and a leaf `cert.pem` + `key.pem` signed by that CA.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { createCertificateAuthority, issueCertificate } from "../../tls/authority.ts";
import { selfSignedCertificate } from "../../tls/self_signed.ts";
import { FileExistsError, type PemFile, writePemFiles } from "../../tls/write_pem_files.ts";
import { collect, intOption } from "../options.ts";

/** The `cert` command. */
export function certCommand() {
  return new Command("cert")
    .description(
      "Write a self-signed test certificate (or, with --ca, a small CA and a leaf signed by it) as PEM files",
    )
    .requiredOption("--out <dir>", "folder to write cert.pem and key.pem into (created if missing)")
    .option(
      "--host <name>",
      "DNS name or IP address for the certificate (repeatable)",
      collect,
      [] as string[],
    )
    .option("--ca", "also create a CA (ca.pem, ca-key.pem) and sign the certificate with it")
    .option("--days <n>", "validity in days", intOption("--days", 1, 3650), 30)
    .option("--force", "replace existing files")
    .option("--json", "print a JSON summary")
    .action(async (opts) => {
      const hosts = opts.host.length > 0 ? opts.host : undefined;
      const files: PemFile[] = [];
      try {
        if (opts.ca) {
          const ca = await createCertificateAuthority({ days: Math.max(365, opts.days) });
          const leaf = await issueCertificate(ca, { hosts, days: opts.days });
          files.push(
            { name: "ca.pem", text: ca.certPem },
            { name: "ca-key.pem", text: ca.keyPem, secret: true },
            { name: "cert.pem", text: leaf.certPem },
            { name: "key.pem", text: leaf.keyPem, secret: true },
          );
        } else {
          const pair = await selfSignedCertificate({ hosts, days: opts.days });
          files.push(
            { name: "cert.pem", text: pair.certPem },
            { name: "key.pem", text: pair.keyPem, secret: true },
          );
        }
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message, { where: "--host" });
        throw e;
      }
      let written: string[];
      try {
        written = await writePemFiles(opts.out, files, { force: opts.force });
      } catch (e) {
        if (e instanceof FileExistsError) throw new UsageError(e.message, { where: "--out" });
        if (Object.values(Deno.errors).some((c) => e instanceof c)) {
          throw new UsageError(`cannot write into "${opts.out}": ${(e as Error).message}`, {
            where: "--out",
          });
        }
        throw e;
      }
      const byName = Object.fromEntries(files.map((f, i) => [f.name, written[i]!]));
      if (opts.json) {
        console.log(JSON.stringify({
          cert: byName["cert.pem"],
          key: byName["key.pem"],
          ca: byName["ca.pem"] ?? null,
          caKey: byName["ca-key.pem"] ?? null,
          hosts: hosts ?? ["localhost", "127.0.0.1", "::1"],
          days: opts.days,
        }));
      } else {
        for (const p of written) console.log(p);
      }
    });
}
