/**
 * The guard for "the test command works on a fresh machine": peer-using test files run with
 * a PATH that holds only deno, sh and basic utilities (no peer, no apt-get) finish green
 * within a deadline, every test that needs a peer ignored with a line naming the peer and
 * its install command; and the setup step says in one line what it cannot install.
 *
 * @module
 */
import { assert, assertEquals, assertGreaterOrEqual, assertMatch } from "@std/assert";
import { PEERS } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { output } from "../helpers/process.ts";

/** What a fresh machine has besides the peers: the shell and coreutils the tests' scripts use. */
const BASICS = [
  "sh",
  "cat",
  "sleep",
  "env",
  "true",
  "false",
  "printf",
  "echo",
  "head",
  "tail",
  "grep",
  "sed",
  "tr",
  "wc",
  "kill",
  "ls",
  "mkdir",
  "rm",
  "mv",
  "cp",
  "date",
  "uname",
  "id",
  "dirname",
  "basename",
  "mktemp",
  "touch",
  "chmod",
  "tee",
  "sort",
  "cut",
  "od",
  "timeout",
];

/** Every test file that uses a peer (they all say so through `needs()` from peers.ts). */
function peerTestFiles(dir = "tests"): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync(`${REPO_ROOT}/${dir}`)) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory) found.push(...peerTestFiles(rel));
    else if (
      e.name.endsWith("_test.ts") && !rel.endsWith("hidden_peers_test.ts") &&
      Deno.readTextFileSync(`${REPO_ROOT}/${rel}`).includes("helpers/peers.ts")
    ) found.push(rel);
  }
  return found.sort();
}

const DEADLINE_MS = 240_000;

function which(command: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${command}`).isFile) return `${dir}/${command}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** A folder with links to deno and the basic utilities only. */
async function barePath(dir: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(Deno.execPath(), `${bin}/deno`);
  const peers = new Set(PEERS.map((p) => p.command));
  for (const name of BASICS) {
    const at = which(name);
    assert(!peers.has(name), `${name} is a peer`);
    if (at) await Deno.symlink(at, `${bin}/${name}`);
  }
  return bin;
}

async function run(args: string[], bin: string): Promise<{ code: number; text: string }> {
  // past the deadline the run and every process it started are killed, failing by name
  const out = await output(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    env: { PATH: bin, NO_COLOR: "1" },
    deadlineMs: DEADLINE_MS,
  });
  const dec = new TextDecoder();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  assert(out.signal === null, `not done within ${DEADLINE_MS / 1000} s:\n${text.slice(-3000)}`);
  return { code: out.code, text };
}

Deno.test("with no peer on the PATH, peer tests are ignored by name and the run is green, in minutes", async () => {
  await using dir = await tempDir("wireplay-no-peers-");
  const bin = await barePath(dir.path);

  const setup = await run(["run", "-A", "tests/setup_peers.ts"], bin);
  assertEquals(setup.code, 0, setup.text);
  assertMatch(
    setup.text,
    /peers: missing socat .*\(no apt-get on this machine\); tests that need them are ignored — apt-get install socat /,
  );

  const files = peerTestFiles();
  assertGreaterOrEqual(files.length, 20, files.join(" "));
  const t0 = performance.now();
  const r = await run(
    [
      "test",
      "--no-check",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-run",
      ...files,
    ],
    bin,
  );
  const tail = r.text.slice(-4000);
  assertEquals(r.code, 0, tail);
  for (
    const line of [
      "ignored: needs socat — apt-get install socat",
      "ignored: needs openssl — apt-get install openssl",
      "ignored: needs redis-server — apt-get install redis-server",
      "ignored: needs curl — apt-get install curl",
      "ignored: needs nginx — apt-get install nginx",
      "ignored: needs dnsmasq — apt-get install dnsmasq-base",
      "ignored: needs tmux — apt-get install tmux",
      "ignored: needs script, socat — apt-get install bsdutils socat",
      "ignored: needs unshare, ip, ss, socat — apt-get install util-linux iproute2 socat",
    ]
  ) assert(r.text.includes(line), `no "${line}" in:\n${tail}`);
  const summary = r.text.match(/^ok \| (\d+) passed \| 0 failed \| (\d+) ignored/m);
  assert(summary, `no green summary with ignored tests:\n${tail}`);
  assertGreaterOrEqual(Number(summary[2]), 30, summary[0]);
  assert(performance.now() - t0 < DEADLINE_MS);
});
