/**
 * `serve KIND ADDR [options]`: starts a built-in server (SPEC §7) and runs it until
 * SIGINT or SIGTERM. Each kind is one subcommand, made from its declaration in
 * `lib/script/grammar/serve_kinds.ts` (options) and its starter in `lib/servers/`
 * (registered in `lib/servers/mod.ts`): adding a kind there adds it here.
 *
 * @module
 */
import { Command } from "commander";
import { type Scheme } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { SERVE_KINDS, type ServeKind } from "../../script/grammar/serve_kinds.ts";
import { type ServeOptions, SERVER_STARTERS, type ServerHandle } from "../../servers/mod.ts";
import { startServer } from "../../servers/workers/pool.ts";
import { addressArg } from "../options.ts";
import { readFlagText } from "../../fs/read_file.ts";

/** Options whose value names a file whose text the starter receives. */
const FILE_OPTIONS = new Set(["cert", "key"]);

/** The `serve` command, one subcommand per registered server kind. */
export function serveCommand() {
  const serve = new Command("serve").description(
    "Run a built-in server (" +
      Object.keys(SERVE_KINDS).filter((k) => SERVER_STARTERS.has(k)).join(", ") +
      ") until interrupted",
  );
  for (const [name, kind] of Object.entries(SERVE_KINDS)) {
    if (!SERVER_STARTERS.has(name)) continue;
    serve.addCommand(kindCommand(name, kind) as unknown as Command);
  }
  return serve;
}

/** Help texts of options some kinds share; others show their name. */
const OPTION_HELP: Record<string, string> = {
  cert: "certificate PEM file (TLS; self-signed when omitted)",
  key: "private key PEM file (TLS)",
  root: "directory whose files are served",
  "header-timeout": "drop clients whose request head takes longer (e.g. 10s; slowloris)",
  "max-buffered":
    "http: bytes of bodies held in memory for all clients together; 503 beyond (default 64MiB)",
  "handshake-timeout": "TLS: drop a client whose handshake takes longer (default 10s)",
  workers:
    "run N servers in N isolates (cores) on one port (SO_REUSEPORT); the kernel spreads clients",
  // chat
  "max-line": "chat: longest line in bytes (default 2048)",
  "max-queue": "chat: bytes queued for a client before it is dropped as too slow (default 256KiB)",
  rate: "chat: lines per second a client may send (default 20)",
  burst: "chat: lines a client may send in a burst (default 50)",
  "max-clients": "chat: most clients at once (default 10000)",
  welcome: "chat: the greeting line",
  log: "log connections, transfers and drops to stderr",
  // files
  dir: "files: folder to write received files into (required)",
  force: "files: replace existing files",
  "max-size": "files: refuse files larger than this (default 16GiB)",
  "max-concurrent": "files: most transfers at once (default 16)",
  timeout: "files: close a transfer idle this long (default 30s)",
};

function kindCommand(name: string, kind: ServeKind) {
  const cmd = new Command(name)
    // the grammar's summaries are lower-case (they follow a statement in :help)
    .description(kind.summary[0]!.toUpperCase() + kind.summary.slice(1))
    .argument(
      "<address>",
      `where to listen: ${kind.schemes.map((s) => `${s}://HOST:PORT`).join(", ")}`,
    )
    .option("--json", "print the bound address as JSON");
  if (kind.argument) cmd.argument(`<${kind.argument.option}>`, kind.argument.what);
  for (const [option, how] of Object.entries(kind.options)) {
    const help = OPTION_HELP[option] ?? option;
    if (how === "flag") cmd.option(`--${option}`, help);
    else cmd.option(`--${option} <${FILE_OPTIONS.has(option) ? "file" : "value"}>`, help);
  }
  cmd.exitOverride();
  cmd.action(async (address, ...rest: unknown[]) => {
    // with an argument (serve exec ADDR "COMMAND") commander passes it before the options
    const opts = rest[kind.argument ? 1 : 0] as Record<string, string | boolean | undefined>;
    // ws:// and wss:// listen as http:// and https:// (the upgrade is HTTP)
    const ws = /^(wss?):\/\//i.exec(address)?.[1]?.toLowerCase();
    const addr = addressArg(
      ws ? address.replace(/^ws/i, "http") : address,
      "address",
      kind.schemes[0] as Scheme,
    );
    if (!kind.schemes.includes(ws ?? addr.scheme)) {
      throw new UsageError(
        `serve ${name} listens on ${kind.schemes.join(", ")}, not ${ws ?? addr.scheme}`,
        { where: "address" },
      );
    }
    const options: ServeOptions = {};
    for (const option of Object.keys(kind.options)) {
      const key = option.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      const value = opts[key];
      if (value === undefined || value === false) continue;
      if (value === true) options[option] = "true";
      else if (FILE_OPTIONS.has(option)) {
        options[option] = await readFlagText(value, `--${option}`);
      } else options[option] = value;
    }
    if (kind.argument) options[kind.argument.option] = rest[0] as string;
    options.record = "false"; // a request log (http) has no reader on the command line
    // http: a long-running server watches its root rather than check each request
    options.watch = "true";
    let handle: ServerHandle;
    try {
      handle = await startServer(name, addr, options);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.AddrNotAvailable) {
        throw new UsageError(`cannot listen on ${address}: ${(e as Error).message}`, {
          where: "address",
        });
      }
      throw e;
    }
    announce(name, handle, opts.json === true);
    await runUntilSignal(handle);
  });
  return cmd;
}

function announce(kind: string, handle: ServerHandle, json: boolean): void {
  const extra = handle.vars?.() ?? {};
  if (json) {
    console.log(
      JSON.stringify({
        kind,
        address: handle.address,
        host: handle.host,
        port: handle.port,
        certPath: handle.certPath,
        ...extra,
      }),
    );
    return;
  }
  console.log(`serving ${kind} on ${handle.address}`);
  if (handle.certPath) console.log(`certificate: ${handle.certPath}`);
}

/** Waits for SIGINT or SIGTERM (or the server ending by itself), then closes the server. */
export async function runUntilSignal(handle: ServerHandle): Promise<void> {
  const { promise: signalled, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, resolve);
  try {
    await Promise.race([signalled, handle.finished]);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, resolve);
    await handle.close();
  }
}
