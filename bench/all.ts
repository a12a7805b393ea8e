/**
 * Runs every benchmark in `bench/`, one after another (each runs ours and the standard
 * peer side by side and prints the ratio). `deno task bench [NAME…]` runs a subset.
 *
 * @module
 */
// Benchmarks are a developer harness: they start peers (iperf3, nginx, nmap), make network
// namespaces and read /proc, which Deno 2.9 allows only under --allow-all.
const PERMISSIONS = ["--allow-all"];

const here = new URL(".", import.meta.url).pathname;
const all: string[] = [];
for await (const e of Deno.readDir(here)) {
  if (e.isFile && e.name.endsWith("_bench.ts")) all.push(e.name);
}
all.sort();
const chosen = Deno.args.length ? all.filter((f) => Deno.args.some((a) => f.includes(a))) : all;
let failed = 0;
for (const file of chosen) {
  console.log(`\n=== ${file}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, `${here}${file}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    failed++;
    console.log(`=== ${file} exited with ${code}`);
  }
}
Deno.exit(failed ? 1 : 0);
