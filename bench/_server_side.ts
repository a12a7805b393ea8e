/**
 * What the HTTP benchmarks share: a server under test (`Side`), its CPU time from /proc,
 * and nginx started from a config and waited for.
 *
 * @module
 */

/** A server under test. */
export interface Side {
  name: string;
  url: string;
  /** The server's process id (its children, e.g. nginx's workers, are counted too). */
  pid: number;
  stop(): Promise<void>;
}

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds used so far by a process, its threads and its descendants (Linux /proc). */
export function cpuSeconds(pid: number): number {
  let total = 0;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      for (const c of children ? children.split(" ") : []) total += cpuSeconds(Number(c));
    }
  } catch { /* not Linux, or gone */ }
  return total;
}

/**
 * Writes `${prefix}/nginx.conf`: the frame every benchmark's nginx shares (foreground, its pid,
 * error log and temporary files under `prefix`, no access log, root's workers as root so they
 * can read a private temp folder) around `http`, the benchmark's own `http { … }` lines.
 */
export async function writeNginxConf(
  prefix: string,
  http: string,
  opts: { workers?: number; workerConnections?: number } = {},
): Promise<void> {
  await Deno.mkdir(`${prefix}/tmp`, { recursive: true });
  const user = Deno.uid() === 0 ? "user root root;\n" : "";
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `  ${t}_temp_path ${prefix}/tmp;`).join("\n");
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    `worker_processes ${opts.workers ?? 1};
${user}daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections ${opts.workerConnections ?? 1024}; }
http {
  access_log off;
${temp}
${http}
}
`,
  );
}

/**
 * Starts nginx with `${prefix}/nginx.conf` (already written, listening on `port`), waits
 * up to 10 s until the port answers, and returns it as a side. `pinCpu` runs it on one CPU.
 */
export async function spawnNginx(
  name: string,
  prefix: string,
  port: number,
  pinCpu?: number,
): Promise<Side> {
  const nginxArgs = ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`];
  const child = new Deno.Command(pinCpu === undefined ? "nginx" : "taskset", {
    args: pinCpu === undefined ? nginxArgs : ["-c", String(pinCpu), "nginx", ...nginxArgs],
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
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill("SIGQUIT");
      await child.status;
      await child.stderr.cancel().catch(() => {});
    },
  };
}
