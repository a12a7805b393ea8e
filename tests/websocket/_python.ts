// Third-party WebSocket peers for the tests: a server and a client from Python's
// `websockets` (Debian python3-websockets), started by the test.
import { pythonWith } from "../helpers/peers.ts";
import { type Peer, startPeer } from "../helpers/peer.ts";
import { output } from "../helpers/process.ts";

/**
 * A `websockets` server on 127.0.0.1 (port 0). On connect it sends a JSON greeting; then it
 * echoes text and binary messages, except `close-me` (closes with 4001 "asked") and
 * `ping-me` (sends a ping whose pong it reports as the message `got pong`).
 */
const SERVER = `
import asyncio, json, sys, websockets
async def handler(ws, path=None):
    await ws.send(json.dumps({"hello": "python", "n": 1}))
    async for msg in ws:
        if msg == "close-me":
            await ws.close(4001, "asked")
            return
        if msg == "ping-me":
            waiter = await ws.ping(b"py")
            await asyncio.wait_for(waiter, 5)
            await ws.send("got pong")
            continue
        await ws.send(msg)
async def main():
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
`;

/** Starts the Python server; `port` is where it listens. */
export async function startPythonWsServer(): Promise<Peer & { port: number }> {
  const python = pythonWith("websockets")!;
  const peer = await startPeer({
    cmd: python,
    args: ["-u", "-c", SERVER],
    waitOutput: /PORT \d+/,
  });
  const port = Number(/PORT (\d+)/.exec(peer.stdout())![1]);
  return Object.assign(peer, { port });
}

/**
 * Runs a `websockets` client against `url`: it sends each of `send` and prints every
 * message it receives (text as is, binary as `binary HEX`), then the close code, one line
 * each. It receives `expect` messages before closing with 1000.
 */
export async function pythonWsClient(
  url: string,
  send: string[],
  expect: number,
  options: { deflate?: boolean } = {},
): Promise<string[]> {
  const python = pythonWith("websockets")!;
  const script = `
import asyncio, sys, websockets
async def main():
    # no permessage-deflate: compressed sessions are recorded as bytes, not messages
    async with websockets.connect(sys.argv[1], open_timeout=5, close_timeout=5, compression=None if sys.argv[3] == "plain" else "deflate") as ws:
        for m in sys.argv[4:]:
            await ws.send(m)
        for _ in range(int(sys.argv[2])):
            try:
                msg = await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as e:
                print("closed", e.rcvd.code if e.rcvd else 1006, flush=True)
                return
            print(msg if isinstance(msg, str) else "binary " + msg.hex(), flush=True)
        await ws.close(1000)
        print("closed", ws.close_code, flush=True)
asyncio.run(main())
`;
  const out = await output(python, {
    args: ["-c", script, url, String(expect), options.deflate ? "deflate" : "plain", ...send],
    deadlineMs: 20_000,
  });
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (out.code !== 0) throw new Error(`python client failed (${out.code}): ${text(out.stderr)}`);
  return text(out.stdout).trim().split("\n");
}
