/**
 * File transfer throughput: `send-file` → `recv-file` against netcat-openbsd and an rsync
 * daemon on loopback, the same file, every received copy checked against the source.
 *
 *   deno run -A bench/transfer_bench.ts [--size 1GiB] [--rounds 5] [--dir DIR]
 *
 * The default run (1 GiB, 5 rounds of 5 contenders) takes about 1.5 minutes on 2 cores.
 *
 * Contenders, interleaved (each once per round, in this order):
 * - nc: `nc -l 127.0.0.1 PORT > file` / `nc -N 127.0.0.1 PORT < file`: no hash at all.
 * - nc + openssl: the same with SHA-256 on both ends, streamed the way wireplay does it:
 *   the sender tees the file into `openssl dgst -sha256` while nc sends it, the receiver
 *   tees what arrives into the file and into `openssl dgst -sha256`.
 * - rsync: a daemon (`rsync --daemon --no-detach`, a temporary config with one writable
 *   module) on a free loopback port, and `rsync --whole-file FILE rsync://…/bench/`. With
 *   --whole-file no delta is computed; rsync still verifies the whole file end to end with
 *   its negotiated transfer checksum (xxh128: `--debug=NSTR2` shows "Client negotiated
 *   checksum: xxh128" with rsync 3.5.0; rsync has no SHA-256 for that), and writes a temporary file it renames into place, as recv-file does. Not
 *   `--checksum`: that only decides which files to skip (a pre-pass hashing the source).
 * - wireplay: `cli.ts recv-file --listen` and `cli.ts send-file` (SHA-256, the default),
 *   whole commands timed, Deno start-up included.
 * - wireplay xxh128: the same with `send-file --hash xxh128`.
 *
 * Wall time runs from starting the sender until both ends have exited (rsync: until the
 * client exits; the daemon stays). CPU seconds of each side (user + system, children
 * included) come from the shell's `times` around each command. All files live in one
 * tmpfs folder (/dev/shm when it exists), so the disk's writeback decides nothing.
 *
 * What bounds the SHA-256 row on a 2-core machine: SHA-256 runs at about 1.7 GB/s here
 * (node:crypto = `openssl speed`, the CPU's SHA instructions), 0.6 CPU s/GiB on each end.
 * Without it, each side of wireplay costs what nc's does (plus ~0.1 s of Deno start-up), so
 * the two ends need ≈ nc's CPU + 1.2 s per GiB; on 2 cores that is ≈ 1.35 s at best against
 * nc's ~1 s (≈ 0.75–0.8× with perfect overlap, 0.55–0.8× measured). `--hash xxh128` removes
 * most of that (0.13 s/GiB per end).
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { createHash } from "node:crypto";
import { createXXHash128 } from "hash-wasm";
import { parseSize } from "../lib/bytes/units.ts";
import { reportRow } from "./_summary.ts";

const args = Deno.args;
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const SIZE = parseSize(flag("--size", "1GiB"), "--size");
const ROUNDS = Number(flag("--rounds", "5"));
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BENCH = "transfer_bench";
const SIZE_TEXT = SIZE % GiB === 0 ? `${SIZE / GiB} GiB` : `${(SIZE / MiB).toFixed(0)} MiB`;

async function baseDir(): Promise<{ dir: string; where: string }> {
  const want = flag("--dir", "");
  const prefix = "wireplay-bench-";
  if (want) return { dir: await Deno.makeTempDir({ dir: want, prefix }), where: want };
  const shm = await Deno.stat("/dev/shm").then((s) => s.isDirectory, () => false);
  return shm
    ? { dir: await Deno.makeTempDir({ dir: "/dev/shm", prefix }), where: "tmpfs /dev/shm" }
    : { dir: await Deno.makeTempDir({ prefix }), where: "the temp folder's disk" };
}

/** `size` bytes: a random 1 MiB block, each copy stamped with its index. */
async function makeFile(path: string, size: number): Promise<void> {
  const block = new Uint8Array(MiB);
  for (let i = 0; i < block.length; i += 65536) {
    crypto.getRandomValues(block.subarray(i, i + 65536));
  }
  using f = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let done = 0, i = 0; done < size; i++) {
    new DataView(block.buffer).setUint32(0, i);
    const n = Math.min(MiB, size - done);
    let off = 0;
    while (off < n) off += await f.write(block.subarray(off, n));
    done += n;
  }
}

