/**
 * `replay FILE --listen ADDR`: plays the server's side of a recording to real clients
 * (SPEC §6, issues 5 and 12). Exits once every recorded connection was served: 0 when
 * every client followed the recording, 1 when one deviated (the difference is printed).
 * HTTP connections are served by request (`--match`, `--ignore-header`, `--ignore-query`,
 * `--reuse`); `--upstream ADDR --mode new` forwards unseen requests and appends them;
 * `--timing recorded|none|scaled F` replays the recorded pauses.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { planReplay } from "../../proxy/replay_plan.ts";
import { type ReplayResult, startReplay } from "../../proxy/replayer.ts";
import { untilSignal } from "../../proxy/until_signal.ts";
import { ExitCode } from "../main.ts";
import { addressArg, collect, collectVar, durationOption, intOption } from "../options.ts";
import { formatAddress } from "../../address/address.ts";
import { parseMatchChoice } from "../../proxy/http_match.ts";
import { splitHttp } from "../../proxy/http_plan.ts";
import { EpisodeWriter, fetchUpstream, lastConnectionNumber } from "../../proxy/episodes.ts";

/** `--timing recorded|none|scaled F` as a factor (0: none). */
export function timingScale(text: string): number {
  const [kind, factor] = text.trim().split(/\s+/, 2);
  if (kind === "none" && factor === undefined) return 0;
  if (kind === "recorded" && factor === undefined) return 1;
  if (
    kind === "scaled" && factor !== undefined && /^\d+(\.\d+)?$/.test(factor) && Number(factor) > 0
  ) {
    return Number(factor);
  }
  throw new UsageError(`"${text}" is not recorded, none or "scaled F" (F > 0)`, {
    where: "--timing",
  });
}

function describe(r: ReplayResult): string {
  if (r.ok) return `ok   ${r.name} (client ${r.client})`;
  const f = r.failure!;
  return [
    `FAIL ${r.name ?? "?"} (client ${r.client}): ${f.where}${
      f.statement ? `: ${f.statement}` : ""
    }`,
    `  ${f.reason}`,
    `  expected: ${f.expected}`,
    `  got:      ${f.got}`,
  ].join("\n");
}

