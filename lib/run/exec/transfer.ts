/**
 * Runs the transfer and certificate statements: `send-file` and `cert` (issue 7).
 *
 * @module
 */
import { parseAddress } from "../../address/address.ts";
import type { CertNode, SendFileNode } from "../../script/grammar/transfer.ts";
import { createCertificateAuthority, issueCertificate } from "../../tls/authority.ts";
import { selfSignedCertificate } from "../../tls/self_signed.ts";
import { type PemFile, writePemFiles } from "../../tls/write_pem_files.ts";
import { TransferError } from "../../transfer/errors.ts";
import { connectTransfer, withIdleTimeout } from "../../transfer/net.ts";
import { sendFile } from "../../transfer/send.ts";
import type { Session } from "../session.ts";
import { evalPemFile, evalText } from "../values.ts";
import type { Var } from "../vars.ts";
import type { Executor } from "./executor.ts";

const sendFileStatement: Executor<SendFileNode> = async (node, session) => {
  const path = session.path(await evalText(session, node.file));
  const text = await evalText(session, node.target);
  let address;
  try {
    address = parseAddress(text, "tcp");
  } catch (e) {
    return session.fail(`send-file: ${(e as Error).message}`);
  }
  const caCerts = node.ca ? [(await evalPemFile(session, node.ca))!] : undefined;
  const name = node.name ? await evalText(session, node.name) : undefined;
  let opened;
  try {
    opened = await connectTransfer(address, {
      caCerts,
      insecure: node.insecure,
      timeoutMs: node.timeoutMs ?? 30_000,
    });
  } catch (e) {
    return session.fail(`send-file: cannot connect to ${text}: ${(e as Error).message}`);
  }
  const conn = withIdleTimeout(opened.conn, node.timeoutMs ?? 30_000);
  let summary;
  try {
    summary = await sendFile(conn, path, { name, peer: opened.peer });
  } catch (e) {
    if (e instanceof TransferError) return session.fail(`send-file ${path}: ${e.message}`);
    throw e;
  } finally {
    conn[Symbol.dispose]();
    conn.close();
  }
  session.print(
    `sent ${summary.name} (${summary.size} bytes, sha256 ${summary.sha256}) to ${summary.peer}`,
  );
  const value: Var = {
    $: summary.sha256,
    name: summary.name,
    size: summary.size,
    sha256: summary.sha256,
    resumedFrom: summary.resumedFrom,
    bytes: summary.bytes,
    seconds: summary.seconds,
  };
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

async function hostsOf(session: Session, node: CertNode): Promise<string[] | undefined> {
  if (node.hosts.length === 0) return undefined;
  const hosts: string[] = [];
  for (const h of node.hosts) hosts.push(await evalText(session, h));
  return hosts;
}

const certStatement: Executor<CertNode> = async (node, session) => {
  const dir = session.path(await evalText(session, node.dir));
  const hosts = await hostsOf(session, node);
  const files: PemFile[] = [];
  try {
    if (node.ca) {
      const ca = await createCertificateAuthority();
      const leaf = await issueCertificate(ca, { hosts });
      files.push(
        { name: "ca.pem", text: ca.certPem },
        { name: "ca-key.pem", text: ca.keyPem, secret: true },
        { name: "cert.pem", text: leaf.certPem },
        { name: "key.pem", text: leaf.keyPem, secret: true },
      );
    } else {
      const pair = await selfSignedCertificate({ hosts });
      files.push({ name: "cert.pem", text: pair.certPem }, {
        name: "key.pem",
        text: pair.keyPem,
        secret: true,
      });
    }
  } catch (e) {
    if (e instanceof RangeError) return session.fail(`cert: ${e.message}`);
    throw e;
  }
  let paths: string[];
  try {
    paths = await writePemFiles(dir, files, { force: true });
  } catch (e) {
    return session.fail(`cert: cannot write into ${dir}: ${(e as Error).message}`);
  }
  const by = Object.fromEntries(files.map((f, i) => [f.name, paths[i]!]));
  const value: Var = {
    $: by["cert.pem"]!,
    cert: by["cert.pem"]!,
    key: by["key.pem"]!,
    ...(node.ca ? { ca: by["ca.pem"]!, caKey: by["ca-key.pem"]! } : {}),
  };
  session.print(`wrote ${paths.join(", ")}`);
  if (node.as) session.vars.set(node.as, value);
  session.done(node, { vars: node.as ? value : undefined });
};

/** Executors of the transfer and certificate statements. */
export const TRANSFER_EXECUTORS: Record<string, Executor> = {
  "send-file": sendFileStatement,
  cert: certStatement,
};
