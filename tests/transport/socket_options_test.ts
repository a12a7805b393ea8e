// Socket options of connect/listen, each checked from outside the process: `ss -tnoim`
// (source address, keep-alive timer, buffer sizes), /proc/net/tcp, and a Python process
// that duplicates the socket with pidfd_getfd(2) and asks the kernel (getsockopt).
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { CLI } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";
import { runWire } from "../helpers/wire.ts";

/** Prints the kernel's options of process PID's TCP socket LOCALPORT→REMOTEPORT as JSON. */
const PY_INSPECT = `
import ctypes, json, os, socket, sys
pid, lport, rport = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
for name in os.listdir(f"/proc/{pid}/fd"):
    try:
        if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
            continue
    except OSError:
        continue
    fd = libc.syscall(438, pidfd, int(name), 0)  # pidfd_getfd
    if fd < 0:
        continue
    s = socket.socket(fileno=fd)
    try:
        if s.family == socket.AF_UNIX or s.type != socket.SOCK_STREAM or s.getsockname()[1] != lport:
            continue
        if rport and s.getpeername()[1] != rport:
            continue
        v6 = s.family == socket.AF_INET6
        ttl = s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS) if v6 else s.getsockopt(socket.IPPROTO_IP, socket.IP_TTL)
        print(json.dumps({
            "nodelay": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
            "keepalive": s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            "keepidle": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            "ttl": ttl,
            "sndbuf": s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
            "rcvbuf": s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
            "reuseaddr": s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR),
            "reuseport": s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT),
        }))
        sys.exit(0)
    except OSError:
        continue
    finally:
        s.detach()
        os.close(fd)
sys.exit(f"no socket {lport}->{rport} in process {pid}")
`;

