/**
 * Tests in a private network namespace (`unshare -n`): never the host's interfaces.
 * {@linkcode namespace} turns "cannot unshare here" into an ignored test; {@linkcode inNamespace}
 * runs a shell script there (after {@linkcode VETH_LAN}, when asked) with a deadline.
 *
 * @module
 */
import { needs } from "./peers.ts";
import { type Output, output } from "./process.ts";

let unshareRefused: boolean | undefined;

/**
 * Options for a test run in a private network namespace: it needs the commands, and
 * `unshare -n` must be permitted here (root, or user namespaces), not only installed.
 */
export function namespace(...commands: string[]): { ignore: boolean } {
  const n = needs("unshare", "ip", ...commands);
  if (n.ignore) return n;
  if (unshareRefused === undefined) {
    try {
      // asked synchronously (at load time, for `ignore`): timeout(1) bounds the wait
      unshareRefused = !new Deno.Command("timeout", {
        args: ["-s", "KILL", "10", "unshare", "-n", "true"],
        stdout: "null",
        stderr: "null",
      }).outputSync().success;
    } catch {
      unshareRefused = true;
    }
    if (unshareRefused) {
      console.error("ignored: needs `unshare -n` permitted (root or user namespaces)");
    }
  }
  return { ignore: unshareRefused };
}

/**
 * A LAN inside the namespace: veth `v0` (10.9.0.1/24, broadcast 10.9.0.255, fd00::1/64)
 * with its peer `v1` up and IPv6 off on it, and the multicast route 224.0.0.0/4 on `v0`.
 * Exits 77 when veth pairs cannot be made here.
 */
export const VETH_LAN = [
  "ip link set lo up",
  "ip link add v0 type veth peer name v1 || exit 77",
  "sysctl -qw net.ipv6.conf.v1.disable_ipv6=1 2>/dev/null",
  "ip addr add 10.9.0.1/24 broadcast 10.9.0.255 dev v0",
  "ip link set v0 up && ip link set v1 up",
  "ip route add 224.0.0.0/4 dev v0",
  "ip -6 addr add fd00::1/64 dev v0 nodad",
].join("\n");

/** Runs `script` with `sh` in a new network namespace; the whole tree dies at the deadline. */
export async function inNamespace(script: string, deadlineMs = 60_000): Promise<Output> {
  return await output("unshare", { args: ["-n", "sh", "-c", script], deadlineMs });
}
