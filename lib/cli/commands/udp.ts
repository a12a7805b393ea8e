/**
 * `udp listen ADDR [--join GROUP]…` prints the datagrams that arrive (broadcast and
 * multicast too); `udp send ADDR MESSAGE [--broadcast] [--ttl N] [--loopback off]` sends
 * one. The same sockets as a script's `bind … broadcast join GROUP ttl N`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { addressArg, collect, durationOption, intOption } from "../options.ts";
import { escapeForDisplay } from "../../bytes/escape.ts";
import { utf8 } from "../../bytes/text.ts";
import { bindDatagram, type DatagramChannel } from "../../transport/datagram_channel.ts";

/** The `udp` command and its `listen` and `send` subcommands. */
export function udpCommand() {
  const udp = new Command("udp").description(
    "UDP from the shell: listen for datagrams (joining multicast groups), send one (broadcast, multicast TTL)",
  );
  udp.command("listen")
    .description("Print each datagram that arrives on ADDR: FROM and the payload, escaped")
    .argument("<address>", "udp://HOST:PORT (or HOST:PORT) to bind, e.g. 0.0.0.0:5000")
    .option("--join <group>", "join a multicast group (repeatable; IPv6 too)", collect, [])
    .option("--iface <addr>", "the interface to join on: its IPv4 address, or IPv6 name")
    .option("--reuseaddr", "share the port with other sockets (SO_REUSEADDR and SO_REUSEPORT)")
    .option("--count <n>", "exit 0 after N datagrams", intOption("--count", 1))
    .option("--timeout <d>", "exit 1 when no datagram arrives for D", durationOption("--timeout"))
    .option("--json", "one JSON object per datagram: from, text or hex, bytes")
    .action(async (address, opts) => {
      const addr = addressArg(address, "address", "udp");
      if (addr.scheme !== "udp") throw new UsageError("not a udp:// address", { where: address });
      await using socket = open(
        () => bindDatagram("udp", addr, { socket: { reuseaddr: Boolean(opts.reuseaddr) } }),
        address,
      );
      for (const group of opts.join) {
        try {
          await socket.join(group, opts.iface);
        } catch (e) {
          throw new UsageError((e as Error).message, { where: `--join ${group}` });
        }
      }
      console.error(
        `listening on ${socket.local}${
          opts.join.length ? ` (groups ${opts.join.join(", ")})` : ""
        }`,
      );
      const ac = new AbortController();
      const stop = () => ac.abort();
      Deno.addSignalListener("SIGINT", stop);
      try {
        for (let n = 0; opts.count === undefined || n < opts.count; n++) {
          let d;
          try {
            d = await socket.next({ timeoutMs: opts.timeout ?? 2 ** 31 - 1, signal: ac.signal });
          } catch (e) {
            if (ac.signal.aborted) return;
            console.error(`no datagram: ${(e as Error).message}`);
            throw new ExitCode(1);
          }
          const text = new TextDecoder("utf-8", { fatal: false }).decode(d.bytes);
          console.log(
            opts.json
              ? JSON.stringify({ from: d.from, text, bytes: d.bytes.byteLength })
              : `${d.from}  ${escapeForDisplay(d.bytes)}`,
          );
        }
      } finally {
        Deno.removeSignalListener("SIGINT", stop);
      }
    });
  udp.command("send")
    .description("Send MESSAGE as one datagram to ADDR (a host, a broadcast address or a group)")
    .argument("<address>", "udp://HOST:PORT or HOST:PORT")
    .argument("<message>", "the payload (\\n, \\r, \\xNN escapes are not decoded: use $'…')")
    .option("--broadcast", "allow a broadcast destination (SO_BROADCAST)")
    .option("--ttl <n>", "multicast TTL (hop limit)", intOption("--ttl", 0, 255))
    .addOption(
      new Option("--loopback <on|off>", "multicast also reaches this host's members")
        .choices(["on", "off"]).default("on"),
    )
    .option("--from <addr>", "bind this local HOST:PORT first", "")
    .action(async (address, message, opts) => {
      const to = addressArg(address, "address", "udp");
      if (to.scheme !== "udp") throw new UsageError("not a udp:// address", { where: address });
      const v6 = to.host.includes(":");
      const from = addressArg(opts.from || (v6 ? "[::]:0" : "0.0.0.0:0"), "--from", "udp");
      await using socket = open(() =>
        bindDatagram("udp", from, {
          socket: { broadcast: Boolean(opts.broadcast), loopback: opts.loopback === "on" },
        }), opts.from || "the local socket");
      try {
        if (opts.ttl !== undefined) await socket.setTtl(opts.ttl);
        await socket.send(utf8(message), `${v6 ? `[${to.host}]` : to.host}:${to.port}`);
      } catch (e) {
        throw new UsageError((e as Error).message, { where: address });
      }
      console.error(`sent ${utf8(message).byteLength} bytes to ${address}`);
    });
  return udp;
}

function open(bind: () => DatagramChannel, where: string): DatagramChannel {
  try {
    return bind();
  } catch (e) {
    throw new UsageError(`cannot bind: ${(e as Error).message}`, { where });
  }
}