async function inspect(py: string, localPort: number, remotePort = 0) {
  const out = await output("python3", {
    args: [py, String(Deno.pid), String(localPort), String(remotePort)],
    deadlineMs: 10_000,
  });
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function ss(...filter: string[]): Promise<string> {
  const out = await output("ss", { args: ["-Htnoim", ...filter], deadlineMs: 10_000 });
  return new TextDecoder().decode(out.stdout);
}

/** Runs `wire` (which must end waiting for "go" on c), inspects once c is accepted. */
async function whileConnected(
  wire: string,
  check: (client: Deno.NetAddr) => Promise<void>,
): Promise<void> {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const run = runWire(wire, { vars: { port: String(l.addr.port) }, timeoutMs: 10_000 });
  // the script's own timeout bounds this wait: if it ends first, it failed to connect
  const accepting = l.accept();
  accepting.catch(() => {}); // closing the listener ends it when the script failed first
  const first = await Promise.race([accepting, run]);
  if (!("remoteAddr" in first)) throw new Error(`the script ended: ${first.failure?.message}`);
  using peer = first;
  try {
    await check(peer.remoteAddr as Deno.NetAddr);
  } finally {
    await peer.write(new TextEncoder().encode("go"));
    const r = await run;
    assert(r.ok, r.failure?.message);
  }
}

const FFI_TEST =
  "connect … nodelay off keepalive 30s ttl 7 sndbuf rcvbuf bind-source: seen by ss, /proc and getsockopt";

Deno.test({
  name: FFI_TEST,
  ...needs("ss", "python3"),
  fn: async () => {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      // ttl, buffers and a keep-alive time need --allow-ffi (and /proc under -A): the suite
      // runs without them, so this test runs itself in a `deno test -A` of its own
      const r = await output(Deno.execPath(), {
        args: [
          "test",
          "-A",
          "--no-check",
          `--filter=${FFI_TEST}`,
          new URL(import.meta.url).pathname,
        ],
        deadlineMs: 60_000,
      });
      const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
      assert(r.code === 0 && /\b1 passed\b/.test(text), text);
      return;
    }
    await using dir = await tempDir();
    const py = await dir.write("inspect.py", PY_INSPECT);
    await whileConnected(
      `connect tcp://127.0.0.1:\${port} as c nodelay off keepalive 30s ttl 7 sndbuf 64KiB rcvbuf 96KiB bind-source 127.0.0.2
assert \${c.options.nodelay} == false
assert \${c.options.keepalive} == "30s"
assert \${c.options.ttl} == 7
assert \${c.options.sndbuf} == 131072
assert \${c.options.rcvbuf} == 196608
assert \${c.local} ~ /^tcp:\\/\\/127\\.0\\.0\\.2:/
expect c "go"
`,
      async (client) => {
        assertEquals(client.hostname, "127.0.0.2");
        const k = await inspect(py, client.port);
        assertEquals(
          [k.nodelay, k.keepalive, k.keepidle, k.ttl, k.sndbuf, k.rcvbuf],
          [0, 1, 30, 7, 131072, 196608],
        );
        const line = await ss("src", `127.0.0.2:${client.port}`);
        assertMatch(line, /timer:\(keepalive,\d+(\.\d+)?sec,0\)/);
        assertMatch(line, /skmem:\(r\d+,rb196608,t\d+,tb131072,/);
        // /proc/net/tcp: the local address is 127.0.0.2 (little-endian hex 0200007F)
        const hexPort = client.port.toString(16).toUpperCase().padStart(4, "0");
        assertStringIncludes(await Deno.readTextFile("/proc/net/tcp"), `0200007F:${hexPort} `);
      },
    );
  },
});

Deno.test({
  name:
    "connect with no options: nodelay on (wireplay's default) and keepalive off, per getsockopt",
  ...needs("python3"),
  fn: async () => {
    await using dir = await tempDir();
    const py = await dir.write("inspect.py", PY_INSPECT);
    await whileConnected(
      `connect tcp://127.0.0.1:\${port} as c keepalive off\nassert \${c.options.nodelay} == true\nexpect c "go"\n`,
      async (client) => {
        const k = await inspect(py, client.port);
        assertEquals([k.nodelay, k.keepalive], [1, 0]);
      },
    );
    await whileConnected(
      `connect tcp://127.0.0.1:\${port} as c keepalive on\nexpect c "go"\n`,
      async (client) => assertEquals((await inspect(py, client.port)).keepalive, 1),
    );
  },
});

Deno.test({
  name: "listen … reuseport: another process (socat) can listen on the same port; without it, not",
  ...needs("socat", "python3"),
  fn: async () => {
    await using dir = await tempDir();
    const py = await dir.write("inspect.py", PY_INSPECT);
    const trySocat = async (port: number) => {
      // socat with reuseport binds only when every listener on the port has SO_REUSEPORT
      const out = await output("timeout", {
        args: ["2", "socat", `TCP-LISTEN:${port},bind=127.0.0.1,reuseport`, "-"],
        deadlineMs: 10_000,
      });
      return out.code; // 124: it listened until timeout killed it; 1: bind failed
    };
    // the listener must stay open while socat tries: a script that waits on accept
    for (const [opt, expected, reuse] of [["reuseport", 124, 1], ["", 1, 0]] as const) {
      using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = probe.addr.port;
      probe.close();
      const run = runWire(
        `listen tcp://127.0.0.1:${port} as l ${opt}
${opt ? "assert ${l.options.reuseport} == true" : "assert ${l.options.reuseport} == false"}
assert \${l.options.reuseaddr} == true
accept l as c within 8s
expect c "done"
`,
        { timeoutMs: 10_000 },
      );
      // wait until the script listens (a connect succeeds), then let it accept that one
      let conn: Deno.TcpConn | undefined;
      for (let i = 0; i < 200 && !conn; i++) {
        conn = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => undefined);
        if (!conn) await new Promise((r) => setTimeout(r, 20));
      }
      assert(conn, "the script never listened");
      try {
        const k = await inspect(py, port);
        assertEquals([k.reuseaddr, k.reuseport], [1, reuse]); // Deno always sets SO_REUSEADDR
        assertEquals(await trySocat(port), expected, `listen … ${opt || "(no option)"}`);
      } finally {
        await conn.write(new TextEncoder().encode("done"));
        const r = await run;
        conn.close();
        assert(r.ok, r.failure?.message);
      }
    }
  },
});

Deno.test("v6only, and socket options on a non-TCP address, fail in one sentence", async () => {
  const v6 = await runWire("listen tcp://[::1]:0 as l v6only\n");
  assertStringIncludes(v6.failure!.message, "v6only is not possible here: Deno's listeners");
  const udp = await runWire("connect udp://127.0.0.1:9 as u nodelay off\n");
  assertStringIncludes(udp.failure!.message, "are for tcp:// connections, not udp://");
});

Deno.test("without --allow-ffi, ttl/sndbuf/keepalive D fail naming the flag; nodelay works", async () => {
  await using dir = await tempDir();
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const script = await dir.write(
    "t.wire",
    `connect tcp://127.0.0.1:${l.addr.port} as a nodelay off\nconnect tcp://127.0.0.1:${l.addr.port} as b sndbuf 64KiB\n`,
  );
  const accepting = (async () => {
    for (let i = 0; i < 2; i++) (await l.accept()).close();
  })();
  const out = await output(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", CLI, "run", script],
    deadlineMs: 30_000,
  });
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 1, stderr);
  assertStringIncludes(
    stderr,
    "t.wire:2: tcp://127.0.0.1:" + l.addr.port +
      ": sndbuf needs --allow-ffi: Deno has no API for it, so wireplay sets it with setsockopt(2) through FFI (Linux)",
  );
  assert(!stderr.includes("    at "), stderr);
  await accepting;
});
