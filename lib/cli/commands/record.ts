/**
 * `record --listen ADDR --upstream ADDR --out FILE [--exact] [faults…]`: a transparent
 * proxy writing every client connection into FILE as `.wire` statements (SPEC §6, issue
 * 5). Runs until Ctrl-C or SIGTERM; the file is complete and parseable at every
 * statement boundary, and after the stop.
 *
 * @module
 */
import { Command } from "commander";
import { formatAddress } from "../../address/address.ts";
import { formatBytes } from "../../bytes/units.ts";
import { formatString } from "../../script/format.ts";
import { resolve } from "node:path";
import { UsageError } from "../../errors.ts";
import {
  addProxyFlags,
  faultsFromFlags,
  type ProxyFlagValues,
  sidesFromFlags,
} from "../../proxy/cli_flags.ts";
import { startProxy } from "../../proxy/proxy.ts";
import { openRecordingFile, WireRecorder } from "../../proxy/recorder.ts";
import { untilSignal } from "../../proxy/until_signal.ts";

/** The `record` command. */
export function recordCommand() {
  return addProxyFlags(
    new Command("record")
      .description("Proxy to an upstream and record every connection as a replayable .wire script")
      .requiredOption("--out <file>", "the .wire file to write (replaced)")
      .option("--exact", "keep dates, UUIDs and timestamps literal (default: regex matchers)")
      .option("--json", "print the listening address and the final counters as JSON lines"),
  ).action(async (raw) => {
    const opts = raw as unknown as ProxyFlagValues & {
      out: string;
      exact?: boolean;
      json?: boolean;
    };
    const faults = faultsFromFlags(opts);
    const { listen, upstream } = await sidesFromFlags(opts);
    let file: ReturnType<typeof openRecordingFile>;
    try {
      file = openRecordingFile(opts.out);
    } catch (e) {
      throw new UsageError(`cannot write "${opts.out}": ${(e as Error).message}`, {
        where: "--out",
      });
    }
    try {
      const recorder = new WireRecorder({
        upstream: formatAddress(upstream.address),
        write: file.write,
        exact: opts.exact,
        connectOptions: upstream.address.scheme !== "tls"
          ? undefined
          : opts.insecure
          ? "insecure"
          : opts.ca
          ? `ca ${formatString(resolve(opts.ca))}`
          : undefined,
      });
      const proxy = await startProxy({
        listen,
        upstream,
        faults,
        tap: recorder,
        onError: (m) => console.error(`wireplay: record: ${m}`),
      });
      try {
        if (opts.json) {
          console.log(JSON.stringify({
            event: "listening",
            address: proxy.address,
            upstream: proxy.upstream,
            out: opts.out,
            cert: proxy.certPath ?? null,
          }));
        } else {
          console.log(`recording ${proxy.address} → ${proxy.upstream} into ${opts.out}`);
          if (proxy.certPath) console.log(`certificate: ${proxy.certPath}`);
        }
        await untilSignal();
      } finally {
        await proxy.close();
        recorder.finish();
      }
      const s = proxy.stats;
      if (opts.json) {
        console.log(JSON.stringify({ event: "stopped", connections: recorder.connections, ...s }));
      } else {
        console.error(
          `recorded ${recorder.connections} connection(s), ${formatBytes(s.bytesUp)} up, ` +
            `${formatBytes(s.bytesDown)} down into ${opts.out}`,
        );
      }
    } finally {
      file.close();
    }
  });
}
