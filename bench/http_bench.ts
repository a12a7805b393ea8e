/**
 * HTTP serving throughput with `wrk`, side by side in one run:
 *
 * 1. `serve http` answering a one-line scripted route vs a bare `Deno.serve` hello
 *    (goal ≥ 0.9×);
 * 2. a static file of a few KiB from `serve http` with a watched root (as the CLI runs it) vs
 *    the platform's ceiling, a bare `Deno.serve` answering the same bytes from memory with the
 *    same response headers (goal ≥ 0.95×), and vs nginx with one worker serving the same file
 *    (reported, no goal).
 *
 *     deno run -A bench/http_bench.ts [--seconds 2] [--rounds 7] [--connections 32] [--size 4096]
 *                                     [--guard]   # also: the route behind --header-timeout
 *                                     [--pin]     # servers on CPU 0, wrk on CPU 1 (idle machine)
 *                                     [--file-cache]  # both re-check the file at most every 1 s:
 *                                     #   ours revalidateMs 1000, nginx open_file_cache_valid 1s
 *
 * Each server runs in its own process; rounds alternate between the two sides of a pair and
 * the median is reported, which evens out noise from other work on the machine. Besides
 * requests per second it reports each server's CPU time per request (from /proc), which
 * stays meaningful when other work shares the machine.
 *
 * @module
 */
import { getAvailablePort } from "@std/net";
import { parseArgs } from "node:util";
import { cpuSeconds, type Side, spawnNginx, writeNginxConf } from "./_server_side.ts";
import { median, reportRow } from "./_summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "2" },
    rounds: { type: "string", default: "7" },
    connections: { type: "string", default: "32" },
    size: { type: "string", default: "4096" },
    guard: { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
    "file-cache": { type: "boolean", default: false },
    child: { type: "string" },
    root: { type: "string" },
  },
});

const HERE = new URL(".", import.meta.url).pathname;

/**
 * `--pin` (with two or more CPUs and `taskset`): every server (ours, bare Deno.serve,
 * nginx's worker) runs on CPU 0 and wrk on CPU 1, so each server gets exactly one core as
 * nginx with one worker has. Best on an otherwise idle machine; on a busy one it makes the
 * figures noisier, hence off by default.
 */
const PIN = !values.child && values.pin && navigator.hardwareConcurrency >= 2 &&
  new Deno.Command("sh", { args: ["-c", "command -v taskset"], stdout: "null", stderr: "null" })
    .outputSync().success;

// ---- child mode: one server per process, prints its URL and runs until killed ----
if (values.child) {
  const kind = values.child;
  if (kind === "bare") {
    const s = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("hello"),
    );
    console.log(`http://127.0.0.1:${s.addr.port}`);
  } else if (kind === "ceiling" || kind === "ceiling-headers") {
    // The reference for the static comparison: bare Deno.serve answering the same file from
    // memory with the same response headers as ours (type, validators, Vary), no per-request
    // work at all. What `serve http root` could reach at best on Deno.serve.
    const path = `${values.root}/page.html`;
    const body = Deno.readTextFileSync(path);
    const info = Deno.statSync(path);
    const mtime = info.mtime!.getTime();
    const headers = {
      "content-type": "text/html; charset=UTF-8",
      etag: `W/"${info.size.toString(16)}-${Math.floor(mtime).toString(16)}"`,
      "last-modified": new Date(mtime).toUTCString(),
      vary: "Accept-Encoding",
    };
    const plain = (_req: Request) => new Response(body, { headers });
    // the same, reading what any file server must read of a request: its method and URL, and
    // the four headers that conditional (304), Range and compressed answers need (each read
    // is a call into Deno.serve: the platform's cost of looking at a request)
    const reading = (req: Request) => {
      const h = req.headers;
      if (
        req.method !== "GET" || !req.url.endsWith("/page.html") ||
        h.get("if-none-match") === headers.etag || h.get("if-modified-since") !== null ||
        h.get("range") !== null || h.has("accept-encoding") && body.length < 0
      ) return new Response(null, { status: 304 });
      return new Response(body, { headers });
    };
    const s = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      // takes the request, as any real server must: Deno.serve skips building the Request
      // object for a handler declared without parameters
      kind === "ceiling" ? plain : reading,
    );
    console.log(`http://127.0.0.1:${s.addr.port}`);
  } else {
    const { startHttpServer } = await import("../lib/http/server/serve.ts");
    // as `cli.ts serve http` runs it: no request log (nothing could read it)
    const s = await startHttpServer("http://127.0.0.1:0", {
      root: kind === "static" ? values.root : undefined,
      record: false,
      headerTimeoutMs: kind === "guarded" ? 10_000 : undefined,
      revalidateMs: values["file-cache"] ? 1000 : undefined,
      watch: true, // as `cli.ts serve http` runs it
    });
    s.routes.add("GET", "/hello", { status: 200, kind: "text", body: "hello" });
    console.log(s.url);
  }
  await new Promise(() => {}); // until killed
}

