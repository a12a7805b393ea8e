/**
 * `ifaces [HOST…]`: the machine's interfaces and addresses, and the local address used to
 * reach each HOST (from the routing table; nothing is sent) (SPEC §7).
 *
 * @module
 */
import { Command } from "commander";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import type { SourceAddress } from "../../tools/ifaces/source.ts";

/** The `ifaces` command. */
export function ifacesCommand() {
  return new Command("ifaces")
    .description(
      "List network interfaces; with HOSTs, the local address used to reach each (no traffic sent)",
    )
    .argument("[hosts...]", "hosts or IP addresses to find the source address for")
    .option("--json", "print the result as JSON")
    .action(async (hosts, opts) => {
      // Loaded on use, so other commands start without it.
      const { listInterfaces } = await import("../../tools/ifaces/interfaces.ts");
      const { sourceAddressFor } = await import("../../tools/ifaces/source.ts");
      const { formatInterfaces, formatSource } = await import("../../tools/ifaces/format.ts");
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
