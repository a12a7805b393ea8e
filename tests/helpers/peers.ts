/**
 * The one list of real peers (Debian packages) the test suite talks to, and `needs()`,
 * which turns a missing peer into an ignored test that names the peer and the command
 * that installs it. The `test` task installs missing peers first when it can (root or
 * `sudo -n`); `.ci/run` uses the same list.
 *
 * @module
 */

/** A peer: the command the tests run, and the Debian package that provides it. */
export interface PeerSpec {
  command: string;
  pkg: string;
}

/** Every peer the tests use. */
export const PEERS: readonly PeerSpec[] = [
  { command: "socat", pkg: "socat" },
  { command: "openssl", pkg: "openssl" },
  { command: "redis-server", pkg: "redis-server" },
  { command: "redis-cli", pkg: "redis-tools" },
  { command: "nginx", pkg: "nginx" },
  { command: "curl", pkg: "curl" },
  { command: "wrk", pkg: "wrk" },
  { command: "iperf3", pkg: "iperf3" },
  { command: "nmap", pkg: "nmap" },
  { command: "nc", pkg: "netcat-openbsd" },
  { command: "ncat", pkg: "ncat" },
  { command: "dnsmasq", pkg: "dnsmasq-base" },
  { command: "ip", pkg: "iproute2" },
  { command: "ss", pkg: "iproute2" },
  { command: "unshare", pkg: "util-linux" },
  { command: "script", pkg: "bsdutils" },
  { command: "tmux", pkg: "tmux" },
];

const present = new Map<string, boolean>();

/** True when `command` is on the PATH (cached unless `fresh`). */
export function havePeer(command: string, fresh = false): boolean {
  let ok = fresh ? undefined : present.get(command);
  if (ok === undefined) {
    ok = onPath(command);
    present.set(command, ok);
  }
  return ok;
}

function onPath(command: string): boolean {
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of path.split(":")) {
    if (!dir) continue;
    try {
      const info = Deno.statSync(`${dir}/${command}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return true;
    } catch { /* not here */ }
  }
  return false;
}

/** The Debian package that provides `command`. */
export function packageOf(command: string): string {
  return PEERS.find((p) => p.command === command)?.pkg ?? command;
}

/**
 * Test options that ignore the test unless every command is on the PATH; the ignored
 * test's name says what is missing and how to install it:
 * `Deno.test({ name: "…", ...needs("socat"), fn })`.
 */
export function needs(...commands: string[]): { ignore: boolean } {
  const missing = commands.filter((c) => !havePeer(c));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(packageOf))].join(" ");
    const line = `ignored: needs ${missing.join(", ")} — apt-get install ${pkgs}`;
    if (!reported.has(line)) {
      reported.add(line);
      console.error(line);
    }
  }
  return { ignore: missing.length > 0 };
}

const reported = new Set<string>();
