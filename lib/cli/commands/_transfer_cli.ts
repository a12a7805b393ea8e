/**
 * What `send-file` and `recv-file` share: TLS and listening options, opening the
 * connection, and printing the result or the failure.
 *
 * @module
 */
import { type Address } from "../../address/address.ts";
import { formatBytes, formatDuration } from "../../bytes/units.ts";
import { UsageError } from "../../errors.ts";
import { openEndpoint } from "../../transfer/endpoint.ts";
import { TransferError } from "../../transfer/errors.ts";
import type { OpenedConn } from "../../transfer/net.ts";
import { withIdleTimeout } from "../../transfer/net.ts";
import type { TransferSummary } from "../../transfer/summary.ts";
import { ExitCode } from "../main.ts";
import { readFlagText } from "../../fs/read_file.ts";

/** How long a transfer may stand still before it is abandoned. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** The shared options, parsed. */
export interface TransferCliOptions {
  listen?: boolean;
  ca?: string;
  insecure?: boolean;
  cert?: string;
  key?: string;
  /** Idle timeout in milliseconds (default 30 s). */
  timeout?: number;
  json?: boolean;
  /** Listening: what a real peer sends first; other connections are reported and dropped. */
  firstBytes?: Uint8Array;
}

async function readPem(path: string | undefined, flag: string): Promise<string | undefined> {
  return path === undefined ? undefined : await readFlagText(path, flag);
}

/** Opens the connection as the options say, printing `listening on ADDR` to stderr when listening. */
export async function openForCli(address: Address, opts: TransferCliOptions) {
  if (opts.listen && (opts.ca || opts.insecure)) {
    throw new UsageError("--ca and --insecure are for connecting, not --listen", {
      where: opts.ca ? "--ca" : "--insecure",
    });
  }
  if (!opts.listen && (opts.cert || opts.key)) {
    throw new UsageError("--cert and --key are for --listen", {
      where: opts.cert ? "--cert" : "--key",
    });
  }
  const ca = await readPem(opts.ca, "--ca");
  const cert = await readPem(opts.cert, "--cert");
  const key = await readPem(opts.key, "--key");
  let tmpDir: string | undefined;
  let opened: OpenedConn;
  try {
    opened = await openEndpoint(address, {
      listen: opts.listen,
      caCerts: ca ? [ca] : undefined,
      insecure: opts.insecure,
      cert,
      key,
      connectTimeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS,
      firstBytes: opts.firstBytes,
      firstBytesTimeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS,
      onStranger: (peer, why) =>
        console.error(`wireplay: ignored a connection from ${peer}: ${why}`),
      onLog: (line) => console.error(`wireplay: ${line}`),
      onListening: async ({ address, certPem }) => {
        console.error(`listening on ${address}`);
        if (certPem && !cert) {
          tmpDir = await Deno.makeTempDir({ prefix: "wireplay-cert-" });
          removeOnSignal(tmpDir);
          await Deno.writeTextFile(`${tmpDir}/cert.pem`, certPem);
          console.error(`certificate: ${tmpDir}/cert.pem`);
        }
      },
    });
  } catch (e) {
    if (tmpDir) await removeNow(tmpDir);
    throw e;
  }
  const conn = withIdleTimeout(opened.conn, opts.timeout ?? DEFAULT_TIMEOUT_MS);
  return {
    conn,
    peer: opened.peer,
    async [Symbol.asyncDispose]() {
      conn[Symbol.dispose]();
      conn.close();
      if (tmpDir) await removeNow(tmpDir);
    },
  };
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const onSignal = new Map<string, () => void>();

/**
 * The self-signed certificate is written for the user to pass to the sender's `--ca`,
 * so it must exist while listening; a Ctrl-C or a `kill` must not leave it in the temp
 * folder: the folder is removed, then the process exits (130 / 143).
 */
function removeOnSignal(dir: string): void {
  for (const sig of SIGNALS) {
    const handler = () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* gone */ }
      Deno.exit(sig === "SIGINT" ? 130 : 143);
    };
    onSignal.set(`${dir} ${sig}`, handler);
    Deno.addSignalListener(sig, handler);
  }
}

async function removeNow(dir: string): Promise<void> {
  for (const sig of SIGNALS) {
    const handler = onSignal.get(`${dir} ${sig}`);
    if (handler) Deno.removeSignalListener(sig, handler);
    onSignal.delete(`${dir} ${sig}`);
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** Prints the summary (one line, or JSON). */
export function printSummary(s: TransferSummary, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ok: true, ...s }));
    return;
  }
  const verb = s.direction === "sent" ? "sent" : "received";
  const where = s.direction === "sent" ? `to ${s.peer}` : `into ${s.path} from ${s.peer}`;
  const resumed = s.resumedFrom > 0 ? `, resumed at ${formatBytes(s.resumedFrom)}` : "";
  console.log(
    `${verb} ${s.name} (${formatBytes(s.size)}, ${s.hash} ${s.digest}) ${where} in ${
      s.seconds.toFixed(2)
    }s, ${formatBytes(s.bytesPerSecond)}/s${resumed}`,
  );
}

/** Prints a failed transfer as one line (and JSON when asked) and ends with exit code 1. */
export function failTransfer(e: unknown, json: boolean, timedOutAfterMs?: number): never {
  if (e instanceof TransferError) {
    const message = timedOutAfterMs !== undefined && e.kind === "interrupted"
      ? `Nothing moved for ${formatDuration(timedOutAfterMs)}: gave up (--timeout)`
      : e.message;
    if (json) {
      console.log(JSON.stringify({ ok: false, error: e.kind, code: e.code ?? null, message }));
    }
    console.error(`wireplay: ${message}`);
    throw new ExitCode(1);
  }
  throw e;
}
