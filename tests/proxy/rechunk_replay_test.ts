/**
 * Replays pass 200 times in a row when a `slice 1` proxy re-chunks every byte: as client
 * (the interpreter against the live service) and as server (the replayer answering the
 * interpreter). The recordings are made in-process with the recorder as a proxy tap.
 */
import { assert, assertEquals } from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { noFaults, withFault } from "../../lib/proxy/faults.ts";
import { WireRecorder } from "../../lib/proxy/recorder.ts";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { startReplay } from "../../lib/proxy/replayer.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { startRedis } from "../helpers/peer.ts";
import { needs } from "../helpers/peers.ts";
import { within } from "../helpers/process.ts";
import { greetingClient, greetingServer } from "./_greeting.ts";
import { proxyTo, writeAll } from "./_helpers.ts";

const RUNS = 200;
const sliceOne = withFault(noFaults(), "slice", 1, "both");

/** Records what `talk` does through a proxy to `upstream`; returns the `.wire` text. */
async function record(upstream: string, talk: (port: number) => Promise<unknown>): Promise<string> {
  let text = "";
  const recorder = new WireRecorder({ upstream, write: (t) => (text += t) });
  {
    await using proxy = await proxyTo(upstream, noFaults(), recorder);
    await talk(proxy.port);
  }
  recorder.finish();
  return text;
}

/** Runs the recording as client 200 times through a slice-1 proxy to `service`. */
async function replayAsClient(text: string, service: string): Promise<void> {
  const script = parseScript(text, "recording.wire");
  await using sliced = await proxyTo(service, sliceOne);
  for (let i = 0; i < RUNS; i++) {
    const r = await runScript(script, { vars: { target: sliced.address }, print: () => {} });
    assert(r.ok, `client replay run ${i + 1}: ${r.failure?.message}`);
  }
}

/** Serves the recording 200 times; the client side is the same recording, through slice 1. */
async function replayAsServer(text: string): Promise<void> {
  const connections = await planReplay(text, "recording.wire");
  await using server = await startReplay({
    listen: { address: parseAddress("tcp://127.0.0.1:0") },
    connections,
    file: "recording.wire",
    repeat: RUNS,
    timeoutMs: 5000,
  });
  await using sliced = await proxyTo(server.address, sliceOne);
  const script = parseScript(text, "recording.wire");
  for (let i = 0; i < RUNS; i++) {
    const r = await runScript(script, { vars: { target: sliced.address }, print: () => {} });
    assert(r.ok, `server replay run ${i + 1}: ${r.failure?.message}`);
  }
  await server.finished;
  assertEquals(server.results.length, RUNS * connections.length);
  assert(server.ok, JSON.stringify(server.results.find((r) => !r.ok)));
}

Deno.test("re-chunked replays: a server-first protocol, 200 times each way under slice 1", async () => {
  await using greeter = greetingServer();
  const text = await record(greeter.address, (port) => greetingClient(port));
  await replayAsClient(text, greeter.address);
  await replayAsServer(text);
});

Deno.test({
  name: "re-chunked replays: redis, 200 times each way under slice 1",
  ...needs("redis-server"),
  async fn() {
    await using redis = await startRedis();
    const port = redis.port;
    void redis;
    const text = await record(`tcp://127.0.0.1:${port}`, async (p) => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: p });
      const enc = new TextEncoder();
      const buf = new Uint8Array(1024);
      const ask = async (req: string, want: string) => {
        await writeAll(c, enc.encode(req));
        let got = "";
        await within(
          (async () => {
            while (got.length < want.length) {
              const n = await c.read(buf);
              if (n === null) break;
              got += new TextDecoder().decode(buf.subarray(0, n));
            }
          })(),
          10_000,
          () => `redis-server's answer ${JSON.stringify(want)} (got ${JSON.stringify(got)})`,
        );
        assertEquals(got, want);
      };
      await ask("*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
      await ask("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n", "+OK\r\n");
      await ask("GET k\r\nSET n 1\r\nINCR n\r\nDEL n\r\n", "$5\r\nvalue\r\n+OK\r\n:2\r\n:1\r\n");
      c.close();
    });
    await replayAsClient(text, `tcp://127.0.0.1:${port}`);
    await replayAsServer(text);
  },
});
