/**
 * `dns NAME [--type A|AAAA|…] [--server IP[:PORT]]`: DNS records with TTLs where known;
 * an IP address is looked up in reverse (PTR) (SPEC §7).
 *
 * @module
 */
import { Command } from "commander";
import { durationOption } from "../options.ts";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { RECORD_TYPES, type RecordType } from "../../tools/dns/record_types.ts";

/** The `dns` command. */
export function dnsCommand() {
  return new Command("dns")
    .description("Look up DNS records (TTLs for A/AAAA); an IP address gets a reverse (PTR) lookup")
    .argument("<name>", "domain name, or an IP address for a reverse lookup")
    .option(
      "--type <types>",
      `record types, comma-separated: ${RECORD_TYPES.join(" ")} (default A,AAAA; PTR for an IP)`,
    )
    .option("--server <ip[:port]>", "ask this DNS server instead of the system's")
    .option("--timeout <d>", "how long to wait", durationOption("--timeout"), 5000)
    .option("--json", "print the result as JSON")
    .action(async (name, opts) => {
      const types = opts.type?.split(",").map((t) => {
        const up = t.trim().toUpperCase();
        if (!(RECORD_TYPES as readonly string[]).includes(up)) {
          throw new UsageError(`unknown record type "${t}" (one of ${RECORD_TYPES.join(", ")})`, {
            where: "--type",
          });
        }
        return up as RecordType;
      });
      // Loaded on use, so other commands start without the resolver.
      const { lookupDns, parseServer } = await import("../../tools/dns/dns.ts");
      const { formatDns } = await import("../../tools/dns/format.ts");
      if (!name || /\s/.test(name)) {
        throw new UsageError(`"${name}" is not a name`, { where: "name" });
      }
      const server = opts.server === undefined ? undefined : parseServer(opts.server);
      const result = await lookupDns(name, { types, server, timeout: opts.timeout });
      console.log(opts.json ? JSON.stringify(result, null, 2) : formatDns(result));
      if (result.answers.every((a) => a.records.length === 0)) throw new ExitCode(1);
    });
}
