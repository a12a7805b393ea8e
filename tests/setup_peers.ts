/**
 * First step of `deno task test`: installs the Debian peers the suite talks to that are
 * missing (the list is {@linkcode PEERS} in `tests/helpers/peers.ts`), when it can: as root,
 * or through `sudo -n`. One `apt-get update` (only when there are no package lists, or the
 * install could not find a package) and one `apt-get install` of the missing packages,
 * shown as they run, both within a deadline. When it cannot, it says so in one line and the
 * tests that need a missing peer are ignored, each naming the peer and its install command.
 * Never fails the run: exit code 0 whatever happens.
 *
 * Environment: `WIREPLAY_PEERS_DEADLINE` (seconds, default 600) bounds apt-get;
 * `WIREPLAY_NO_INSTALL=1` only reports.
 *
 * @module
 */
import { havePeer, PEERS } from "./helpers/peers.ts";

const missing = (): string[] => PEERS.filter((p) => !havePeer(p.command, true)).map((p) => p.pkg);
const unique = (xs: string[]) => [...new Set(xs)];

/** Runs a command with the terminal as its output, killed at `deadline`; true on success. */
async function run(argv: string[], deadline: number): Promise<boolean> {
  const left = deadline - Date.now();
  if (left <= 0) return false;
  console.error(`peers: running ${argv.join(" ")}`);
  try {
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
      env: { DEBIAN_FRONTEND: "noninteractive" },
      signal: AbortSignal.timeout(left),
    }).spawn();
    const status = await child.status;
    if (status.signal === "SIGTERM" && Date.now() >= deadline) {
      console.error(`peers: ${argv.join(" ")} did not finish within the deadline; stopped it`);
    }
    return status.success;
  } catch (e) {
    console.error(`peers: ${argv[0]}: ${e instanceof Error ? e.message : e}`);
    return false;
  }
}

/** The command prefix that runs apt-get as root here, or why it cannot. */
async function asRoot(): Promise<string[] | string> {
  if (!havePeer("apt-get", true)) return "no apt-get on this machine";
  if (Deno.uid() === 0) return [];
  if (havePeer("sudo", true)) {
    const ok = await new Deno.Command("sudo", {
      args: ["-n", "true"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(10_000),
    }).output().then((o) => o.success, () => false);
    if (ok) return ["sudo", "-n"];
  }
  return "not root and `sudo -n` is not allowed";
}

/** True when apt has package lists to install from. */
function haveLists(): boolean {
  try {
    for (const e of Deno.readDirSync("/var/lib/apt/lists")) {
      if (e.name.includes("_Packages")) return true;
    }
  } catch { /* no lists folder */ }
  return false;
}

async function main(): Promise<void> {
  const want = unique(missing());
  if (want.length === 0) {
    console.error(`peers: all ${PEERS.length} present, nothing to install`);
    return;
  }
  const install = `apt-get install ${want.join(" ")}`;
  const root = Deno.env.get("WIREPLAY_NO_INSTALL") === "1"
    ? "WIREPLAY_NO_INSTALL=1"
    : await asRoot();
  if (typeof root === "string") {
    console.error(
      `peers: missing ${want.join(" ")} (${root}); tests that need them are ignored — ${install}`,
    );
    return;
  }
  const seconds = Number(Deno.env.get("WIREPLAY_PEERS_DEADLINE") ?? 600) || 600;
  const deadline = Date.now() + seconds * 1000;
  console.error(`peers: installing ${want.join(" ")} (deadline ${seconds}s)`);
  const apt = [...root, "apt-get"];
  const get = [...apt, "install", "-y", "--no-install-recommends", ...want];
  let updated = false;
  if (!haveLists()) {
    await run([...apt, "update"], deadline);
    updated = true;
  }
  let ok = await run(get, deadline);
  if (!ok && !updated && Date.now() < deadline) {
    // Stale or partial lists: refresh once and try again.
    await run([...apt, "update"], deadline);
    ok = await run(get, deadline);
  }
  const still = unique(missing());
  if (still.length === 0) console.error(`peers: installed ${want.join(" ")}`);
  else {
    console.error(
      `peers: still missing ${still.join(" ")} (apt-get ${
        ok ? "did not provide them" : "failed"
      }); tests that need them are ignored — apt-get install ${still.join(" ")}`,
    );
  }
}

await main();
