/**
 * File transfer throughput: `send-file` → `recv-file` against netcat-openbsd
 * (`nc -l 127.0.0.1 PORT > file` / `nc -N 127.0.0.1 PORT < file`) on loopback, the
 * same file, the hash of every received copy checked against the source.
 *
 *   deno run -A bench/transfer_bench.ts [--size 1GiB] [--rounds 2] [--dir DIR]
 *
 * Files go to /dev/shm when it exists (so the disk's writeback does not decide the
 * result), else the temp folder. Prints each run, the best of each, and the ratios:
 * wall time of the whole command (Deno start-up included), and wireplay's own transfer
 * time as it reports it. nc carries no hash at all; "nc + sha256" adds the time our
 * hashing speed needs to hash the file on both sides one after the other, which is what
 * nc would need to match wireplay's guarantee.
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
const ROUNDS = Number(flag("--rounds", "2"));
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const MiB = 1024 * 1024;

async function baseDir(): Promise<string> {
  const want = flag("--dir", "");
  if (want) return await Deno.makeTempDir({ dir: want, prefix: "wireplay-bench-" });
  try {
    if ((await Deno.stat("/dev/shm")).isDirectory) {
      return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "wireplay-bench-" });
    }
  } catch { /* none */ }
  return await Deno.makeTempDir({ prefix: "wireplay-bench-" });
}

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

async function runNc(src: string, out: string): Promise<number> {
  // nc -l accepts one connection; probing it with a connect would consume that, so listen on
  // a port and wait until ss shows the socket in LISTEN state
  const port = freePort();
  const rx = new Deno.Command("sh", { args: ["-c", `exec nc -l 127.0.0.1 ${port} > '${out}'`] })
    .spawn();
  for (let i = 0; i < 500; i++) {
    const ss = await new Deno.Command("ss", {
      args: ["-Hltn", `sport = :${port}`],
      stdout: "piped",
    }).output();
    if (new TextDecoder().decode(ss.stdout).includes(`:${port}`)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const t0 = performance.now();
  const tx = new Deno.Command("sh", { args: ["-c", `exec nc -N 127.0.0.1 ${port} < '${src}'`] })
    .spawn();
  const [a, b] = await Promise.all([tx.status, rx.status]);
  const secs = (performance.now() - t0) / 1000;
  if (!a.success || !b.success) throw new Error("nc failed");
  return secs;
}

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
  // recv-file prints "listening on" once bound; wait for it on stderr
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
  const rxDir = `${dir}/rx`;
  await Deno.mkdir(rxDir);
  console.log(`making ${(SIZE / MiB).toFixed(0)} MiB of pseudo-random data in ${dir} …`);
  await makeFile(src, SIZE);
  let t = performance.now();
  const want = await sha256File(src);
  const hashSecs = (performance.now() - t) / 1000;
  console.log(`source sha256 ${want} (hashing takes ${hashSecs.toFixed(2)} s here)`);

  const nc: number[] = [], wall: number[] = [], own: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const ncOut = `${dir}/nc.out`;
    const n = await runNc(src, ncOut);
    t = performance.now();
    const ncHash = await sha256File(ncOut);
    if (ncHash !== want) throw new Error("nc's copy differs from the source");
    await Deno.remove(ncOut);
    nc.push(n);
    const ours = await runOurs(src, rxDir);
    if (ours.sha256 !== want || (await sha256File(`${rxDir}/source.bin`)) !== want) {
      throw new Error("wireplay's copy differs from the source");
    }
    await Deno.remove(`${rxDir}/source.bin`);
    wall.push(ours.wall);
    own.push(ours.transfer);
    const rate = (s: number) => `${(SIZE / MiB / s).toFixed(0)} MiB/s`;
    console.log(
      `round ${round}: nc ${n.toFixed(2)} s (${rate(n)}), hash ok | wireplay ${
        ours.wall.toFixed(2)
      } s wall (${rate(ours.wall)}), ${ours.transfer.toFixed(2)} s transfer (${
        rate(ours.transfer)
      }), hash ok`,
    );
  }
  const best = (xs: number[]) => Math.min(...xs);
  const mb = (s: number) => SIZE / MiB / s;
  console.log("");
  console.log(
    `size                         ${
      (SIZE / MiB).toFixed(0)
    } MiB over tcp://127.0.0.1, best of ${ROUNDS}`,
  );
  console.log(
    `nc (no hash)                 ${best(nc).toFixed(2)} s  ${mb(best(nc)).toFixed(0)} MiB/s`,
  );
  console.log(
    `nc + sha256 both ends        ${(best(nc) + 2 * hashSecs).toFixed(2)} s  ${
      mb(best(nc) + 2 * hashSecs).toFixed(0)
    } MiB/s`,
  );
  console.log(
    `wireplay, whole command     ${best(wall).toFixed(2)} s  ${mb(best(wall)).toFixed(0)} MiB/s`,
  );
  console.log(
    `wireplay, transfer itself   ${best(own).toFixed(2)} s  ${mb(best(own)).toFixed(0)} MiB/s`,
  );
  console.log(
    `ratio vs nc (throughput)     whole command ${(best(nc) / best(wall)).toFixed(2)}x, transfer ${
      (best(nc) / best(own)).toFixed(2)
    }x  (goal >= 0.8x)`,
  );
  console.log(
    `ratio vs nc + sha256         whole command ${
      ((best(nc) + 2 * hashSecs) / best(wall)).toFixed(2)
    }x`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