/** The `replay` command. */
export function replayCommand() {
  return new Command("replay")
    .description("Play the server's side of a recording to real clients (a mock from a recording)")
    .argument("<file>", "a .wire recording made by `record`")
    .requiredOption("--listen <addr>", "where clients connect: tcp://, tls:// or unix://")
    .option(
      "--cert <file>",
      "PEM certificate for --listen tls:// (default: a fresh self-signed one)",
    )
    .option("--key <file>", "PEM private key for --cert")
    .option(
      "--timeout <D>",
      "how long to wait for each thing a client should do",
      durationOption("--timeout"),
      10_000,
    )
    .option(
      "--repeat <n>",
      "serve the recording this many times",
      intOption("--repeat", 1, 1_000_000),
      1,
    )
    .option(
      "--var <NAME=VALUE>",
      "set a variable the recording uses (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .option(
      "--match <parts>",
      "HTTP: what a request must share with the recorded one: method,path,query,body," +
        "headers[:NAME] (default method,path,query,body); bytes: byte-exact",
    )
    .option("--ignore-header <name>", "HTTP: never compare this header (repeatable)", collect, [])
    .option(
      "--ignore-query <name>",
      "HTTP: never compare this query parameter (repeatable)",
      collect,
      [],
    )
    .option("--reuse", "HTTP: serve each recorded exchange any number of times (until stopped)")
    .option("--timing <how>", "recorded | none | scaled F: replay the recorded pauses", "none")
    .option("--upstream <addr>", "with --mode new: the real service unseen requests go to")
    .option("--mode <mode>", "none (never forward) | new (forward unseen, append them)", "none")
    .option("--json", "print each connection's result as a JSON line")
    .action(async (file, opts) => {
      const choice = parseMatchChoice(opts.match, opts.ignoreHeader, opts.ignoreQuery);
      const scale = timingScale(opts.timing);
      if (opts.mode !== "none" && opts.mode !== "new") {
        throw new UsageError(
          `"${opts.mode}" is none or new (record --mode all re-records everything)`,
          { where: "--mode" },
        );
      }
      if (opts.mode === "new" && !opts.upstream) {
        throw new UsageError("--mode new forwards to --upstream ADDR; give it", {
          where: "--mode",
        });
      }
      const upstreamAddress = opts.upstream
        ? addressArg(opts.upstream, "--upstream", "tcp")
        : undefined;
      const address = addressArg(opts.listen, "--listen", "tcp");
      if (address.scheme !== "tcp" && address.scheme !== "tls" && address.scheme !== "unix") {
        throw new UsageError(
          `only tcp://, tls:// and unix:// can be replayed, not ${address.scheme}://`,
          {
            where: "--listen",
          },
        );
      }
      if ((opts.cert === undefined) !== (opts.key === undefined)) {
        throw new UsageError("--cert and --key go together", {
          where: opts.cert ? "--key" : "--cert",
        });
      }
      let text: string;
      let missing = false;
      try {
        text = await Deno.readTextFile(file);
      } catch (e) {
        // new episodes into a file that does not exist yet: it is created
        if (!(e instanceof Deno.errors.NotFound && opts.mode === "new")) {
          throw new UsageError(`cannot read "${file}": ${(e as Error).message}`, { where: file });
        }
        text = "";
        missing = true;
      }
      const planned = await planReplay(text, file, opts.var);
      if (planned.length === 0 && opts.mode !== "new") {
        throw new UsageError("the recording holds no connection", { where: file });
      }
      const split = choice.mode === "bytes"
        ? { exchanges: [], byteConnections: planned, warnings: [] }
        : splitHttp(planned);
      for (const w of split.warnings) console.error(`warning: ${w}`);
      const connections = split.byteConnections;
      let episodes: EpisodeWriter | undefined;
      if (opts.mode === "new" && upstreamAddress) {
        episodes = new EpisodeWriter(
          file,
          formatAddress(upstreamAddress),
          missing ? undefined : lastConnectionNumber(planned),
        );
      }
      using _episodes = episodes;
      const cert = opts.cert ? await Deno.readTextFile(opts.cert) : undefined;
      const key = opts.key ? await Deno.readTextFile(opts.key) : undefined;
      await using server = await startReplay({
        listen: { address, cert, key },
        connections,
        file,
        timeoutMs: opts.timeout,
        repeat: opts.repeat,
        exchanges: split.exchanges,
        httpRule: choice.http,
        reuse: opts.reuse,
        timingScale: scale,
        forward: episodes && upstreamAddress
          ? async (req) => {
            const r = await fetchUpstream({ address: upstreamAddress }, req, opts.timeout);
            episodes.append("replay", formatAddress(upstreamAddress), req.raw, r.response);
            return r;
          }
          : undefined,
        onLog: (line) => console.error(`wireplay: replay: ${line}`),
        onResult: (r) => {
          if (opts.json) console.log(JSON.stringify({ event: "connection", ...r }));
          else if (!r.ok) console.error(describe(r));
          else console.log(describe(r));
        },
      });
      if (opts.json) {
        console.log(JSON.stringify({
          event: "listening",
          address: server.address,
          connections: connections.length,
          exchanges: split.exchanges.length,
          cert: server.certPath ?? null,
        }));
      } else {
        const what = [
          ...(connections.length || !split.exchanges.length
            ? [`${connections.length} connection(s)`]
            : []),
          ...(split.exchanges.length ? [`${split.exchanges.length} HTTP exchange(s)`] : []),
        ].join(", ");
        console.log(`replaying ${file} (${what}) on ${server.address}`);
        if (server.certPath) console.log(`certificate: ${server.certPath}`);
      }
      const stop = new AbortController();
      const why = await Promise.race([
        server.finished.then(() => "done"),
        untilSignal(stop.signal),
      ]);
      stop.abort();
      await server.close();
      const failed = server.results.filter((r) => !r.ok).length;
      const summary = `${server.results.length - failed} passed, ${failed} deviated` +
        (why === "done" ? "" : ` (stopped by ${why})`);
      if (opts.json) {
        console.log(
          JSON.stringify({
            event: "done",
            ok: failed === 0,
            passed: server.results.length - failed,
            failed,
          }),
        );
      } else {
        console.log(summary);
        if (episodes?.appended) {
          console.log(`appended ${episodes.appended} new exchange(s) to ${file}`);
        }
      }
      if (failed > 0) throw new ExitCode(1);
    });
}
