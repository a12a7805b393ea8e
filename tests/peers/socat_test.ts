import { assert } from "@std/assert";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.ts";
import { startPeer } from "../helpers/peer.ts";
import { needs } from "../helpers/peers.ts";
import { passes } from "../helpers/wire.ts";

Deno.test({
  name: "socat as a TCP echo peer: every stream matcher",
  ...needs("socat"),
  async fn() {
    const port = freeTcpPort();
    await using _peer = await startPeer({
      cmd: "socat",
      args: [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, "PIPE"],
      waitTcp: { port },
    });
    await passes(
      `connect \${peer} as c
send c "PING\\r\\n"
expect c line "PING"
send c "VALUE=1234 name=socat;"
expect c /VALUE=(\\d+) name=(?<who>\\w+);/ as m within 2s
assert "\${m.1}" == "1234"
assert "\${m.who}" == "socat"
send c hex "00 01 02 fd fe ff"
expect c bytes 6 as b
send c "\${b}"
expect c hex "00 01 02 fd fe ff"
expect c silence 100ms
shutdown c
expect c eof within 2s
close c`,
      { vars: { peer: `tcp://127.0.0.1:${port}` } },
    );
  },
});

/** Sends a probe until the UDP echo answers (socat has no port to poll-connect). */
async function waitUdpEcho(port: number, deadlineMs = 10_000) {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  let answered = false;
  const receiving = sock.receive().then(() => (answered = true), () => {});
  try {
    const deadline = performance.now() + deadlineMs;
    const probe = new TextEncoder().encode("probe");
    while (!answered) {
      if (performance.now() > deadline) throw new Error("UDP echo peer not ready");
      await sock.send(probe, { transport: "udp", hostname: "127.0.0.1", port });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([receiving, new Promise((r) => (timer = setTimeout(r, 100)))]);
      clearTimeout(timer);
    }
  } finally {
    sock.close();
    await receiving;
  }
}

Deno.test({
  name: "socat as a UDP echo peer: bind, connect, send to, ${u.from}",
  ...needs("socat"),
  async fn() {
    const port = freeUdpPort();
    await using _peer = await startPeer({
      cmd: "socat",
      args: [`UDP-RECVFROM:${port},bind=127.0.0.1,fork`, "PIPE"],
    });
    await waitUdpEcho(port);
    const r = await passes(
      `connect udp://127.0.0.1:\${port} as c
send c "hello udp"
expect c "hello udp" within 2s
send c hex "de ad be ef"
expect c hex "de ad be ef" within 2s
bind udp://127.0.0.1:0 as u
send u "from a bound socket" to 127.0.0.1:\${port}
expect u /from a (\\w+) socket/ as d within 2s
assert "\${d.1}" == "bound"
assert "\${d.from}" == "127.0.0.1:\${port}"
print \${d.from}`,
      { vars: { port: String(port) } },
    );
    assert(r.output[0] === `127.0.0.1:${port}`);
  },
});
