/**
 * `ifaces [HOST…]`: the machine's interfaces and addresses, and the local address used to
 * reach each HOST (from the routing table; nothing is sent) (SPEC §7).
 *
 * @module
 */
import { Command } from "commander";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { listInterfaces } from "../../tools/ifaces/interfaces.ts";
import { type SourceAddress, sourceAddressFor } from "../../tools/ifaces/source.ts";
import { formatInterfaces, formatSource } from "../../tools/ifaces/format.ts";

/** The `ifaces` command. */
export function ifacesCommand() {
  return new Command("ifaces")
    .description(
      "List network interfaces; with HOSTs, the local address used to reach each (no traffic sent)",
    )
    .argument("[hosts...]", "hosts or IP addresses to find the source address for")
    .option("--json", "print the result as JSON")
    .action(async (hosts, opts) => {
      const interfaces = listInterfaces();
      const routes: (SourceAddress | { host: string; error: string })[] = [];
      for (const h of hosts) {
        const host = h.replace(/^\[(.*)\]$/, "$1");
        try {
          routes.push(await sourceAddressFor(host));
        } catch (e) {
          if (/Cannot resolve/.test((e as Error).message)) {
            throw new UsageError((e as Error).message, { where: h });
          }
          routes.push({ host, error: (e as Error).message });
        }
      }
      if (opts.json) {
        console.log(
          JSON.stringify(hosts.length ? { interfaces, routes } : { interfaces }, null, 2),
        );
      } else if (hosts.length) {
        for (const r of routes) {
          console.log("error" in r ? `${r.host}: ${r.error}` : formatSource(r));
        }
      } else console.log(formatInterfaces(interfaces));
      if (routes.some((r) => "error" in r)) throw new ExitCode(1);
    });
}
