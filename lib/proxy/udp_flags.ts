/**
 * The `proxy` command's UDP side: `--listen udp://… --upstream udp://…` with the
 * per-datagram fault flags (`--loss`, `--duplicate`, `--reorder`, `--reorder-window`,
 * `--corrupt`, `--rate`; `--latency` and `--jitter` are shared with TCP), each taking an
 * optional `up:`/`down:` prefix like the TCP faults.
 *
 * @module
 */
import type { Command } from "commander";
import type { Address } from "../address/address.ts";
import { parseRate } from "../bytes/units.ts";
import { addressArg, collect } from "../cli/options.ts";
import { UsageError } from "../errors.ts";
import type { ProxyFlagValues } from "./cli_flags.ts";
import { faultsFromFlags } from "./cli_flags.ts";
import { parseProbability } from "./faults.ts";
import { UDP_FAULT_FIELDS, type UdpFaults, withUdpFault } from "./udp_proxy.ts";

const HELP: Record<keyof typeof UDP_FAULT_FIELDS, [string, string]> = {
  loss: ["P", "udp: drop this share (0–1) of datagrams"],
  duplicate: ["P", "udp: send this share of datagrams twice"],
  reorder: ["P", "udp: hold this share back behind the next --reorder-window datagrams"],
  "reorder-window": ["N", "udp: how many datagrams overtake a reordered one (default 3)"],
  corrupt: ["P", "udp: flip one bit in this share of datagrams"],
  rate: ["RATE", "udp: limit to RATE bytes per second (e.g. 100KB/s)"],
};

/** Adds the UDP fault flags and `--idle-timeout`. */
export function addUdpFlags<C extends Command>(cmd: C): C {
  for (const [name, [arg, help]] of Object.entries(HELP)) {
    cmd.option(`--${name} <${arg}>`, `${help}; [up:|down:]${arg}, repeatable`, collect);
  }
  return cmd;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** True when `--listen` asks for UDP. */
export function isUdpListen(v: ProxyFlagValues): boolean {
  return /^udp:\/\//i.test(v.listen);
}

/** The two UDP addresses. */
export function udpSides(
  v: ProxyFlagValues,
): { listen: Address & { scheme: "udp" }; upstream: Address & { scheme: "udp" } } {
  const listen = addressArg(v.listen, "--listen");
  const upstream = addressArg(v.upstream, "--upstream", "udp");
  if (upstream.scheme !== "udp") {
    throw new UsageError("a udp:// listener forwards to a udp:// upstream only", {
      where: "--upstream",
    });
  }
  return {
    listen: listen as Address & { scheme: "udp" },
    upstream: upstream as Address & { scheme: "udp" },
  };
}

/** Builds the UDP faults from the flag values (latency and jitter from the TCP flags). */
export function udpFaultsFromFlags(v: ProxyFlagValues): UdpFaults {
  const tcp = faultsFromFlags(v);
  let f: UdpFaults = {
    up: { latencyMs: tcp.up.latencyMs, jitterMs: tcp.up.jitterMs },
    down: { latencyMs: tcp.down.latencyMs, jitterMs: tcp.down.jitterMs },
  };
  const fallback = v.direction as "up" | "down" | "both";
  for (const [name, field] of Object.entries(UDP_FAULT_FIELDS)) {
    for (const raw of (v[camel(name)] as string[] | undefined) ?? []) {
      const m = /^(up|down|both):(.*)$/.exec(raw);
      const text = m ? m[2]! : raw;
      const where = `--${name}`;
      let value: number;
      if (name === "rate") value = parseRate(text, where);
      else if (name === "reorder-window") {
        if (!/^\d+$/.test(text) || Number(text) < 1) {
          throw new UsageError(`"${text}" is not a whole number ≥ 1`, { where });
        }
        value = Number(text);
      } else value = parseProbability(text, where);
      f = withUdpFault(f, field, value, m ? (m[1] as "up" | "down" | "both") : fallback);
    }
  }
  return f;
}