/** Feeds a file to `update` in 1 MiB pieces. */
async function eachChunk(path: string, update: (b: Uint8Array) => void): Promise<void> {
  using f = await Deno.open(path);
  const buf = new Uint8Array(MiB);
  while (true) {
    const n = await f.read(buf);
    if (n === null) break;
    update(buf.subarray(0, n));
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  await eachChunk(path, (b) => h.update(b));
  return h.digest("hex");
}

const xxh = await createXXHash128();
/** XXH3-128 of a file: how each received copy is compared with the source (fast). */
async function xxh128File(path: string): Promise<string> {
  xxh.init();
  await eachChunk(path, (b) => xxh.update(b));
  return xxh.digest("hex");
}

/** Waits until `ss` shows a socket listening on `port` (a probe would use up nc's one accept). */
async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const ss = await new Deno.Command("ss", {
      args: ["-Hltn", `sport = :${port}`],
      stdout: "piped",
    })
      .output();
    if (new TextDecoder().decode(ss.stdout).includes(`:${port}`)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`nothing listens on ${port}`);
}

let cpuFiles = 0;
/**
 * Starts `script` in `sh`, followed by `times` into a file: `cpu()` then reads the CPU
 * seconds (user + system) of everything the script ran.
 */
function shell(script: string, dir: string, piped = false) {
  const file = `${dir}/cpu-${++cpuFiles}.txt`;
  const child = new Deno.Command("sh", {
    args: ["-c", `${script}\ns=$?; times > '${file}'; exit $s`],
    stdout: piped ? "piped" : "null",
    stderr: piped ? "piped" : "inherit",
    stdin: "null",
  }).spawn();
  return {
    child,
    async cpu(): Promise<number> {
      // dash and bash: the second line holds the children's "XmY.YYYs XmY.YYYs"
      const line = (await Deno.readTextFile(file)).trim().split("\n")[1] ?? "";
      await Deno.remove(file);
      return [...line.matchAll(/(\d+)m([\d.]+)s/g)]
        .reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
    },
  };
}

/** One measurement: wall seconds, CPU seconds of each side. */
interface Run {
  wall: number;
  txCpu: number;
  rxCpu: number;
}

/** Runs a receiving and then a sending shell pipeline on a free port. */
async function shellPair(receiver: string, sender: string, dir: string): Promise<Run> {
  const port = String(getAvailablePort());
  const rx = shell(receiver.replaceAll("PORT", port), dir);
  await waitListening(Number(port));
  const t0 = performance.now();
  const tx = shell(sender.replaceAll("PORT", port), dir);
  const [a, b] = await Promise.all([tx.child.status, rx.child.status]);
  const wall = (performance.now() - t0) / 1000;
  if (!a.success || !b.success) throw new Error(`failed: ${sender} → ${receiver}`);
  return { wall, txCpu: await tx.cpu(), rxCpu: await rx.cpu() };
}

