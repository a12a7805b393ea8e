/**
 * `wireplay bench http` against nginx (one worker) side by side with `wrk -t2 -c64`
 * against the same nginx, alternating, median of the rounds.
 *
 *     deno run -A bench/tools_http_bench.ts [--seconds 5] [--rounds 2] [--workers 2]
 *
 * Goal (issue 6): ≥ 0.8× wrk's requests per second.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { parseArgs } from "node:util";
import { median, reportRow } from "./_summary.ts";
import { spawnNginx, writeNginxConf } from "./_server_side.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    workers: { type: "string", default: "2" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const cli = new URL("../cli.ts", import.meta.url).pathname;

const prefix = await Deno.makeTempDir({ prefix: "wireplay-bench-nginx-" });
const port = getAvailablePort();
await writeNginxConf(
  prefix,
  `  keepalive_requests 100000000;
  server { listen 127.0.0.1:${port}; default_type text/plain; location / { return 200 "hello from nginx\\n"; } }`,
  { workerConnections: 4096 },
);
const nginx = await spawnNginx("nginx", prefix, port);
const url = `http://127.0.0.1:${port}/`;
const oursRps: number[] = [], wrkRps: number[] = [];
const oursP99: number[] = [], wrkP99: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const w = await new Deno.Command("wrk", {
      args: ["-t2", "-c64", `-d${seconds}s`, "--latency", url],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(w.stdout);
    wrkRps.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]));
    const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
    wrkP99.push(
      p99
        ? Number(p99[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[p99[2]!]!
        : NaN,
    );
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        cli,
        "bench",
        url,
        "--conns",
        "64",
        "--duration",
        `${seconds}s`,
        "--warmup",
        "1s",
        "--workers",
        values.workers,
        "--json",
      ],
      stdout: "piped",
    }).output();
    const r = JSON.parse(new TextDecoder().decode(o.stdout));
    oursRps.push(r.rps);
    oursP99.push(r.latency.p99);
  }
} finally {
  await nginx.stop();
  await Deno.remove(prefix, { recursive: true });
}
console.log(
  `HTTP GET ${url} against nginx (1 worker), 64 connections, ${seconds}s, ${rounds} rounds (median)`,
);
console.log(
  `  wireplay bench --workers ${values.workers}  ${
    median(oursRps).toFixed(0).padStart(7)
  } req/s  p99 ${median(oursP99).toFixed(2)} ms   [${oursRps.map((x) => x.toFixed(0)).join(", ")}]`,
);
console.log(
  `  wrk -t2 -c64                ${median(wrkRps).toFixed(0).padStart(7)} req/s  p99 ${
    median(wrkP99).toFixed(2)
  } ms   [${wrkRps.map((x) => x.toFixed(0)).join(", ")}]`,
);
console.log(
  `  ratio wireplay/wrk          ${
    (median(oursRps) / median(wrkRps)).toFixed(2)
  }×   (goal ≥ 0.80×)`,
);
reportRow({
  bench: "tools_http_bench",
  row: "`bench http` vs wrk, 64 connections to nginx",
  ours: `${median(oursRps).toFixed(0)} req/s (p99 ${median(oursP99).toFixed(2)} ms)`,
  peer: `wrk -t2 -c64 ${median(wrkRps).toFixed(0)} req/s (p99 ${median(wrkP99).toFixed(2)} ms)`,
  ratio: median(oursRps) / median(wrkRps),
  goal: { op: ">=", value: 0.8 },
  note: `median of ${rounds} alternating rounds of ${seconds}s`,
});
