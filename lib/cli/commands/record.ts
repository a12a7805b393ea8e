/**
 * `record --listen ADDR --upstream ADDR --out FILE [--exact] [faults…]`: a transparent
 * proxy writing every client connection into FILE as `.wire` statements (SPEC §6, issue
 * 5). Runs until Ctrl-C or SIGTERM; the file is complete and parseable at every
 * statement boundary, and after the stop. `--mode` (VCR's record modes): `all` records
 * anew (the default), `once` refuses to touch an existing file, `new` appends new
 * connections to it, `none` records nothing: it serves the recording as `replay` does and
 * never forwards (VCR's playback-only mode).
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
import { WireRecorder } from "../../proxy/recorder.ts";
import { openRecordingFile, type RecordingFile } from "../../proxy/recording_file.ts";
import { WsRecordTap } from "../../proxy/ws_record.ts";
import { PcapTap, teeTap } from "../../proxy/pcap_tap.ts";
import { pcapng } from "../../report/pcapng.ts";
import { atomicWrite } from "../../fs/atomic_write.ts";
import { untilSignal } from "../../proxy/until_signal.ts";
import { planReplay } from "../../proxy/replay_plan.ts";
import { lastConnectionNumber } from "../../proxy/episodes.ts";
import { redactRules } from "../../proxy/redact.ts";
import { collectSecret } from "../../secrets/cli.ts";
import { collect } from "../options.ts";
import { replayCommand } from "./replay.ts";

const MODES = ["all", "once", "new", "none"] as const;

/**
 * How `--mode` treats the file: the number of connections to append after (new, file
 * present), or undefined to write a new file.
 *
 * @throws {UsageError} for `once` on an existing file, or an unknown mode.
 */
async function appendAfter(mode: string, out: string): Promise<number | undefined> {
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`"${mode}" is all, once, new or none`, { where: "--mode" });
  }
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(out);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new UsageError(`cannot read "${out}": ${(e as Error).message}`, { where: "--out" });
    }
  }
  if (text === undefined || mode === "all") return undefined;
  if (mode === "once") {
    throw new UsageError(
      `"${out}" exists: --mode once records only a new file (--mode new appends, all replaces)`,
      { where: "--out" },
    );
  }
  return lastConnectionNumber(await planReplay(text, out));
}

/** The `record` command. */
export function recordCommand() {
  return addProxyFlags(
    new Command("record")
      .description("Proxy to an upstream and record every connection as a replayable .wire script")
      .requiredOption("--out <file>", "the .wire file to write (replaced)")
      .option("--exact", "keep dates, UUIDs and timestamps literal (default: regex matchers)")
      .option(
        "--mode <mode>",
        "all: record anew | once: only when --out does not exist | new: append new connections" +
          " | none: only replay --out, never forward",
        "all",
      )
      .option("--json", "print the listening address and the final counters as JSON lines")
      .option("--pcap <file>", "also write every connection as pcapng (for Wireshark) when stopped")
      .option(
        "--redact-header <NAME...>",
        "write this header's values as ${name} (a --var the replay needs)",
      )
      .option(
        "--redact </regex/>",
        "write what the regex (its first group) matches as ${redactedN} (repeatable)",
        collect,
        [] as string[],
      )
      .option(
        "--secret <NAME=VALUE>",
        "write VALUE as ${NAME} wherever it passes (repeatable)",
        collectSecret,
        {} as Record<string, string>,
      ),
  ).action(async (raw) => {
    const opts = raw as unknown as ProxyFlagValues & {
      out: string;
      mode: string;
      exact?: boolean;
      json?: boolean;
      redactHeader?: string[];
      redact: string[];
      pcap?: string;
    };
    if (opts.mode === "none") {
      // playback only: the same code path as `replay FILE --listen ADDR`, which never forwards
      await replayCommand().parseAsync([
        opts.out,
        "--listen",
        opts.listen,
        ...(opts.cert ? ["--cert", opts.cert] : []),
        ...(opts.key ? ["--key", opts.key] : []),
        ...(opts.json ? ["--json"] : []),
      ], { from: "user" });
      return;
    }
    const redact = redactRules(opts.redactHeader ?? [], opts.redact);
    const faults = faultsFromFlags(opts);
    const { listen, upstream } = await sidesFromFlags(opts);
    const after = await appendAfter(opts.mode, opts.out);
    let file: RecordingFile;
    try {
      file = openRecordingFile(opts.out, { append: after !== undefined });
    } catch (e) {
      throw new UsageError(`cannot write "${opts.out}": ${(e as Error).message}`, {
        where: "--out",
      });
    }
    try {
      const recorder = new WireRecorder({
        upstream: formatAddress(upstream.address),
        write: (text) => file.write(text),
        sideFiles: file.sideFiles,
        exact: opts.exact,
        redact,
        append: after === undefined ? undefined : { connections: after },
        connectOptions: upstream.address.scheme !== "tls"
          ? undefined
          : opts.insecure
          ? "insecure"
          : opts.ca
          ? `ca ${formatString(resolve(opts.ca))}`
          : undefined,
      });
      const pcap = opts.pcap ? new PcapTap() : undefined;
      const proxy = await startProxy({
        listen,
        upstream,
        faults,
        tap: pcap ? teeTap(new WsRecordTap(recorder), pcap) : new WsRecordTap(recorder),
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
        if (pcap) await atomicWrite(opts.pcap!, pcapng(pcap.flows()));
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
      try {
        await file.close();
      } catch (e) {
        console.error(`wireplay: record: ${(e as Error).message}`);
      }
    }
  });
}
