/**
 * `bench ADDR|URL [--conns N] [--duration D] [--rate N] [--stages …] [--threshold …]`: a load
 * generator for TCP (request/response or one-way stream), UDP and HTTP(S) with HdrHistogram
 * latency percentiles (SPEC §7); `bench script FILE.wire`: every virtual user runs a script;
 * `bench merge A.json B.json …`: one result from runs on several machines.
 *
 * @module
 */
import { Command, Option } from "commander";
import {
  addressArg,
  collect,
  collectVar,
  durationOption,
  intOption,
  sizeOption,
} from "../options.ts";
import { ExitCode } from "../main.ts";
import { UsageError } from "../../errors.ts";
import { unescapeProbe } from "../../tools/common/probe_text.ts";
import {
  MAX_DATA_FILE_BYTES,
  MAX_SCRIPT_BYTES,
  readFlagFile,
  readFlagText,
  readUserText,
} from "../../fs/read_file.ts";
import { parseStages, type Stage } from "../../tools/bench/stages.ts";
import { assertScopes, parseThreshold, type Threshold } from "../../tools/bench/threshold.ts";
import type { BenchOptions, BenchResult } from "../../tools/bench/bench.ts";

function thresholdOption(v: string, previous: Threshold[] = []): Threshold[] {
  return [...previous, parseThreshold(v)];
}

/** The flags every run shares (address or script). */
// deno-lint-ignore ban-types
function loadOptions<A extends unknown[]>(cmd: Command<A, {}, {}>) {
  return cmd
    .option(
      "--conns <n>",
      "concurrent connections (script: virtual users)",
      intOption("--conns", 1, 10_000),
      16,
    )
    .option("--duration <d>", "measured time", durationOption("--duration"), 10_000)
    .option("--warmup <d>", "unmeasured time first", durationOption("--warmup"), 1000)
    .option(
      "--rate <n>",
      "open model: requests (script: iterations) per second in total, latency corrected for coordinated omission",
      intOption("--rate", 1),
    )
    .option(
      "--stages <list>",
      "ramp D:N,D:N,… (k6 stages): connections from 0, or with --rate the arrival rate from --rate",
      (v: string) => parseStages(v),
    )
    .option(
      "--timeout <d>",
      "how long one request may take (script: the default expect timeout)",
      durationOption("--timeout"),
      10_000,
    )
    .option(
      "--workers <n>",
      "worker threads to spread the connections over (use the cores)",
      intOption("--workers", 1, 32),
      1,
    )
    .option(
      "--threshold <expr>",
      "pass/fail: p99<5ms, errors==0, rps>1000 … (repeatable; exit 1 when crossed)",
      thresholdOption,
      [] as Threshold[],
    )
    .option("--svg <file>", "write the latency distribution as an SVG chart")
    .option("--json", "print the result as JSON (with its HdrHistogram, for bench merge)");
}

