/**
 * Multi-core HTTP: `wireplay serve http --workers 2` against nginx with `worker_processes 2`,
 * side by side in one run, on the same static file (`/page.html`) and the same JSON route
 * (the seed's `GET /api/data`, a `return 200 '…'` location in nginx), with `wrk`.
 *
 *     deno run -A bench/workers_bench.ts [--seconds 2] [--rounds 1] [--connections 32]
 *                                        [--workers 2] [--size 4096]
 *
 * Both sides run as their own processes: ours through the real CLI (`cli.ts serve http
 * 127.0.0.1:0 --root DIR --workers N --json`). Rounds alternate between the sides and the
 * median is reported, with each side's server CPU time per request (from /proc, children
 * and threads included). Short by default: the machine may be shared.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { cpuSeconds, type Side, spawnNginx, writeNginxConf } from "./_server_side.ts";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "2" },
    rounds: { type: "string", default: "1" },
    connections: { type: "string", default: "32" },
    workers: { type: "string", default: "2" },
    size: { type: "string", default: "4096" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const workers = Number(values.workers);
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const SEED_JSON = '{"message": "Hello from API", "status": "success"}';

async function startOurs(www: string): Promise<Side> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      CLI,
      "serve",
      "http",
      "127.0.0.1:0",
      "--root",
      www,
      "--workers",
      String(workers),
      "--json",
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("serve http exited early");
    text += value;
  }
  clearTimeout(deadline);
  return {
    name: `serve http --workers ${workers}`,
    url: JSON.parse(text).address,
    pid: child.pid,
    async stop() {
      child.kill("SIGINT");
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

async function startNginx(prefix: string, www: string): Promise<Side> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  await writeNginxConf(
    prefix,
    `  types { text/html html; }
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} reuseport;
    root ${www};
    location = /api/data { default_type application/json; return 200 '${SEED_JSON}'; }
  }`,
    { workers },
  );
  return await spawnNginx(`nginx worker_processes ${workers}`, prefix, port);
}

/** wrk against one side: requests per second and server CPU µs per request. */
async function wrk(side: Side, path: string, secs: number) {
  const cpu0 = cpuSeconds(side.pid);
  const out = await new Deno.Command("wrk", {
    args: [`-t${workers}`, `-c${connections}`, `-d${secs}s`, side.url + path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const cpu1 = cpuSeconds(side.pid);
  const text = new TextDecoder().decode(out.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const n = /(\d+) requests in/.exec(text);
  if (!out.success || !rps || !n || /Non-2xx or 3xx/.test(text)) {
    throw new Error(`wrk failed against ${side.url}${path}: ${text}`);
  }
  return { rps: Number(rps[1]), cpuUs: ((cpu1 - cpu0) * 1e6) / Number(n[1]) };
}

const dir = await Deno.makeTempDir({ prefix: "wireplay-workers-bench-" });
const sides: Side[] = [];
try {
  const www = `${dir}/www`;
  await Deno.mkdir(www);
  const line = "<p>wireplay workers benchmark: the quick brown fox jumps over the lazy dog.</p>\n";
  const size = Number(values.size);
  await Deno.writeTextFile(
    `${www}/page.html`,
    line.repeat(Math.ceil(size / line.length)).slice(0, size),
  );
  const ours = await startOurs(www);
  sides.push(ours);
  const nginx = await startNginx(dir, www);
  sides.push(nginx);
  // both answer the seed's route alike
  for (const s of sides) {
    const body = await (await fetch(`${s.url}/api/data`)).json();
    if (body.message !== "Hello from API") throw new Error(`${s.name}: wrong /api/data`);
  }
  console.log(
    `wrk: ${workers} threads, ${connections} connections, ${rounds} round(s) of ${seconds}s per side (medians); ` +
      `${navigator.hardwareConcurrency} CPUs`,
  );
  for (const path of ["/page.html", "/api/data"]) {
    await wrk(ours, path, 1); // warm up
    await wrk(nginx, path, 1);
    const a = [], b = [];
    for (let i = 0; i < rounds; i++) {
      a.push(await wrk(ours, path, seconds));
      b.push(await wrk(nginx, path, seconds));
    }
    const [ra, rb] = [median(a.map((x) => x.rps)), median(b.map((x) => x.rps))];
    const [ca, cb] = [median(a.map((x) => x.cpuUs)), median(b.map((x) => x.cpuUs))];
    console.log(
      `\n${path === "/api/data" ? "GET /api/data (JSON route)" : `static ${size}-byte file`}`,
    );
    for (const [side, rps, cpu] of [[ours, ra, ca], [nginx, rb, cb]] as const) {
      console.log(
        `  ${side.name.padEnd(28)} ${rps.toFixed(0).padStart(8)} req/s  ${
          cpu.toFixed(1).padStart(6)
        } µs CPU/req`,
      );
    }
    console.log(
      `  throughput ratio ${(ra / rb).toFixed(2)}×, CPU-per-request ratio ${(cb / ca).toFixed(2)}×`,
    );
    reportRow({
      bench: "workers_bench",
      row: `${
        path === "/api/data" ? "JSON route" : `static ${size / 1024} KiB file`
      }, serve http --workers ${workers} vs nginx worker_processes ${workers}`,
      ours: `${ra.toFixed(0)} req/s, ${ca.toFixed(1)} µs CPU/req`,
      peer: `nginx ${rb.toFixed(0)} req/s, ${cb.toFixed(1)} µs CPU/req`,
      ratio: ra / rb,
      note: `median of ${rounds} × ${seconds}s wrk rounds; CPU-per-request ratio ${
        (cb / ca).toFixed(2)
      }×`,
    });
  }
} finally {
  for (const s of sides) await s.stop().catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
