/**
 * The flags `proxy` and `record` share: the two addresses, TLS material, and the faults.
 * A fault flag applies to `--direction` (default both); its value may name a direction
 * itself, `--latency up:100ms --latency down:20ms`.
 *
 * @module
 */
import type { Command } from "commander";
import { addressArg, collect } from "../cli/options.ts";
import { UsageError } from "../errors.ts";
import type { ListenSide, UpstreamSide } from "./endpoints.ts";
import {
  type DirectionChoice,
  FAULT_NAMES,
  type FaultName,
  type Faults,
  noFaults,
  parseFaultValue,
  parseProbability,
  withFault,
} from "./faults.ts";
import { readFlagText } from "../fs/read_file.ts";

const HELP: Record<FaultName, string> = {
  "latency": "delay every chunk by D (e.g. 100ms)",
  "jitter": "add a random delay of up to D",
  "bandwidth": "limit throughput to RATE (e.g. 1MB/s)",
  "slice": "forward in pieces of at most N bytes",
  "slice-delay": "wait D between slices",
  "reset-after": "forward SIZE bytes, then reset the connection",
  "close-after": "forward SIZE bytes, then close the connection",
  "timeout-after": "after D, stop forwarding but keep the connection open",
  "slow-close": "when a side closes, pass the close on D later",
  "stall-after": "forward SIZE bytes, then stop forwarding but keep the connection open",
};

const ARG: Record<FaultName, string> = {
  "latency": "D",
  "jitter": "D",
  "bandwidth": "RATE",
  "slice": "N",
  "slice-delay": "D",
  "reset-after": "SIZE",
  "close-after": "SIZE",
  "timeout-after": "D",
  "slow-close": "D",
  "stall-after": "SIZE",
};

/** Adds `--listen`, `--upstream`, TLS and fault flags to a command. */
export function addProxyFlags<C extends Command>(cmd: C): C {
  cmd
    .requiredOption("--listen <addr>", "where clients connect: tcp://, tls:// or unix://")
    .requiredOption("--upstream <addr>", "the service to forward to: tcp://, tls:// or unix://")
    .option(
      "--cert <file>",
      "PEM certificate for --listen tls:// (default: a fresh self-signed one)",
    )
    .option("--key <file>", "PEM private key for --cert")
    .option("--ca <file>", "PEM CA certificate to trust for --upstream tls://")
    .option("--insecure", "do not verify the certificate of --upstream tls://")
    .option("--servername <host>", "TLS server name for --upstream (default: its host)")
    .option(
      "--direction <dir>",
      "where fault flags apply: up (client→upstream), down, both",
      "both",
    );
  for (const name of FAULT_NAMES) {
    cmd.option(
      `--${name} <${ARG[name]}>`,
      `${HELP[name]}; [up:|down:]${ARG[name]}, repeatable`,
      collect,
    );
  }
  cmd.option("--drop-connect <p>", "close this share (0–1) of new connections at once");
  cmd.option("--toxicity <p>", "the share (0–1) of connections the fault flags apply to");
  return cmd;
}

/** The raw values of the shared flags as commander hands them over. */
export type ProxyFlagValues = {
  listen: string;
  upstream: string;
  cert?: string;
  key?: string;
  ca?: string;
  insecure?: boolean;
  servername?: string;
  direction: string;
  dropConnect?: string;
  toxicity?: string;
} & { [flag: string]: unknown };

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseDirection(text: string, where: string): DirectionChoice {
  if (text === "up" || text === "down" || text === "both") return text;
  throw new UsageError(`"${text}" is not up, down or both`, { where });
}

/** Builds the faults from the flag values. */
export function faultsFromFlags(v: ProxyFlagValues): Faults {
  const fallback = parseDirection(v.direction, "--direction");
  let faults = noFaults();
  for (const name of FAULT_NAMES) {
    const values = (v[camel(name)] as string[] | undefined) ?? [];
    for (const raw of values) {
      const m = /^(up|down|both):(.*)$/.exec(raw);
      const direction = m ? (m[1] as DirectionChoice) : fallback;
      faults = withFault(
        faults,
        name,
        parseFaultValue(name, m ? m[2]! : raw, `--${name}`),
        direction,
      );
    }
  }
  if (v.dropConnect !== undefined) {
    faults.dropConnect = parseProbability(v.dropConnect, "--drop-connect");
  }
  if (v.toxicity !== undefined) faults.toxicity = parseProbability(v.toxicity, "--toxicity");
  return faults;
}

/** Builds the listen and upstream sides from the flag values (reads PEM files). */
export async function sidesFromFlags(
  v: ProxyFlagValues,
): Promise<{ listen: ListenSide; upstream: UpstreamSide }> {
  const listenAddress = addressArg(v.listen, "--listen", "tcp");
  const upstreamAddress = addressArg(v.upstream, "--upstream", "tcp");
  for (const [a, flag] of [[listenAddress, "--listen"], [upstreamAddress, "--upstream"]] as const) {
    if (a.scheme !== "tcp" && a.scheme !== "tls" && a.scheme !== "unix") {
      throw new UsageError(`only tcp://, tls:// and unix:// are proxied, not ${a.scheme}://`, {
        where: flag,
      });
    }
  }
  if ((v.cert === undefined) !== (v.key === undefined)) {
    throw new UsageError("--cert and --key go together", { where: v.cert ? "--key" : "--cert" });
  }
  if (v.cert && listenAddress.scheme !== "tls") {
    throw new UsageError("a certificate needs --listen tls://", { where: "--cert" });
  }
  const listen: ListenSide = { address: listenAddress };
  if (v.cert && v.key) {
    listen.cert = await readFlagText(v.cert, "--cert");
    listen.key = await readFlagText(v.key, "--key");
  }
  const upstream: UpstreamSide = {
    address: upstreamAddress,
    insecure: v.insecure,
    servername: v.servername,
  };
  if (v.ca) upstream.caCerts = [await readFlagText(v.ca, "--ca")];
  return { listen, upstream };
}
