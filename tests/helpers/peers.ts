/**
 * The one list of real peers (Debian packages) the test suite talks to, and `needs()`,
 * which turns a missing peer into an ignored test that names the peer and the command
 * that installs it. The `test` task installs missing peers first when it can (root or
 * `sudo -n`); `.ci/run` uses the same list.
 *
 * @module
 */

/**
 * A peer: the command the tests run, and the Debian package that provides it. A Python
 * module peer (`pythonModule`) is present when a `python3` on the PATH imports it; its
 * `command` is the name tests pass to `needs()`, and {@linkcode pythonWith} finds that
 * interpreter.
 */
export interface PeerSpec {
  command: string;
  pkg: string;
  pythonModule?: string;
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
  { command: "tinyproxy", pkg: "tinyproxy-bin" },
  { command: "danted", pkg: "dante-server" },
  { command: "httpbin", pkg: "python3-httpbin", pythonModule: "httpbin" },
  { command: "websockets", pkg: "python3-websockets", pythonModule: "websockets" },
  { command: "chromium", pkg: "chromium" },
  { command: "tshark", pkg: "tshark" },
  { command: "rsync", pkg: "rsync" },
];

const present = new Map<string, boolean>();

/** True when `command` is on the PATH (cached unless `fresh`). */
export function havePeer(command: string, fresh = false): boolean {
  let ok = fresh ? undefined : present.get(command);
  if (ok === undefined) {
    const module = PEERS.find((p) => p.command === command)?.pythonModule;
    ok = module ? pythonWith(module, fresh) !== undefined : onPath(command);
    present.set(command, ok);
  }
  return ok;
}

function onPath(command: string): boolean {
  return everyOnPath(command).length > 0;
}

/** Every executable `command` on the PATH, in PATH order. */
function everyOnPath(command: string): string[] {
  const found: string[] = [];
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of path.split(":")) {
    if (!dir) continue;
    try {
      const info = Deno.statSync(`${dir}/${command}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) found.push(`${dir}/${command}`);
    } catch { /* not here */ }
  }
  return found;
}

const interpreters = new Map<string, string | undefined>();

/**
 * The first `python3` on the PATH that imports `module` (Debian's modules live in
 * `/usr/bin/python3`'s path, which a pyenv shim earlier on the PATH does not see), or
 * undefined (each try is an import, well under a second; a sync spawn takes no deadline).
 * The answer is cached unless `fresh`.
 */
export function pythonWith(module: string, fresh = false): string | undefined {
  if (!fresh && interpreters.has(module)) return interpreters.get(module);
  let found: string | undefined;
  for (const python of new Set(everyOnPath("python3").map((p) => realPath(p)))) {
    try {
      // bounded: coreutils `timeout` ends an interpreter that hangs on import (10 s)
      const bounded = onPath("timeout");
      const out = new Deno.Command(bounded ? "timeout" : python, {
        args: [...(bounded ? ["10", python] : []), "-c", `import ${module}`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).outputSync();
      if (out.success) {
        found = python;
        break;
      }
    } catch { /* cannot run it */ }
  }
  interpreters.set(module, found);
  return found;
}

function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
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