/** Every process whose parent is `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) found.push(Number(e.name));
  }
  return found;
}

/** rsync daemon on a free loopback port, one module `bench` writing into `into`. */
async function runRsync(src: string, into: string, dir: string): Promise<Run> {
  const port = getAvailablePort();
  const conf = `${dir}/rsyncd.conf`;
  const pidFile = `${dir}/rsyncd.pid`;
  const asRoot = Deno.uid() === 0 ? "uid = 0\ngid = 0\n" : "";
  await Deno.writeTextFile(
    conf,
    `use chroot = false\n${asRoot}log file = ${dir}/rsyncd.log\n` +
      `[bench]\n  path = ${into}\n  read only = false\n`,
  );
  const daemon = shell(
    `rsync --daemon --no-detach --config='${conf}' --address=127.0.0.1 --port=${port} & ` +
      `echo $! > '${pidFile}'; wait $!`,
    dir,
  );
  try {
    await waitListening(port);
    const t0 = performance.now();
    const tx = shell(`rsync --whole-file '${src}' rsync://127.0.0.1:${port}/bench/`, dir);
    const status = await tx.child.status;
    const wall = (performance.now() - t0) / 1000;
    if (!status.success) throw new Error("rsync failed");
    const pid = Number((await Deno.readTextFile(pidFile)).trim());
    // the daemon's connection process ends after the client: wait until it is reaped, so
    // its CPU counts among the daemon's children
    const deadline = Date.now() + 10_000;
    while ((await childrenOf(pid)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    Deno.kill(pid, "SIGTERM");
    await daemon.child.status;
    return { wall, txCpu: await tx.cpu(), rxCpu: await daemon.cpu() };
  } catch (e) {
    try {
      Deno.kill(Number((await Deno.readTextFile(pidFile)).trim()), "SIGTERM");
    } catch { /* not started */ }
    await daemon.child.status;
    throw e;
  }
}

/** recv-file --listen, then send-file (with `extra` flags); checks both agree. */
async function runOurs(
  src: string,
  into: string,
  dir: string,
  extra: string[],
): Promise<Run & { digest: string }> {
  const deno = `'${Deno.execPath()}' run -A '${CLI}'`;
  const rx = shell(
    `${deno} recv-file tcp://127.0.0.1:0 --listen --dir '${into}' --force --json`,
    dir,
    true,
  );
  const rxOut = new Response(rx.child.stdout).text();
  const reader = rx.child.stderr.getReader();
  let err = "";
  let addr: string | undefined;
  while (addr === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`recv-file did not start: ${err}`);
    err += new TextDecoder().decode(value);
    addr = /listening on (\S+)/.exec(err)?.[1];
  }
  const rxErr = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const t0 = performance.now();
  const tx = shell(`${deno} send-file '${src}' ${addr} --json ${extra.join(" ")}`, dir, true);
  const txOut = new Response(tx.child.stdout).text();
  const txErr = new Response(tx.child.stderr).text();
  const [a, b] = await Promise.all([tx.child.status, rx.child.status]);
  const wall = (performance.now() - t0) / 1000;
  await rxErr;
  if (!a.success || !b.success) throw new Error(`transfer failed: ${await txErr}`);
  const sent = JSON.parse(await txOut), received = JSON.parse(await rxOut);
  if (sent.digest !== received.digest) throw new Error("sender and receiver disagree on the hash");
  return { wall, txCpu: await tx.cpu(), rxCpu: await rx.cpu(), digest: received.digest };
}

/** MiB/s of node:crypto's SHA-256 and hash-wasm's XXH3-128 on 1 MiB updates in memory
 * (best of three passes over 256 MiB). */
function hashRates(): { sha: number; xxh: number } {
  const buf = new Uint8Array(MiB);
  crypto.getRandomValues(buf.subarray(0, 65536));
  const best = (pass: () => void) => {
    let secs = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      pass();
      secs = Math.min(secs, (performance.now() - t) / 1000);
    }
    return 256 / secs;
  };
  return {
    sha: best(() => {
      const h = createHash("sha256");
      for (let i = 0; i < 256; i++) h.update(buf);
      h.digest();
    }),
    xxh: best(() => {
      xxh.init();
      for (let i = 0; i < 256; i++) xxh.update(buf);
      xxh.digest();
    }),
  };
}

