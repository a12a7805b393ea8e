/**
 * Every CLI command, one module each under `commands/`. A command module exports a
 * function that returns a configured `Command`; add one line for it to
 * {@linkcode COMMANDS}: its name and a dynamic import of its module.
 *
 * Command modules are imported lazily: `cli.ts NAME …` loads only NAME's module, so a
 * command (and the REPL's startup) does not pay for the others' dependencies (x509,
 * hdr-histogram, HTTP…). Only `--help`, `--version` and an unknown name load them all.
 *
 * @module
 */
import type { Command } from "commander";

/** A command's name and a loader for the function that builds it. */
export interface CommandEntry {
  /** The command's name, as typed: `cli.ts NAME`. */
  name: string;
  load: () => Promise<() => unknown>;
}

/** Every command, in help order. */
export const COMMANDS: CommandEntry[] = [
  { name: "run", load: async () => (await import("./commands/run.ts")).runCommand },
  { name: "serve", load: async () => (await import("./commands/serve.ts")).serveCommand },
  { name: "test", load: async () => (await import("./commands/test.ts")).testCommand },
  { name: "cert", load: async () => (await import("./commands/cert.ts")).certCommand },
  {
    name: "send-file",
    load: async () => (await import("./commands/send_file.ts")).sendFileCommand,
  },
  {
    name: "recv-file",
    load: async () => (await import("./commands/recv_file.ts")).recvFileCommand,
  },
  { name: "scan", load: async () => (await import("./commands/scan.ts")).scanCommand },
  { name: "ping", load: async () => (await import("./commands/ping.ts")).pingCommand },
  { name: "udp", load: async () => (await import("./commands/udp.ts")).udpCommand },
  { name: "dns", load: async () => (await import("./commands/dns.ts")).dnsCommand },
  { name: "ifaces", load: async () => (await import("./commands/ifaces.ts")).ifacesCommand },
  { name: "watch", load: async () => (await import("./commands/watch.ts")).watchCommand },
  { name: "bench", load: async () => (await import("./commands/bench.ts")).benchCommand },
  { name: "proxy", load: async () => (await import("./commands/proxy.ts")).proxyCommand },
  { name: "record", load: async () => (await import("./commands/record.ts")).recordCommand },
  { name: "replay", load: async () => (await import("./commands/replay.ts")).replayCommand },
  { name: "mock", load: async () => (await import("./commands/mock.ts")).mockCommand },
  {
    name: "toxiproxy",
    load: async () => (await import("./commands/toxiproxy.ts")).toxiproxyCommand,
  },
  { name: "chaos", load: async () => (await import("./commands/chaos.ts")).chaosCommand },
  { name: "fuzz", load: async () => (await import("./commands/fuzz.ts")).fuzzCommand },
  { name: "repl", load: async () => (await import("./commands/repl.ts")).replCommand },
  { name: "report", load: async () => (await import("./commands/report.ts")).reportCommand },
  {
    name: "completions",
    load: async () => (await import("./commands/completions.ts")).completionsCommand,
  },
];

/**
 * Adds commands to the program: only the one named `only` when it is known, else all.
 */
export async function registerCommands(program: Command, only?: string): Promise<void> {
  const one = COMMANDS.filter((c) => c.name === only);
  const makers = await Promise.all((one.length ? one : COMMANDS).map((c) => c.load()));
  for (const make of makers) program.addCommand(make() as unknown as Command);
}
