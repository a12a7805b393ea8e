/**
 * HTTP serving throughput with `wrk`, side by side in one run:
 *
 * 1. `serve http` answering a one-line scripted route vs a bare `Deno.serve` hello
 *    (goal ≥ 0.9×);
 * 2. a static file of a few KiB from `serve http` with a root vs nginx with one worker
 *    serving the same file (goal ≥ 1.0×).
 *
 *     deno run -A bench/http_bench.ts [--seconds 3] [--rounds 3] [--connections 32] [--size 4096]
 *
 * Each server runs in its own process; rounds alternate between the two sides of a pair and
 * the median is reported, which evens out noise from other work on the machine.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
    size: { type: "string", default: "4096" },
    child: { type: "string" },
    root: { type: "string" },
  },
});

const HERE = new URL(".", import.meta.url).pathname;

// ---- child mode: one server per process, prints its URL and runs until killed ----
if (values.child) {
  const kind = values.child;
  if (kind === "bare") {
    const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hello"));
    console.log(`http://127.0.0.1:${s.addr.port}`);
  } else {
    const { startHttpServer } = await import("../lib/http/server/serve.ts");
    const s = await startHttpServer("http://127.0.0.1:0", kind === "static" ? { root: values.root } : {});
    s.routes.add("GET", "/hello", { status: 200, kind: "text", body: "hello" });
    console.log(s.url);
  }
  await new Promise(() => {}); // until killed
}

const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const size = Number(values.size);

interface Side {
  name: string;
  url: string;
  stop(): Promise<void>;
}

async function startChild(kind: string, extra: string[] = []): Promise<Side> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${HERE}http_bench.ts`, "--child", kind, ...extra],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${kind} server exited early`);
    text += value;
  }
  return {
    name: kind,
    url: text.trim(),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startNginx(prefix: string, www: string): Promise<Side> {
  const port = freePort();
  const user = Deno.uid() === 0 ? "user root root;\n" : "";
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    `worker_processes 1;
${user}daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp_body;
  proxy_temp_path ${prefix}/tmp_proxy;
  fastcgi_temp_path ${prefix}/tmp_fastcgi;
  uwsgi_temp_path ${prefix}/tmp_uwsgi;
  scgi_temp_path ${prefix}/tmp_scgi;
  types { text/html html; }
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; root ${www}; }
}
`,
  );
  const child = new Deno.Command("nginx", {
    args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("nginx did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    name: "nginx",
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGQUIT");
      await child.status;
      await child.stderr.cancel().catch(() => {});
    },
  };
}

/** Runs wrk and returns requests per second. */
async function wrk(url: string, secs: number): Promise<number> {
  const out = await new Deno.Command("wrk", {
    args: ["-t1", `-c${connections}`, `-d${secs}s`, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!out.success || !m) throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  if (/Non-2xx or 3xx responses/.test(text)) throw new Error(`wrk saw errors against ${url}:\n${text}`);
  return Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Alternates rounds between two sides; returns the medians. */
async function compare(label: string, ours: [Side, string], theirs: [Side, string], goal: number) {
  await wrk(ours[0].url + ours[1], 1); // warm up both
  await wrk(theirs[0].url + theirs[1], 1);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await wrk(ours[0].url + ours[1], seconds));
    b.push(await wrk(theirs[0].url + theirs[1], seconds));
  }
  const ma = median(a);
  const mb = median(b);
  const ratio = ma / mb;
  console.log(`\n${label}`);
  console.log(`  ${`serve http (${ours[0].name})`.padEnd(28)} ${ma.toFixed(0).padStart(8)} req/s   rounds: ${a.map((x) => x.toFixed(0)).join(", ")}`);
  console.log(`  ${theirs[0].name.padEnd(28)} ${mb.toFixed(0).padStart(8)} req/s   rounds: ${b.map((x) => x.toFixed(0)).join(", ")}`);
  console.log(`  ratio ${ratio.toFixed(2)}×  (goal ≥ ${goal.toFixed(1)}×: ${ratio >= goal ? "met" : "NOT met"})`);
  return { label, ours: ma, theirs: mb, ratio, goal };
}

const dir = await Deno.makeTempDir({ prefix: "wireplay-http-bench-" });
const sides: Side[] = [];
try {
  const www = `${dir}/www`;
  await Deno.mkdir(www);
  const line = "<p>wireplay static file benchmark: the quick brown fox jumps over the lazy dog.</p>\n";
  await Deno.writeTextFile(`${www}/page.html`, line.repeat(Math.ceil(size / line.length)).slice(0, size));
  console.log(`wrk: 1 thread, ${connections} connections, ${rounds} rounds of ${seconds}s per side (medians)`);
  const bare = await startChild("bare");
  sides.push(bare);
  const route = await startChild("route");
  sides.push(route);
  const r1 = await compare("one-line route vs bare Deno.serve hello", [route, "/hello"], [bare, "/"], 0.9);
  await bare.stop();
  await route.stop();
  sides.length = 0;
  const ours = await startChild("static", ["--root", www]);
  sides.push(ours);
  const nginx = await startNginx(dir, www);
  sides.push(nginx);
  const r2 = await compare(`static ${size}-byte file vs nginx (1 worker)`, [ours, "/page.html"], [nginx, "/page.html"], 1.0);
  console.log(`\nsummary: route ${r1.ratio.toFixed(2)}× bare Deno.serve, static ${r2.ratio.toFixed(2)}× nginx`);
} finally {
  for (const s of sides) await s.stop().catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