/** SHA-256 throughput of `openssl speed` on 1 MiB blocks, MiB/s (undefined if it fails). */
async function opensslSha256(): Promise<number | undefined> {
  const out = await new Deno.Command("openssl", {
    args: ["speed", "-bytes", String(MiB), "-seconds", "1", "-evp", "sha256"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  const line = out &&
    new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("sha256"));
  const k = line ? Number(line.trim().split(/\s+/)[1]!.replace(/k$/, "")) : NaN;
  return Number.isFinite(k) ? (k * 1000) / MiB : undefined;
}

const { dir, where } = await baseDir();
try {
  const src = `${dir}/source.bin`;
  const out = `${dir}/nc.out`;
  const rxDir = `${dir}/rx`;
  const fifo = `${dir}/tx.fifo`;
  await Deno.mkdir(rxDir);
  console.log(`making ${(SIZE / MiB).toFixed(0)} MiB of pseudo-random data in ${dir} (${where}) …`);
  await makeFile(src, SIZE);
  const wantSha = await sha256File(src);
  const want = await xxh128File(src);
  const { sha, xxh: xxhRate } = hashRates();
  const openssl = await opensslSha256();
  console.log(`source sha256 ${wantSha}, xxh128 ${want}`);
  const check = async (path: string, who: string) => {
    if ((await xxh128File(path)) !== want) throw new Error(`${who}'s copy differs from the source`);
    await Deno.remove(path);
  };
  const firstWord = async (f: string) => (await Deno.readTextFile(f)).split(" ")[0]!;

  const names = ["nc", "nc+openssl", "rsync", "wireplay", "wireplay xxh128"] as const;
  type Name = typeof names[number];
  const runs = new Map<Name, Run[]>(names.map((n) => [n, []]));
  const began = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    const nc = await shellPair(
      `nc -l 127.0.0.1 PORT > '${out}'`,
      `nc -N 127.0.0.1 PORT < '${src}'`,
      dir,
    );
    await check(out, "nc");
    runs.get("nc")!.push(nc);

    await Deno.remove(fifo).catch(() => {});
    const nh = await shellPair(
      `nc -l 127.0.0.1 PORT | tee '${out}' | openssl dgst -sha256 -r > '${dir}/got.sha'`,
      `mkfifo '${fifo}' && { openssl dgst -sha256 -r '${fifo}' > '${dir}/sent.sha' & ` +
        `tee '${fifo}' < '${src}' | nc -N 127.0.0.1 PORT; wait; }`,
      dir,
    );
    if (
      (await firstWord(`${dir}/sent.sha`)) !== wantSha ||
      (await firstWord(`${dir}/got.sha`)) !== wantSha
    ) {
      throw new Error("nc + openssl: a digest differs from the source");
    }
    await check(out, "nc + openssl");
    runs.get("nc+openssl")!.push(nh);

    const rs = await runRsync(src, rxDir, dir);
    await check(`${rxDir}/source.bin`, "rsync");
    runs.get("rsync")!.push(rs);

    const ours = await runOurs(src, rxDir, dir, []);
    if (ours.digest !== wantSha) throw new Error("wireplay's SHA-256 differs from the source's");
    await check(`${rxDir}/source.bin`, "wireplay");
    runs.get("wireplay")!.push(ours);

    const fast = await runOurs(src, rxDir, dir, ["--hash", "xxh128"]);
    if (fast.digest !== want) throw new Error("wireplay's XXH3-128 differs from the source's");
    await check(`${rxDir}/source.bin`, "wireplay xxh128");
    runs.get("wireplay xxh128")!.push(fast);

    console.log(
      `round ${round}: ` +
        names.map((n) => `${n} ${runs.get(n)!.at(-1)!.wall.toFixed(2)} s`).join(" | ") +
        "; every copy checked",
    );
  }
  const roundsSecs = (performance.now() - began) / 1000;

  // the median of the rounds (the lower middle one for an even count), and the best
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const gib = SIZE / GiB;
  const m = (n: Name) => {
    const rs = runs.get(n)!;
    return {
      wall: median(rs.map((r) => r.wall)),
      best: Math.min(...rs.map((r) => r.wall)),
      tx: median(rs.map((r) => r.txCpu)) / gib,
      rx: median(rs.map((r) => r.rxCpu)) / gib,
    };
  };
  const rate = (secs: number) => `${(SIZE / MiB / secs).toFixed(0)} MiB/s`;
  const cpu = (n: Name) => `CPU ${m(n).tx.toFixed(2)} + ${m(n).rx.toFixed(2)} s/GiB`;
  const fig = (n: Name) => `${m(n).wall.toFixed(2)} s (${rate(m(n).wall)}), ${cpu(n)}`;
  console.log("");
  console.log(
    `${(SIZE / MiB).toFixed(0)} MiB over tcp://127.0.0.1, files on ${where}; median of ` +
      `${ROUNDS} interleaved rounds (${roundsSecs.toFixed(0)} s); CPU = sender + receiver`,
  );
  for (const n of names) {
    console.log(
      `${n.padEnd(18)}${m(n).wall.toFixed(2).padStart(6)} s ${rate(m(n).wall).padStart(11)}` +
        `   (best ${m(n).best.toFixed(2)} s)   CPU sender ${m(n).tx.toFixed(2)} s/GiB, ` +
        `receiver ${m(n).rx.toFixed(2)} s/GiB`,
    );
  }
  console.log(
    `SHA-256 here (1 MiB updates in memory): node:crypto ${sha.toFixed(0)} MiB/s` +
      (openssl ? `, openssl speed ${openssl.toFixed(0)} MiB/s` : "") +
      ` → at least ${(1024 / Math.max(sha, openssl ?? 0)).toFixed(2)} CPU s/GiB on each end; ` +
      `XXH3-128 (hash-wasm) ${xxhRate.toFixed(0)} MiB/s → ${(1024 / xxhRate).toFixed(2)} s/GiB`,
  );
  console.log("");
  const note = `median of ${ROUNDS} interleaved rounds, files on ${where}; whole commands`;
  const ratio = (peer: Name, ours: Name) => m(peer).wall / m(ours).wall;
  reportRow({
    bench: BENCH,
    row: `${SIZE_TEXT} send-file→recv-file (SHA-256 verified) vs nc (no hash)`,
    ours: fig("wireplay"),
    peer: `nc ${fig("nc")}`,
    ratio: ratio("nc", "wireplay"),
    goal: { op: ">=", value: 0.8 },
    note,
  });
  reportRow({
    bench: BENCH,
    row: `${SIZE_TEXT} send-file→recv-file (SHA-256) vs rsync daemon`,
    ours: fig("wireplay"),
    peer: `rsync --whole-file (xxh128 transfer checksum) ${fig("rsync")}`,
    ratio: ratio("rsync", "wireplay"),
    goal: { op: ">=", value: 1.0 },
    note,
  });
  reportRow({
    bench: BENCH,
    row: "send-file→recv-file (SHA-256) vs nc + openssl sha256 on both ends",
    ours: fig("wireplay"),
    peer: `nc + openssl ${fig("nc+openssl")}`,
    ratio: ratio("nc+openssl", "wireplay"),
    note,
  });
  reportRow({
    bench: BENCH,
    row: "send-file --hash xxh128 (opt-in) vs nc (no hash)",
    ours: fig("wireplay xxh128"),
    peer: `nc ${fig("nc")}`,
    ratio: ratio("nc", "wireplay xxh128"),
    note,
  });
  reportRow({
    bench: BENCH,
    row: "send-file --hash xxh128 (opt-in) vs rsync daemon (both XXH3-128)",
    ours: fig("wireplay xxh128"),
    peer: `rsync --whole-file ${fig("rsync")}`,
    ratio: ratio("rsync", "wireplay xxh128"),
    note,
  });
  reportRow({
    bench: BENCH,
    row: "SHA-256 throughput on this CPU (node:crypto, the transfer's hash)",
    ours: `${sha.toFixed(0)} MiB/s = ${(1024 / sha).toFixed(2)} CPU s/GiB per end`,
    peer: openssl ? `openssl speed -evp sha256 ${openssl.toFixed(0)} MiB/s` : "openssl: n/a",
    ratio: sha,
    unit: "MiB/s",
    note: "the floor SHA-256 adds to each end",
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