/** The `bench` command, with `bench script` and `bench merge`. */
export function benchCommand() {
  const bench = loadOptions(
    new Command("bench")
      .description("Load-test a TCP echo (or sink, --mode stream), UDP echo or HTTP(S) endpoint")
      .argument("<target>", "tcp://HOST:PORT (default), tls://…, udp://…, http(s)://URL"),
  )
    .addOption(
      new Option("--mode <mode>", "tcp/tls: rr = request/response (echo), stream = one-way")
        .choices(["rr", "stream"] as const).default("rr" as const),
    )
    .option("--size <n>", "tcp/udp request size (stream: write size)", sizeOption("--size"))
    .option(
      "--reply-size <n>",
      "tcp/udp reply size when the peer does not echo the request",
      sizeOption("--reply-size"),
    )
    .option("--method <m>", "http: request method", "GET")
    .option("--header <k: v>", "http: request header (repeatable)", collect, [] as string[])
    .option("--body <text>", "http: request body (escapes \\r \\n \\xNN; @FILE reads a file)")
    .option(
      "--ca <file>",
      "TLS: trust this CA certificate (PEM; repeatable)",
      collect,
      [] as string[],
    )
    .action(async (targetArg, opts, cmd) => {
      const target = addressArg(targetArg, "target", "tcp");
      if (target.scheme === "unix") {
        throw new UsageError("unix sockets are not supported", { where: "target" });
      }
      if (opts.mode === "stream" && target.scheme !== "tcp" && target.scheme !== "tls") {
        throw new UsageError("stream mode needs a tcp:// or tls:// target", { where: "--mode" });
      }
      const headers: [string, string][] = opts.header.map((h) => {
        const c = h.indexOf(":");
        if (c <= 0) throw new UsageError(`"${h}" is not "Name: value"`, { where: "--header" });
        return [h.slice(0, c).trim(), h.slice(c + 1).trim()];
      });
      let body: Uint8Array | undefined;
      if (opts.body !== undefined) {
        if (opts.body.startsWith("@")) {
          body = await readFlagFile(opts.body.slice(1), "--body", MAX_DATA_FILE_BYTES);
        } else body = unescapeProbe(opts.body, "--body");
      }
      assertScopes(opts.threshold, []);
      const caCerts: string[] = [];
      for (const f of opts.ca) caCerts.push(await readFlagText(f, "--ca"));
      await runAndReport(`bench ${targetArg}`, cmd, opts, {
        scheme: target.scheme,
        host: target.host,
        port: target.port,
        url: "url" in target ? target.url : undefined,
        mode: opts.mode,
        size: opts.size,
        replySize: opts.replySize,
        method: opts.method,
        headers,
        body,
        caCerts,
      });
    });
  bench.addCommand(benchScriptCommand()).addCommand(benchMergeCommand());
  return bench;
}

/** Options of the parent `bench` that only its address form uses. */
const TARGET_ONLY = ["mode", "size", "replySize", "method", "header", "body", "ca"];
/** Options of the parent `bench` that make a run (not a merge). */
const LOAD_ONLY = ["conns", "duration", "warmup", "rate", "stages", "timeout", "workers"];

/** Refuses parent flags given on the command line that do not apply to `what`. */
function refuse(parent: Command, names: string[], what: string): void {
  for (const name of names) {
    if (parent.getOptionValueSource(name) === "cli") {
      const flag = "--" + name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
      throw new UsageError(`does not apply to ${what}`, { where: flag });
    }
  }
}

// `bench script` and `bench merge` read the load flags (`--conns`, `--threshold`, `--json`…)
// from the parent `bench`, which parses them wherever they stand (commander's global options).
function benchScriptCommand() {
  return new Command("script")
    .description(
      "Load-test with a .wire script: every virtual user runs it over and over (per-statement latency and errors)",
    )
    .argument("<file>", "the script (a recording works as it is)")
    .option("--var <name=value>", "set a variable (repeatable)", collectVar, {})
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .action(async (file, opts, cmd) => {
      const parent = cmd.parent as Command;
      refuse(parent, TARGET_ONLY, "bench script");
      const load = parent.opts() as LoadFlags;
      let text: string;
      try {
        text = await readUserText(file, MAX_SCRIPT_BYTES);
      } catch (e) {
        throw new UsageError(`cannot read script: ${(e as Error).message}`, { where: file });
      }
      // a syntax error is the user's, shown now (exit 2), not once per virtual user
      const { parseScript } = await import("../../script/parser.ts");
      const script = parseScript(text, file);
      for (const w of script.warnings ?? []) console.error(`warning: ${w}`);
      if (!script.statements.length) {
        throw new UsageError("the script has no statements", { where: file });
      }
      // a threshold about a statement (p99{4}<5ms) must name one, before anything runs
      assertScopes(load.threshold, script.statements.map((s) => `${file}:${s.span.line}`));
      await runAndReport(`bench script ${file}`, parent, load, {
        scheme: "script",
        host: "",
        port: 0,
        script: { file, text, vars: opts.var },
      });
    });
}

