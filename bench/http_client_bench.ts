/**
 * The HTTP client reading a large body (issue 17): nginx (one worker, sendfile) serves a
 * 256 MiB file from a temp folder on loopback; `curl -s -o /dev/null` and wireplay's client
 * fetch it in alternating rounds, median of the rounds, MiB/s.
 *
 *     deno run -A bench/http_client_bench.ts [--mib 256] [--rounds 3] [--no-tls]
 *
 * wireplay is measured the ways a user meets it:
 * - `wireplay run` of a one-line script `http GET URL save "/dev/null"`: the statement's own
 *   time (`${r.duration}`, Deno's start-up excluded: the goal row, the client's throughput),
 *   and the wall time of the whole command (start-up included: what a user waits, a report
 *   row; Deno's start-up with the CLI's modules is about 0.1–0.2 s, as long as curl takes for
 *   the whole body on a quiet machine);
 * - the library call `httpRequest({ saveTo: "/dev/null" })` in this process, and the same
 *   with the body held in memory (`maxBodyBytes` raised; a script holds at most 64 MiB);
 * - over HTTPS (nginx with a `wireplay cert` certificate, `curl --cacert`), a report row.
 *
 * Goal (issue 17): ≥ 0.5× curl's throughput on a 256 MiB body, in the same run. CPU seconds
 * (user + system, from `/usr/bin/time`) of curl and of the whole `wireplay run` are printed
 * too: they hold still on a busy machine.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { parseArgs } from "node:util";
import { httpRequest } from "../lib/http/client/request.ts";
import { spawnNginx, writeNginxConf } from "./_server_side.ts";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    "no-tls": { type: "boolean", default: false },
  },
});
const mib = Number(values.mib);
const rounds = Number(values.rounds);
const withTls = !values["no-tls"];
const root = new URL("..", import.meta.url).pathname;
const cli = `${root}cli.ts`;

const rate = (ms: number) => mib / (ms / 1000);
const fmt = (ms: number) => `${rate(ms).toFixed(0)} MiB/s`;

const prefix = await Deno.makeTempDir({ prefix: "wireplay-bench-client-" });
await Deno.chmod(prefix, 0o755); // nginx's worker (nobody) reads the file
const port = getAvailablePort();
const tlsPort = getAvailablePort();
// the body: 64 KiB of random bytes repeated (not all one byte)
{
  const piece = crypto.getRandomValues(new Uint8Array(65536));
  const mibPiece = new Uint8Array(1024 * 1024);
  for (let at = 0; at < mibPiece.byteLength; at += piece.byteLength) mibPiece.set(piece, at);
  using file = await Deno.open(`${prefix}/big.bin`, { write: true, create: true });
  for (let i = 0; i < mib; i++) {
    let off = 0;
    while (off < mibPiece.byteLength) off += await file.write(mibPiece.subarray(off));
  }
}
if (withTls) {
  const made = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", cli, "cert", "--out", prefix, "--host", "localhost"],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!made.success) throw new Error("wireplay cert failed");
}
await writeNginxConf(
  prefix,
  `  sendfile on;
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${prefix}; }
  ${
    withTls
      ? `server { listen 127.0.0.1:${tlsPort} ssl; root ${prefix};
    ssl_certificate ${prefix}/cert.pem; ssl_certificate_key ${prefix}/key.pem; }`
      : ""
  }`,
  { workerConnections: 64 },
);
const nginx = await spawnNginx("nginx", prefix, port);
const url = `http://127.0.0.1:${port}/big.bin`;
const tlsUrl = `https://localhost:${tlsPort}/big.bin`;
const ca = `${prefix}/cert.pem`;

const TIME = "/usr/bin/time";
const haveTime = await Deno.stat(TIME).then(() => true, () => false);
const cpu = { curl: [] as number[], cli: [] as number[] };

/** Wall ms of a command that must succeed, its stdout, and its CPU seconds when known. */
async function timed(
  cmd: string,
  args: string[],
): Promise<{ ms: number; out: string; cpu?: number }> {
  const cpuFile = `${prefix}/cpu.txt`;
  const [bin, argv] = haveTime ? [TIME, ["-f", "%U %S", "-o", cpuFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = await new Deno.Command(bin, { args: argv, stdout: "piped", stderr: "inherit" })
    .output();
  const ms = performance.now() - t0;
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  const out = new TextDecoder().decode(r.stdout);
  if (!haveTime) return { ms, out };
  const [user, sys] = (await Deno.readTextFile(cpuFile)).trim().split("\n").at(-1)!.split(" ");
  return { ms, out, cpu: Number(user) + Number(sys) };
}

async function curl(target: string): Promise<number> {
  const tls = target.startsWith("https:") ? ["--cacert", ca] : [];
  const r = await timed("curl", ["-s", "-f", "-o", "/dev/null", ...tls, target]);
  if (!tls.length && r.cpu !== undefined) cpu.curl.push(r.cpu);
  return r.ms;
}

/** `wireplay run` of a one-line script: [whole command ms, the statement's own ms]. */
async function wireplayRun(target: string): Promise<[number, number]> {
  const tls = target.startsWith("https:") ? ` ca "${ca}"` : "";
  const script = `${prefix}/get.wire`;
  await Deno.writeTextFile(
    script,
    `http GET ${target}${tls} save "/dev/null" as r\nexpect status 200\nprint "\${r.duration}"\n`,
  );
  const r = await timed(Deno.execPath(), [
    "run",
    "--v8-flags=--enable-experimental-regexp-engine-on-excessive-backtracks",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys=networkInterfaces,hostname,statfs",
    "--quiet",
    cli,
    "run",
    script,
  ]);
  if (!tls && r.cpu !== undefined) cpu.cli.push(r.cpu);
  return [r.ms, Number(r.out.trim().split("\n").at(-1))];
}

async function library(target: string, inMemory: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await httpRequest({
    method: "GET",
    url: target,
    ...(target.startsWith("https:") ? { caCerts: [await Deno.readTextFile(ca)] } : {}),
    ...(inMemory ? { maxBodyBytes: 2 * mib * 1024 * 1024 } : { saveTo: "/dev/null" }),
    timeoutMs: 120_000,
  });
  const ms = performance.now() - t0;
  const size = res.saved?.bytes ?? res.body.byteLength;
  if (res.status !== 200 || size !== mib * 1024 * 1024) throw new Error(`got ${size} bytes`);
  return ms;
}

const m = {
  curl: [] as number[],
  cli: [] as number[],
  statement: [] as number[],
  lib: [] as number[],
  libMem: [] as number[],
  curlTls: [] as number[],
  cliTls: [] as number[],
  statementTls: [] as number[],
  libTls: [] as number[],
};
try {
  // warm-up: the page cache, Deno's module cache, nginx
  await curl(url);
  await wireplayRun(url);
  cpu.curl.length = cpu.cli.length = 0;
  for (let i = 0; i < rounds; i++) {
    m.curl.push(await curl(url));
    const [cliMs, stmtMs] = await wireplayRun(url);
    m.cli.push(cliMs);
    m.statement.push(stmtMs);
    m.lib.push(await library(url, false));
    m.libMem.push(await library(url, true));
    if (withTls) {
      m.curlTls.push(await curl(tlsUrl));
      const [t, s] = await wireplayRun(tlsUrl);
      m.cliTls.push(t);
      m.statementTls.push(s);
      m.libTls.push(await library(tlsUrl, false));
    }
  }
} finally {
  await nginx.stop();
  await Deno.remove(prefix, { recursive: true });
}

const list = (xs: number[]) => `[${xs.map((x) => rate(x).toFixed(0)).join(", ")}]`;
console.log(
  `GET of a ${mib} MiB file from nginx (1 worker, sendfile) on loopback, ${rounds} alternating rounds (median MiB/s)`,
);
const line = (label: string, xs: number[]) =>
  console.log(`  ${label.padEnd(52)} ${fmt(median(xs)).padStart(12)}   ${list(xs)}`);
line("curl -s -o /dev/null", m.curl);
line('wireplay run (http … save "/dev/null"), whole command', m.cli);
line("  the http statement alone (${r.duration})", m.statement);
line('httpRequest({ saveTo: "/dev/null" }) in process', m.lib);
line("httpRequest, body held in memory", m.libMem);
if (cpu.curl.length && cpu.cli.length) {
  const perGiB = (xs: number[]) => `${(median(xs) * 1024 / mib).toFixed(2)} CPU s/GiB`;
  console.log(
    `  CPU (user+sys): curl ${perGiB(cpu.curl)}, wireplay run ${perGiB(cpu.cli)} ` +
      `(start-up included)`,
  );
}
if (withTls) {
  line("curl --cacert (HTTPS)", m.curlTls);
  line("wireplay run (HTTPS), whole command", m.cliTls);
  line("  the http statement alone (HTTPS)", m.statementTls);
  line("httpRequest (HTTPS) in process", m.libTls);
}

const curlRate = rate(median(m.curl));
const note = `median of ${rounds} alternating rounds, ${mib} MiB`;
const cpuNote = cpu.curl.length && cpu.cli.length
  ? `; CPU s: curl ${median(cpu.curl).toFixed(2)}, wireplay run ${median(cpu.cli).toFixed(2)}`
  : "";
reportRow({
  bench: "http_client_bench",
  row: `HTTP client, ${mib} MiB body: \`wireplay run\` of \`http … save /dev/null\`, ` +
    "the statement's time (start-up excluded)",
  ours: fmt(median(m.statement)),
  peer: `curl -o /dev/null ${curlRate.toFixed(0)} MiB/s`,
  ratio: rate(median(m.statement)) / curlRate,
  goal: { op: ">=", value: 0.5 },
  note,
});
reportRow({
  bench: "http_client_bench",
  row: `HTTP client, ${mib} MiB body: the whole \`wireplay run\` command (start-up included)`,
  ours: fmt(median(m.cli)),
  peer: `curl -o /dev/null ${curlRate.toFixed(0)} MiB/s`,
  ratio: rate(median(m.cli)) / curlRate,
  note: note + cpuNote,
});
reportRow({
  bench: "http_client_bench",
  row: `HTTP client, ${mib} MiB body: httpRequest in process, body held in memory`,
  ours: fmt(median(m.libMem)),
  peer: `curl -o /dev/null ${curlRate.toFixed(0)} MiB/s`,
  ratio: rate(median(m.libMem)) / curlRate,
  note: `${note}; saveTo /dev/null in process: ${fmt(median(m.lib))}`,
});
if (withTls) {
  const curlTlsRate = rate(median(m.curlTls));
  reportRow({
    bench: "http_client_bench",
    row: `HTTPS client, ${mib} MiB body: \`wireplay run\`, start-up included`,
    ours: `${fmt(median(m.cliTls))} (statement alone ${fmt(median(m.statementTls))})`,
    peer: `curl --cacert ${curlTlsRate.toFixed(0)} MiB/s`,
    ratio: rate(median(m.cliTls)) / curlTlsRate,
    note: `${note}; in process ${fmt(median(m.libTls))}`,
  });
}
