/**
 * File transfer throughput: `send-file` → `recv-file` against netcat-openbsd on
 * loopback, the same file, every received copy's SHA-256 checked against the source.
 *
 *   deno run -A bench/transfer_bench.ts [--size 1GiB] [--rounds 3] [--dir DIR]
 *
 * Contenders, each run once per round:
 * - `nc -l 127.0.0.1 PORT > file` / `nc -N 127.0.0.1 PORT < file`: no hash at all.
 * - the same with the hash checked on both ends, streamed the way wireplay does it: the
 *   sender tees the file into `openssl dgst -sha256` while nc sends it, the receiver tees
 *   what arrives into the file and into `openssl dgst -sha256`.
 * - `cli.ts recv-file --listen` and `cli.ts send-file`: wall time of the whole commands
 *   (Deno start-up included) and the transfer time they report.
 *
 * Files live in /dev/shm when it exists, so the disk's writeback does not decide the
 * result. Prints every round, the median (and best) of each, and the ratios of the medians.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { parseSize } from "../lib/bytes/units.ts";

const args = Deno.args;
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const SIZE = parseSize(flag("--size", "1GiB"), "--size");
const ROUNDS = Number(flag("--rounds", "3"));
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const MiB = 1024 * 1024;

async function baseDir(): Promise<string> {
  const want = flag("--dir", "");
  const prefix = "wireplay-bench-";
  if (want) return await Deno.makeTempDir({ dir: want, prefix });
  const shm = await Deno.stat("/dev/shm").then((s) => s.isDirectory, () => false);
  return await Deno.makeTempDir(shm ? { dir: "/dev/shm", prefix } : { prefix });
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

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path);
  const buf = new Uint8Array(MiB);
  while (true) {
    const n = await f.read(buf);
    if (n === null) break;
    h.update(buf.subarray(0, n));
  }
  return h.digest("hex");
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
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

/** Runs a receiving and then a sending shell pipeline on a free port; returns the seconds taken. */
async function shellPair(receiver: string, sender: string): Promise<number> {
  const port = String(freePort());
  const rx = new Deno.Command("sh", { args: ["-c", receiver.replaceAll("PORT", port)] }).spawn();
  await waitListening(Number(port));
  const t0 = performance.now();
  const tx = new Deno.Command("sh", { args: ["-c", sender.replaceAll("PORT", port)] }).spawn();
  const [a, b] = await Promise.all([tx.status, rx.status]);
  if (!a.success || !b.success) throw new Error(`failed: ${sender} → ${receiver}`);
  return (performance.now() - t0) / 1000;
}

const firstWord = async (f: string) => (await Deno.readTextFile(f)).split(" ")[0]!;

async function runOurs(
  src: string,
  dir: string,
): Promise<{ wall: number; transfer: number; sha256: string }> {
  const port = freePort();
  const rx = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "recv-file",
      `tcp://127.0.0.1:${port}`,
      "--listen",
      "--dir",
      dir,
      "--force",
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const rxOut = new Response(rx.stdout).text();
  const reader = rx.stderr.getReader();
  let err = "";
  while (!err.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`recv-file did not start: ${err}`);
    err += new TextDecoder().decode(value);
  }
  const rxErr = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const t0 = performance.now();
  const tx = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "send-file", src, `tcp://127.0.0.1:${port}`, "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const status = await rx.status;
  const wall = (performance.now() - t0) / 1000;
  const received = JSON.parse(await rxOut);
  await rxErr;
  if (!tx.success || !status.success) {
    throw new Error(`transfer failed: ${new TextDecoder().decode(tx.stderr)}`);
  }
  const sent = JSON.parse(new TextDecoder().decode(tx.stdout));
  if (sent.sha256 !== received.sha256) throw new Error("sender and receiver disagree on the hash");
  return { wall, transfer: received.seconds, sha256: received.sha256 };
}

const dir = await baseDir();
try {
  const src = `${dir}/source.bin`;
  const out = `${dir}/nc.out`;
  const rxDir = `${dir}/rx`;
  const fifo = `${dir}/tx.fifo`;
  await Deno.mkdir(rxDir);
  console.log(`making ${(SIZE / MiB).toFixed(0)} MiB of pseudo-random data in ${dir} …`);
  await makeFile(src, SIZE);
  const t = performance.now();
  const want = await sha256File(src);
  const hashSecs = (performance.now() - t) / 1000;
  console.log(`source sha256 ${want}`);

  const nc: number[] = [], ncHashed: number[] = [], wall: number[] = [], own: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const n = await shellPair(
      `exec nc -l 127.0.0.1 PORT > '${out}'`,
      `exec nc -N 127.0.0.1 PORT < '${src}'`,
    );
    if ((await sha256File(out)) !== want) throw new Error("nc's copy differs from the source");
    await Deno.remove(out);
    nc.push(n);

    await Deno.remove(fifo).catch(() => {});
    const nh = await shellPair(
      `nc -l 127.0.0.1 PORT | tee '${out}' | openssl dgst -sha256 -r > '${dir}/got.sha'`,
      `mkfifo '${fifo}' && { openssl dgst -sha256 -r '${fifo}' > '${dir}/sent.sha' & ` +
        `tee '${fifo}' < '${src}' | nc -N 127.0.0.1 PORT; wait; }`,
    );
    if (
      (await firstWord(`${dir}/sent.sha`)) !== want || (await firstWord(`${dir}/got.sha`)) !== want
    ) {
      throw new Error("nc + openssl: a digest differs from the source");
    }
    if ((await sha256File(out)) !== want) throw new Error("nc's copy differs from the source");
    await Deno.remove(out);
    ncHashed.push(nh);

    const ours = await runOurs(src, rxDir);
    if (ours.sha256 !== want || (await sha256File(`${rxDir}/source.bin`)) !== want) {
      throw new Error("wireplay's copy differs from the source");
    }
    await Deno.remove(`${rxDir}/source.bin`);
    wall.push(ours.wall);
    own.push(ours.transfer);
    console.log(
      `round ${round}: nc ${n.toFixed(2)} s | nc+openssl ${nh.toFixed(2)} s | wireplay ${
        ours.wall.toFixed(2)
      } s ` +
        `(transfer ${ours.transfer.toFixed(2)} s); every copy's hash checked`,
    );
  }
  // the median of the rounds (the lower middle one for an even count), and the best
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const best = (xs: number[]) => Math.min(...xs);
  const rate = (secs: number) => `${(SIZE / MiB / secs).toFixed(0)} MiB/s`;
  const row = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(36)}${median(xs).toFixed(2).padStart(6)} s ${
        rate(median(xs)).padStart(11)
      }   (best ${best(xs).toFixed(2)} s)`,
    );
  const ratio = (ref: number[], ours: number[]) => (median(ref) / median(ours)).toFixed(2);
  console.log("");
  console.log(
    `${(SIZE / MiB).toFixed(0)} MiB over tcp://127.0.0.1, median of ${ROUNDS} ` +
      `(one SHA-256 pass over the file takes ${hashSecs.toFixed(2)} s here)`,
  );
  row("nc, no hash", nc);
  row("nc + openssl sha256 on both ends", ncHashed);
  row("wireplay send-file → recv-file", wall);
  row("wireplay, transfer as reported", own);
  console.log(
    `ratio vs nc + openssl sha256        ${ratio(ncHashed, wall)}x (transfer ${
      ratio(ncHashed, own)
    }x)  (both ends hash)`,
  );
  console.log(
    `ratio vs nc without any hash        ${ratio(nc, wall)}x (transfer ${
      ratio(nc, own)
    }x)  issue 7 goal >= 0.8x`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