const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const size = Number(values.size);

/** `--file-cache`: both static servers re-check the file at most once a second. */
const FILE_CACHE = values["file-cache"];

async function startChild(kind: string, extra: string[] = []): Promise<Side> {
  const child = new Deno.Command(PIN ? "taskset" : Deno.execPath(), {
    args: [
      ...(PIN ? ["-c", "0", Deno.execPath()] : []),
      "run",
      "-A",
      "--quiet",
      `${HERE}http_bench.ts`,
      "--child",
      kind,
      ...(FILE_CACHE ? ["--file-cache"] : []),
      ...extra,
    ],
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
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

async function startNginx(prefix: string, www: string): Promise<Side> {
  const port = getAvailablePort();
  await writeNginxConf(
    prefix,
    `  types { text/html html; }
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
${
      FILE_CACHE
        ? "  open_file_cache max=1000 inactive=60s;\n  open_file_cache_valid 1s;\n"
        : ""
    }  server { listen 127.0.0.1:${port}; root ${www}; }`,
  );
  return await spawnNginx("nginx", prefix, port, PIN ? 0 : undefined);
}

/** Runs wrk against a side; returns requests per second and server CPU µs per request. */
async function wrk(
  side: Side,
  path: string,
  secs: number,
): Promise<{ rps: number; cpuUs: number }> {
  const cpu0 = cpuSeconds(side.pid);
  const wrkArgs = ["-t1", `-c${connections}`, `-d${secs}s`, side.url + path];
  const out = await new Deno.Command(PIN ? "taskset" : "wrk", {
    args: PIN ? ["-c", "1", "wrk", ...wrkArgs] : wrkArgs,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const cpu1 = cpuSeconds(side.pid);
  const text = new TextDecoder().decode(out.stdout);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const n = /(\d+) requests in/.exec(text);
  if (!out.success || !m || !n) {
    throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  }
  if (/Non-2xx or 3xx responses/.test(text)) {
    throw new Error(`wrk saw errors against ${side.url}${path}:\n${text}`);
  }
  return { rps: Number(m[1]), cpuUs: ((cpu1 - cpu0) * 1e6) / Number(n[1]) };
}

/**
 * Alternates rounds between two sides (and an optional reference side, printed only);
 * returns the medians.
 */
async function compare(
  label: string,
  ours: [Side, string],
  theirs: [Side, string],
  goal: number,
  reference?: [Side, string, string],
) {
  await wrk(ours[0], ours[1], 1); // warm up every side
  await wrk(theirs[0], theirs[1], 1);
  if (reference) await wrk(reference[0], reference[1], 1);
  const a: { rps: number; cpuUs: number }[] = [];
  const b: { rps: number; cpuUs: number }[] = [];
  const c: { rps: number; cpuUs: number }[] = [];
  // Each round runs the sides back to back, in an order that alternates from round to round
  // (so neither side always follows the other); the ratio is the median of the per-round
  // ratios, which a machine's slow drift (other work, frequency) affects far less than a
  // ratio of medians taken rounds apart.
  for (let i = 0; i < rounds; i++) {
    const run = [
      async () => a.push(await wrk(ours[0], ours[1], seconds)),
      async () => b.push(await wrk(theirs[0], theirs[1], seconds)),
    ];
    for (const go of i % 2 ? run.reverse() : run) await go();
    if (reference) c.push(await wrk(reference[0], reference[1], seconds));
  }
  const ra = median(a.map((x) => x.rps));
  const rb = median(b.map((x) => x.rps));
  const ca = median(a.map((x) => x.cpuUs));
  const cb = median(b.map((x) => x.cpuUs));
  const ratio = median(a.map((x, i) => x.rps / b[i]!.rps));
  const cpuRatio = median(a.map((x, i) => b[i]!.cpuUs / x.cpuUs));
  const row = (name: string, rps: number, cpu: number, all: { rps: number }[]) =>
    `  ${name.padEnd(24)} ${rps.toFixed(0).padStart(8)} req/s  ${
      cpu.toFixed(1).padStart(6)
    } µs CPU/req   rounds: ${all.map((x) => x.rps.toFixed(0)).join(", ")}`;
  console.log(`\n${label}`);
  console.log(row(`serve http (${ours[0].name})`, ra, ca, a));
  console.log(row(theirs[0].name, rb, cb, b));
  if (reference) {
    const rc = median(c.map((x) => x.rps));
    const cc = median(c.map((x) => x.cpuUs));
    console.log(row(reference[2], rc, cc, c));
    console.log(
      `  serve http vs ${reference[2]}: ${(ra / rc).toFixed(2)}× in throughput, CPU-per-request ` +
        `ratio ${(cc / ca).toFixed(2)}×`,
    );
  }
  console.log(
    `  throughput ratio ${ratio.toFixed(2)}×, CPU-per-request ratio ${cpuRatio.toFixed(2)}× vs ${
      theirs[0].name
    }  (goal ≥ ${goal}×: ${ratio >= goal ? "met" : "NOT met"})`,
  );
  const reference_ = reference
    ? {
      name: reference[2],
      rps: median(c.map((x) => x.rps)),
      cpuUs: median(c.map((x) => x.cpuUs)),
    }
    : undefined;
  return {
    label,
    ours: ra,
    theirs: rb,
    ratio,
    cpuRatio,
    goal,
    oursCpu: ca,
    theirsCpu: cb,
    reference: reference_,
  };
}

const ROUNDS_NOTE = () =>
  `${rounds} rounds of ${seconds}s wrk per side, ${connections} connections; req/s and CPU are ` +
  `medians, the ratio the median of the per-round ratios (sides back to back, order alternating)`;
const rps = (x: number) => `${x.toFixed(0)} req/s`;
const cpu = (x: number) => `${x.toFixed(1)} µs CPU/req`;

const dir = await Deno.makeTempDir({ prefix: "wireplay-http-bench-" });
const sides: Side[] = [];
try {
  const www = `${dir}/www`;
  await Deno.mkdir(www);
  const line =
    "<p>wireplay static file benchmark: the quick brown fox jumps over the lazy dog.</p>\n";
  await Deno.writeTextFile(
    `${www}/page.html`,
    line.repeat(Math.ceil(size / line.length)).slice(0, size),
  );
  console.log(
    `wrk: 1 thread, ${connections} connections, ${rounds} rounds of ${seconds}s per side (medians)` +
      (PIN ? "; servers pinned to CPU 0, wrk to CPU 1" : "") +
      (FILE_CACHE ? "; static files re-checked at most every 1 s on both sides" : ""),
  );
  const bare = await startChild("bare");
  sides.push(bare);
  const route = await startChild("route");
  sides.push(route);
  const r1 = await compare("one-line route vs bare Deno.serve hello", [route, "/hello"], [
    bare,
    "/",
  ], 0.9);
  reportRow({
    bench: "http_bench",
    row: "one-line route, serve http vs bare Deno.serve",
    ours: `${rps(r1.ours)}, ${cpu(r1.oursCpu)}`,
    peer: `bare Deno.serve ${rps(r1.theirs)}, ${cpu(r1.theirsCpu)}`,
    ratio: r1.ratio,
    goal: { op: ">=", value: 0.9 },
    note: `${ROUNDS_NOTE()}; CPU-per-request ratio ${r1.cpuRatio.toFixed(2)}×`,
  });
  if (values.guard) {
    const guarded = await startChild("guarded");
    sides.push(guarded);
    await compare("the same route behind --header-timeout (the slowloris guard) vs bare", [
      guarded,
      "/hello",
    ], [
      bare,
      "/",
    ], 0);
  }
  for (const s of sides) await s.stop();
  sides.length = 0;
  const ours = await startChild("static", ["--root", www]);
  sides.push(ours);
  const nginx = await startNginx(dir, www);
  sides.push(nginx);
  const floor = await startChild("ceiling", ["--root", www]);
  sides.push(floor);
  const r2 = await compare(
    `static ${size}-byte file vs the ceiling (bare Deno.serve, same bytes and headers)`,
    [ours, "/page.html"],
    [floor, "/page.html"],
    0.95,
    [nginx, "/page.html", "nginx (1 worker)"],
  );
  const ng = r2.reference!;
  reportRow({
    bench: "http_bench",
    row: `static ${size / 1024} KiB file, serve http vs the ceiling (bare Deno.serve, same bytes)`,
    ours: `${rps(r2.ours)}, ${cpu(r2.oursCpu)}`,
    peer: `bare Deno.serve ${rps(r2.theirs)}, ${cpu(r2.theirsCpu)}`,
    ratio: r2.ratio,
    goal: { op: ">=", value: 0.95 },
    note: `${ROUNDS_NOTE()}; CPU-per-request ratio ${r2.cpuRatio.toFixed(2)}×`,
  });
  reportRow({
    bench: "http_bench",
    row: `static ${size / 1024} KiB file, serve http vs nginx (1 worker)`,
    ours: `${rps(r2.ours)}, ${cpu(r2.oursCpu)}`,
    peer: `nginx ${rps(ng.rps)}, ${cpu(ng.cpuUs)}`,
    ratio: r2.ours / ng.rps,
    note: `${ROUNDS_NOTE()}; CPU-per-request ratio ${(ng.cpuUs / r2.oursCpu).toFixed(2)}×`,
  });
  const reading = await startChild("ceiling-headers", ["--root", www]);
  sides.push(reading);
  const r3 = await compare(
    `static ${size}-byte file vs the ceiling that reads the method, URL and four conditional headers`,
    [ours, "/page.html"],
    [reading, "/page.html"],
    0,
  );
  reportRow({
    bench: "http_bench",
    row: `static ${
      size / 1024
    } KiB file, serve http vs the ceiling reading what a file server must (method, URL, 304/Range/gzip headers)`,
    ours: `${rps(r3.ours)}, ${cpu(r3.oursCpu)}`,
    peer:
      `bare Deno.serve reading the method, URL, if-none-match, if-modified-since, range, accept-encoding ${
        rps(r3.theirs)
      }, ${cpu(r3.theirsCpu)}`,
    ratio: r3.ratio,
    note: `${ROUNDS_NOTE()}; CPU-per-request ratio ${r3.cpuRatio.toFixed(2)}×`,
  });
  console.log(
    `\nsummary: route ${r1.ratio.toFixed(2)}× bare Deno.serve (CPU ${r1.cpuRatio.toFixed(2)}×), ` +
      `static ${r2.ratio.toFixed(2)}× the ceiling (CPU ${r2.cpuRatio.toFixed(2)}×), ` +
      `${(r2.ours / ng.rps).toFixed(2)}× nginx`,
  );
  console.log(
    "(CPU ratio: the other side's server CPU time per request over ours; robust to a busy machine)",
  );
} finally {
  for (const s of sides) await s.stop().catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
