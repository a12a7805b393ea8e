/**
 * Runs `replay FILE on ADDR as NAME` (a recording served from a script) and
 * `expect NAME replayed`.
 *
 * @module
 */
import { parseAddress } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { MAX_SCRIPT_BYTES, readUserText } from "../../fs/read_file.ts";
import { parseMatchChoice } from "../../proxy/http_match.ts";
import { splitHttp } from "../../proxy/http_plan.ts";
import { planReplay } from "../../proxy/replay_plan.ts";
import { type ReplayServer, startReplay } from "../../proxy/replayer.ts";
import type { ExpectReplayedNode, ReplayNode } from "../../script/grammar/replay.ts";
import type { Session } from "../session.ts";
import { evalText } from "../values.ts";
import type { Executor } from "./executor.ts";

function usage<T>(session: Session, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) return session.fail(e.message);
    throw e;
  }
}

const replay: Executor<ReplayNode> = async (node, session) => {
  session.claim(node.name);
  const path = session.path(await evalText(session, node.file));
  const listen = await evalText(session, node.listen);
  const address = usage(session, () => parseAddress(listen, "tcp"));
  if (address.scheme !== "tcp" && address.scheme !== "tls" && address.scheme !== "unix") {
    return session.fail(
      `only tcp://, tls:// and unix:// can be replayed, not ${address.scheme}://`,
    );
  }
  const choice = usage(
    session,
    () => parseMatchChoice(node.match, node.ignoreHeaders, node.ignoreQuery),
  );
  let text: string;
  try {
    text = await readUserText(path, MAX_SCRIPT_BYTES);
  } catch (e) {
    return session.fail(`cannot read "${path}": ${(e as Error).message}`);
  }
  let planned;
  try {
    planned = await planReplay(text, path);
  } catch (e) {
    if (e instanceof UsageError) return session.fail(e.message);
    throw e;
  }
  const split = choice.mode === "bytes"
    ? { exchanges: [], byteConnections: planned, warnings: [] }
    : splitHttp(planned);
  let server: ReplayServer;
  try {
    server = await startReplay({
      listen: { address },
      connections: split.byteConnections,
      exchanges: split.exchanges,
      httpRule: choice.http,
      file: path,
      repeat: node.repeat,
      reuse: node.reuse,
      timingScale: node.timing,
      timeoutMs: session.timeoutMs,
    });
  } catch (e) {
    return session.fail(`cannot replay on ${listen}: ${(e as Error).message}`);
  }
  session.add({
    name: node.name,
    kind: "replay server",
    openedAt: Date.now(),
    local: () => server.address,
    vars: () => {
      const a = server.address;
      const host = a.replace(/^\w+:\/\//, "").replace(/:\d+$/, "");
      return {
        $: a,
        address: a,
        port: server.port,
        url: `http://${host}:${server.port}`,
        served: server.progress.served,
      };
    },
    close: () => server.close(),
    handle: server,
  });
  session.done(node);
};

const expectReplayed: Executor<ExpectReplayedNode> = async (node, session) => {
  const resource = session.get(node.name);
  const server = resource.handle as ReplayServer | undefined;
  if (!server || resource.kind !== "replay server") {
    return session.fail(`"${node.name}" is a ${resource.kind}, not a replay`);
  }
  const timeout = node.withinMs ?? session.timeoutMs;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = await Promise.race([
    server.finished.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeout))),
  ]);
  clearTimeout(timer);
  const failures = server.results.filter((r) => !r.ok).map((r) =>
    `${
      r.name ?? "?"
    } (client ${r.client}): ${r.failure?.reason}; expected ${r.failure?.expected}; got ${r.failure?.got}`
  );
  const { served, total } = server.progress;
  if (!finished || failures.length > 0) {
    return session.fail(
      failures.length
        ? `${failures.length} client request(s) deviated`
        : "not everything was replayed",
      {
        expected: `${
          total === Infinity ? "every" : total
        } recorded connection(s)/exchange(s) served`,
        actual: `${served} served, ${failures.length} deviated`,
        waitedMs: performance.now() - started,
        timeoutMs: timeout,
        notes: failures.slice(0, 10),
      },
    );
  }
  session.done(node);
};

/** Executors of `replay` and `expect NAME replayed`, by kind. */
export const REPLAY_EXECUTORS: Record<string, Executor> = {
  replay,
  "expect-replayed": expectReplayed,
};