function benchMergeCommand() {
  return new Command("merge")
    .description(
      "Merge bench --json results (from several machines) into one: exact combined percentiles",
    )
    .argument(
      "<files...>",
      "bench --json outputs (--threshold, --json and --svg apply to the merge)",
    )
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .action(async (files, _opts, cmd) => {
      const parent = cmd.parent as Command;
      refuse(parent, [...LOAD_ONLY, ...TARGET_ONLY], "bench merge");
      const inputs = [];
      for (const f of files) {
        inputs.push({ name: f, text: await readFlagText(f, f, MAX_DATA_FILE_BYTES) });
      }
      const { mergeResults } = await import("../../tools/bench/merge.ts");
      await report(mergeResults(inputs), parent.opts() as LoadFlags);
    });
}

interface LoadFlags {
  conns: number;
  duration: number;
  warmup: number;
  rate?: number;
  stages?: Stage[];
  timeout: number;
  workers: number;
  threshold: Threshold[];
  svg?: string;
  json?: true;
}

async function runAndReport(
  label: string,
  cmd: { getOptionValueSource(key: string): string | undefined },
  opts: LoadFlags,
  what: Omit<BenchOptions, "conns" | "durationMs" | "warmupMs" | "rate" | "timeoutMs">,
): Promise<void> {
  if (opts.stages) {
    for (const flag of ["duration", "warmup"]) {
      if (cmd.getOptionValueSource(flag) === "cli") {
        throw new UsageError("the stages set the run's length (no warm-up with stages)", {
          where: `--${flag}`,
        });
      }
    }
    if (what.mode === "stream") {
      throw new UsageError("stages ramp requests or connections, not a stream", {
        where: "--stages",
      });
    }
  }
  // Loaded on use, so other commands start without the histogram library.
  const { runBench } = await import("../../tools/bench/bench.ts");
  const { LiveView } = await import("../../tools/bench/live_view.ts");
  const { stagesDuration, targetAt } = await import("../../tools/bench/stages.ts");
  const stages = opts.stages;
  const total = stages ? stagesDuration(stages) : opts.duration;
  // with stages, the view shows where the ramp is now
  const note = (t: number) =>
    !stages
      ? ""
      : opts.rate
      ? `target ${Math.round(targetAt(stages, t, opts.rate))}/s`
      : `target ${Math.floor(targetAt(stages, t))} connection(s)`;
  const view = new LiveView(label, total, what.script ? "iterations" : "requests", note);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  let result;
  try {
    result = await runBench({
      ...what,
      conns: opts.conns,
      durationMs: opts.duration,
      warmupMs: opts.warmup,
      rate: opts.rate,
      stages: opts.stages,
      timeoutMs: opts.timeout,
      workers: opts.workers,
      signal: stop.signal,
      onLive: (live, elapsed) => view.update(live, elapsed),
    });
  } finally {
    view.done();
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  await report(result, opts);
}

/** Checks thresholds, prints, writes the SVG; exit 1 when nothing was measured or a threshold was crossed. */
async function report(
  result: BenchResult,
  opts: { threshold: Threshold[]; svg?: string; json?: true },
): Promise<void> {
  const { formatBench, crossedLine } = await import("../../tools/bench/format.ts");
  const { writeLatencySvg } = await import("../../tools/bench/svg.ts");
  if (opts.threshold.length) {
    (await import("../../tools/bench/gate.ts")).gate(result, opts.threshold);
  }
  if (opts.svg) await writeLatencySvg(opts.svg, result);
  console.log(opts.json ? JSON.stringify(result, null, 2) : formatBench(result));
  const crossed = crossedLine(result);
  if (crossed) console.error(`wireplay bench: ${crossed}`);
  if (result.requests === 0 || crossed) throw new ExitCode(1);
}
