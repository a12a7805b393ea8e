/**
 * `toxiproxy ADDR`: a standalone server speaking Toxiproxy's HTTP API (issue 15);
 * proxies are created through the API. Runs until Ctrl-C or SIGTERM.
 *
 * @module
 */
import { Command } from "commander";
import { startToxiproxyServer } from "../../proxy/toxiproxy_api.ts";
import { untilSignal } from "../../proxy/until_signal.ts";
import { httpBindArg } from "../../proxy/admin_flags.ts";

/** The `toxiproxy` command. */
export function toxiproxyCommand() {
  return new Command("toxiproxy")
    .description("Serve Toxiproxy's HTTP API: its clients create proxies and toxics here")
    .argument("[addr]", "where the API listens (host:port)", "127.0.0.1:8474")
    .action(async (addr) => {
      const { hostname, port } = httpBindArg(addr, "ADDR");
      await using server = startToxiproxyServer({
        hostname,
        port,
        onLog: (line) => console.error(`wireplay: toxiproxy: ${line}`),
      });
      console.log(`toxiproxy API on ${server.url}`);
      await untilSignal();
    });
}
