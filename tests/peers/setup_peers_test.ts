/**
 * tests/setup_peers.ts (the first step of `deno task test`) with a stand-in `apt-get` on a
 * PATH that has no peer: as root it runs one `apt-get install` of every missing package
 * (refreshing the lists once if that fails), shows it, and a hung apt-get is stopped at the
 * deadline. Nothing is installed on this machine: the stand-in only records its arguments.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { PEERS } from "../helpers/peers.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";

const asRoot = Deno.uid() === 0;
if (!asRoot) console.error("ignored: the setup step's install path is tested as root only");

/** A bin folder with deno, sh, sleep and a stand-in apt-get running `body`. */
async function binWithApt(dir: string, body: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(Deno.execPath(), `${bin}/deno`);
  for (const [name, at] of [["sh", "/bin/sh"], ["sleep", "/bin/sleep"]]) {
    await Deno.symlink(at!, `${bin}/${name}`);
  }
  await Deno.writeTextFile(
    `${bin}/apt-get`,
    `#!/bin/sh\necho "apt-get $*" >> ${dir}/calls\n${body}\n`,
  );
  await Deno.chmod(`${bin}/apt-get`, 0o755);
  return bin;
}

async function setup(bin: string, env: Record<string, string> = {}) {
  // past 60 s the step and its apt-get are killed, failing by name
  const out = await output(Deno.execPath(), {
    args: ["run", "-A", "tests/setup_peers.ts"],
    cwd: REPO_ROOT,
    env: { PATH: bin, NO_COLOR: "1", ...env },
    deadlineMs: 60_000,
  });
  const dec = new TextDecoder();
  assert(out.signal === null, "the setup step did not end within 60 s");
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const wanted = [...new Set(PEERS.map((p) => p.pkg))].join(" ");

Deno.test({
  name:
    "setup as root: one apt-get install of every missing package, lists refreshed once on failure",
  ignore: !asRoot,
  fn: async () => {
    await using dir = await tempDir("wireplay-setup-");
    // an install before any update fails (stale lists); after the update it succeeds
    const bin = await binWithApt(
      dir.path,
      `case "$1" in update) touch ${dir.path}/updated;; install) [ -e ${dir.path}/updated ] || exit 100;; esac`,
    );
    const r = await setup(bin);
    assertEquals(r.code, 0, r.text);
    const calls = (await Deno.readTextFile(dir.join("calls"))).trim().split("\n");
    const install = `apt-get install -y --no-install-recommends ${wanted}`;
    // with package lists: install, update, install; with none: update, install
    assertEquals(calls.filter((c) => c === "apt-get update").length, 1, calls.join("\n"));
    assertEquals(calls.at(-1), install, calls.join("\n"));
    assert(calls.every((c) => c === install || c === "apt-get update"), calls.join("\n"));
    assertStringIncludes(r.text, `peers: running ${install}`);
    // the stand-in installs nothing, so the tests that need them will be ignored
    assertStringIncludes(r.text, `peers: still missing ${wanted}`);
  },
});

Deno.test({
  name: "setup as root: an apt-get that hangs is stopped at the deadline, and the step still ends",
  ignore: !asRoot,
  fn: async () => {
    await using dir = await tempDir("wireplay-setup-");
    const bin = await binWithApt(dir.path, "exec sleep 600");
    const t0 = performance.now();
    const r = await setup(bin, { WIREPLAY_PEERS_DEADLINE: "1" });
    assertEquals(r.code, 0, r.text);
    assert(performance.now() - t0 < 20_000, `took ${Math.round(performance.now() - t0)}ms`);
    assertStringIncludes(r.text, "did not finish within the deadline");
    assertStringIncludes(r.text, `peers: still missing ${wanted} (apt-get failed)`);
  },
});
