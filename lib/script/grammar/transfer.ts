/**
 * Statements of the file transfer and certificate area (issue 7): `send-file` sends a
 * file to a WPFT/1 receiver (`serve files`, `recv-file`), `cert` writes test
 * certificates; both bind their results with `as NAME`.
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { StatementSyntax } from "./syntax.ts";

/** `send-file FILE to ADDR [name NAME] [ca FILE | insecure] [timeout D] [as VAR]` */
export interface SendFileNode extends StatementBase {
  kind: "send-file";
  file: ValueNode;
  target: ValueNode;
  name?: ValueNode;
  ca?: ValueNode;
  insecure: boolean;
  timeoutMs?: number;
  as?: string;
}

/** `cert DIR [host NAME]… [ca] [as VAR]` */
export interface CertNode extends StatementBase {
  kind: "cert";
  dir: ValueNode;
  hosts: ValueNode[];
  ca: boolean;
  as?: string;
}

/** The transfer and certificate statements. */
export const TRANSFER_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "send-file",
    usage: "send-file FILE to ADDR [name NAME] [ca FILE | insecure] [timeout D] [as VAR]",
    summary: "send a file to serve files / recv-file, verified by SHA-256; fails unless it landed",
    example: 'send-file "data.bin" to ${inbox.address} as sent',
    completions: ["to", "name", "ca", "insecure", "timeout", "as"],
    details: "${VAR} is the SHA-256; fields name, size, sha256, resumedFrom, bytes, seconds.",
    parse(r, base): SendFileNode {
      const file = r.value("a file");
      r.expectKeyword("to", "after the file");
      const target = r.value("an address");
      const node: SendFileNode = { ...base, kind: "send-file", file, target, insecure: false };
      while (!r.atEnd()) {
        if (r.keyword("name")) node.name = r.value("a file name");
        else if (r.keyword("ca")) node.ca = r.value("a CA file");
        else if (r.keyword("insecure")) node.insecure = true;
        else if (r.keyword("timeout")) node.timeoutMs = r.duration("a timeout").ms;
        else if (r.keyword("as")) node.as = r.name("variable name").text;
        else r.fail(`unexpected "${r.peekWord()}" (expected name, ca, insecure, timeout or as)`);
      }
      if (node.ca && node.insecure) r.fail("use either ca FILE or insecure, not both");
      return node;
    },
  },
  {
    keyword: "cert",
    usage: "cert DIR [host NAME]… [ca] [as VAR]",
    summary: "write a self-signed certificate (or a CA and a leaf) as PEM files into DIR",
    example: 'cert "certs" host localhost host 127.0.0.1 ca as tls',
    completions: ["host", "ca", "as"],
    details: "Fields cert, key (and ca, caKey with ca): the paths of the PEM files.",
    parse(r, base): CertNode {
      const node: CertNode = {
        ...base,
        kind: "cert",
        dir: r.value("a folder"),
        hosts: [],
        ca: false,
      };
      while (!r.atEnd()) {
        if (r.keyword("host")) node.hosts.push(r.value("a host name or IP address"));
        else if (r.keyword("ca")) node.ca = true;
        else if (r.keyword("as")) node.as = r.name("variable name").text;
        else r.fail(`unexpected "${r.peekWord()}" (expected host, ca or as)`);
      }
      return node;
    },
  },
];
