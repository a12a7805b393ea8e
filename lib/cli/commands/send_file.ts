/**
 * `send-file FILE ADDR`: sends a file over WPFT/1 (SPEC §7), to a `recv-file` or
 * `serve files` receiver; with `--listen`, waits for the receiver to connect.
 *
 * @module
 */
import { Command } from "commander";
import { basename } from "node:path";
import { UsageError } from "../../errors.ts";
import { sendFile } from "../../transfer/send.ts";
import { SUPPORTED_HASHES } from "../../transfer/integrity_hash.ts";
import { Progress } from "../progress.ts";
import { addressArg, durationOption } from "../options.ts";
import { failTransfer, openForCli, printSummary } from "./_transfer_cli.ts";

/** The `send-file` command. */
export function sendFileCommand() {
  return new Command("send-file")
    .description("Send a file, verified by SHA-256 and resumable, to recv-file or serve files")
    .argument("<file>", "the file to send")
    .argument(
      "<address>",
      "the receiver (tcp://HOST:PORT, tls://HOST:PORT, unix:///path); with --listen, where to listen",
    )
    .option("--name <name>", "the name to offer instead of the file's base name")
    .option(
      "--hash <name>",
      "integrity hash: sha256 (default, any receiver) or xxh128 (faster; needs a receiver of this version)",
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
    .action(async (file, address, opts) => {
      const addr = addressArg(address, "address", "tcp");
      let stat: Deno.FileInfo;
      try {
        stat = await Deno.stat(file);
      } catch (e) {
        throw new UsageError(`cannot read "${file}": ${(e as Error).message}`, { where: "file" });
      }
      if (!stat.isFile) throw new UsageError(`"${file}" is not a regular file`, { where: "file" });
      if (
        opts.name !== undefined &&
        (opts.name === "" || new TextEncoder().encode(opts.name).length > 255)
      ) {
        throw new UsageError("the name must be 1 to 255 bytes", { where: "--name" });
      }
      if (opts.hash !== undefined && !SUPPORTED_HASHES.includes(opts.hash)) {
        throw new UsageError(
          `unknown hash "${opts.hash}" (${SUPPORTED_HASHES.join(" or ")})`,
          { where: "--hash" },
        );
      }
      await using endpoint = await openForCli(addr, opts);
      const progress = new Progress(`sending ${opts.name ?? basename(file)}`);
      try {
        const summary = await sendFile(endpoint.conn, file, {
          name: opts.name,
          hash: opts.hash,
          blockingFileIo: true, // one transfer: nothing else waits on this thread
          peer: endpoint.peer,
          onProgress: (done, total) => progress.bytes(done, total),
        });
        progress.done();
        printSummary(summary, opts.json === true);
      } catch (e) {
        progress.done();
        failTransfer(
          e,
          opts.json === true,
          endpoint.conn.timedOut ? opts.timeout ?? 30_000 : undefined,
        );
      }
    });
}
