/**
 * Turning CLI flags shared by `ping` and `watch` into {@linkcode ProbeOptions}.
 *
 * @module
 */
import type { ProbeOptions } from "./probe.ts";
import { unescapeProbe } from "../common/probe_text.ts";
import { UsageError } from "../../errors.ts";
import { readFlagText } from "../../fs/read_file.ts";

/** The flags `ping` and `watch` share. */
export interface ProbeFlags {
  timeout: number;
  tls?: boolean;
  ca?: string[];
  insecure?: boolean;
  cert?: string;
  key?: string;
  servername?: string;
  payload?: string;
  expect?: string;
  method?: string;
}

/** Reads CA files and unescapes payloads; a missing CA file is a usage error. */
export async function probeOptionsFromFlags(flags: ProbeFlags): Promise<ProbeOptions> {
  const caCerts: string[] = [];
  for (const file of flags.ca ?? []) caCerts.push(await readFlagText(file, "--ca"));
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new UsageError("--cert and --key go together", {
      where: flags.cert === undefined ? "--key" : "--cert",
    });
  }
  const readFlag = async (file: string | undefined, where: string) =>
    file === undefined ? undefined : await readFlagText(file, where);
  return {
    cert: await readFlag(flags.cert, "--cert"),
    key: await readFlag(flags.key, "--key"),
    timeout: flags.timeout,
    tls: flags.tls,
    caCerts,
    insecure: flags.insecure,
    servername: flags.servername,
    payload: flags.payload === undefined ? undefined : unescapeProbe(flags.payload, "--payload"),
    expect: flags.expect === undefined ? undefined : unescapeProbe(flags.expect, "--expect"),
    method: flags.method,
  };
}
