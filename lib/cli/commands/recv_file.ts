/**
 * `recv-file ADDR --dir DIR`: receives one file over WPFT/1 (SPEC §7) from a
 * `send-file`; with `--listen`, waits for the sender to connect. The file appears in
 * DIR only complete and verified.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { MAGIC } from "../../transfer/protocol.ts";
import { receiveFile } from "../../transfer/receive.ts";
import { Progress } from "../progress.ts";
import { addressArg, durationOption, sizeOption } from "../options.ts";
import { failTransfer, openForCli, printSummary } from "./_transfer_cli.ts";

/** The `recv-file` command. */
export function recvFileCommand() {
  return new Command("recv-file")
    .description(
      "Receive one file from send-file into DIR, verified by SHA-256; resumes an interrupted transfer",
    )
    .argument(
      "<address>",
      "the sender (tcp://HOST:PORT, tls://HOST:PORT, unix:///path); with --listen, where to listen",
    )
    .requiredOption("--dir <dir>", "folder to write the file into")
    .option("--force", "replace an existing file of the same name")
    .option(
      "--max-size <size>",
      "refuse files larger than this (default 16GiB; offers over the free space are refused too)",
      sizeOption("--max-size"),
    )
    .option("--listen", "wait for the other side to connect to ADDR instead of connecting")
    .option("--ca <file>", "trust this CA certificate (PEM) for tls://")
    .option("--insecure", "do not verify the TLS certificate")
    .option("--cert <file>", "certificate PEM when listening on tls:// (self-signed when omitted)")
    .option("--key <file>", "private key PEM when listening on tls://")
    .option(
      "--timeout <duration>",
      "give up when nothing moves for this long (default 30s)",
      durationOption("--timeout"),
    )
    .option("--json", "print a JSON summary")
    .action(async (address, opts) => {
      const addr = addressArg(address, "address", "tcp");
      try {
        if (!(await Deno.stat(opts.dir)).isDirectory) throw new Error("not a directory");
      } catch (e) {
        throw new UsageError(`cannot write into "${opts.dir}": ${(e as Error).message}`, {
          where: "--dir",
        });
      }
      // listening, only a sender's first bytes start a transfer: probes and scanners are dropped
      await using endpoint = await openForCli(addr, { ...opts, firstBytes: MAGIC });
      let progress: Progress | undefined;
      try {
        const summary = await receiveFile(endpoint.conn, {
          dir: opts.dir,
          force: opts.force,
          maxSize: opts.maxSize,
          blockingFileIo: true, // one transfer: nothing else waits on this thread
          peer: endpoint.peer,
          onStart: ({ name }) => (progress = new Progress(`receiving ${name}`)),
          onProgress: (done, total) => progress?.bytes(done, total),
        });
        progress?.done();
        printSummary(summary, opts.json === true);
      } catch (e) {
        progress?.done();
        failTransfer(
          e,
          opts.json === true,
          endpoint.conn.timedOut ? opts.timeout ?? 30_000 : undefined,
        );
      }
    });
}
