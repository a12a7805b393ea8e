// serve … --workers N / workers N: N isolates on one port (SO_REUSEPORT), checked from the
// outside with ss (N listening sockets on the port) and real clients (curl, our scripts).
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { CLI } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";
import { runWire } from "../helpers/wire.ts";
import { parseAddress } from "../../lib/address/address.ts";
import { startServerWorkers } from "../../lib/servers/workers/pool.ts";

/** The listening sockets on `port`, as ss sees them (one line each). */
async function listeners(port: number, udp = false): Promise<string[]> {
  const out = await output("ss", {
    args: [udp ? "-Hulnp" : "-Hltnp", `sport = :${port}`],
    deadlineMs: 10_000,
  });
  return new TextDecoder().decode(out.stdout).trim().split("\n").filter(Boolean);
}

Deno.test({
  name: "startServerWorkers: 3 echo workers are 3 listening sockets on one port, all serving",
  ...needs("ss"),
  fn: async () => {
    await using s = await startServerWorkers("echo", parseAddress("tcp://127.0.0.1:0"), {}, 3);
    assertEquals((await listeners(s.port)).length, 3);
    // many clients at once: the kernel spreads them; every one is echoed
    await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      using c = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const msg = new TextEncoder().encode(`hello ${i}\n`);
      await c.write(msg);
      const buf = new Uint8Array(msg.length);
      let got = 0;
      while (got < msg.length) got += (await c.read(buf.subarray(got)))!;
      assertEquals(new TextDecoder().decode(buf), `hello ${i}\n`);
    }));
  },
});

Deno.test("serve … workers N in a script: echo over TCP and UDP, TLS with one certificate", async () => {
  const r = await runWire(`serve echo tcp://127.0.0.1:0 as e workers 2
assert \${e.workers} == 2
connect tcp://127.0.0.1:\${e.port} as a
connect tcp://127.0.0.1:\${e.port} as b
send a "one\\n"
send b "two\\n"
expect a "one\\n"
expect b "two\\n"
serve echo udp://127.0.0.1:0 as u workers 2
connect udp://127.0.0.1:\${u.port} as d
send d "dgram"
expect d "dgram"
serve echo tls://127.0.0.1:0 as t workers 2
connect tls://127.0.0.1:\${t.port} as t1 ca \${t.cert}
connect tls://127.0.0.1:\${t.port} as t2 ca \${t.cert}
connect tls://127.0.0.1:\${t.port} as t3 ca \${t.cert}
send t3 "secure"
expect t3 "secure"
`);
  assert(r.ok, r.failure?.message);
});

Deno.test("serve chat … workers 2 is refused in one sentence (one hub)", async () => {
  const r = await runWire("serve chat tcp://127.0.0.1:0 as c workers 2\n");
  assertStringIncludes(
    r.failure!.message,
    "serve chat cannot run as workers: its rooms, nicknames and messages live in one process",
  );
  const bad = await runWire("serve echo tcp://127.0.0.1:0 as e workers 0\n");
  assertStringIncludes(bad.failure!.message, '"0" is not a whole number from 1 to 64');
  const cli = await output(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "chat", "127.0.0.1:0", "--workers", "2"],
    deadlineMs: 30_000,
  });
  const stderr = new TextDecoder().decode(cli.stderr);
  assertEquals(cli.code, 2, stderr);
  assertStringIncludes(stderr, "serve chat cannot run as workers");
  assert(!stderr.includes("    at "), stderr);
});

Deno.test({
  name:
    "wireplay serve http --workers 2: two listeners (ss), curl gets the seed's /api/data, SIGINT ends it",
  ...needs("ss", "curl"),
  fn: async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "serve", "http", "127.0.0.1:0", "--workers", "2", "--json"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let first = "";
    try {
      const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
      while (!first.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) break;
        first += value;
      }
      clearTimeout(deadline);
      const info = JSON.parse(first);
      assertEquals(info.workers, 2);
      assertEquals((await listeners(info.port)).length, 2);
      for (let i = 0; i < 4; i++) {
        const out = await output("curl", {
          args: ["-sS", `http://127.0.0.1:${info.port}/api/data`],
          deadlineMs: 10_000,
        });
        assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), {
          message: "Hello from API",
          status: "success",
        });
      }
    } finally {
      child.kill("SIGINT");
      await lines.cancel();
      const status = await child.status;
      await child.stderr.cancel();
      assertEquals(status.code, 0);
    }
  },
});
