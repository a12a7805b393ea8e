import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { CLI } from "../helpers/cli.ts";
import { parsePorts } from "../../lib/tools/scan/ports.ts";
import { scanPorts } from "../../lib/tools/scan/scan.ts";
import { isSelfConnect } from "../../lib/tools/scan/engine.ts";
import { freeTcpPort, socatTcpEcho, socatTcpScript } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";
import { namespace } from "../helpers/netns.ts";
import { output } from "../helpers/process.ts";

/** Ports that nothing listens on right now (bound then released). */
function closedPorts(n: number): number[] {
  const ls = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = ls.map((l) => l.addr.port);
  for (const l of ls) l.close();
  return ports;
}

Deno.test("parsePorts reads ranges, lists, open ends and all", () => {
  assertEquals(parsePorts("80,22-24,80"), [22, 23, 24, 80]);
  assertEquals(parsePorts("-").length, 65535);
  assertEquals(parsePorts("65530-"), [65530, 65531, 65532, 65533, 65534, 65535]);
  assertEquals(parsePorts("-3"), [1, 2, 3]);
  for (const bad of ["0", "70000", "10-5", "x", "", "1,,2"]) {
    let threw = false;
    try {
      parsePorts(bad);
    } catch (e) {
      threw = true;
      assertStringIncludes(String(e), "--ports");
    }
    assert(threw, `"${bad}" should be rejected`);
  }
});

Deno.test("isSelfConnect compares the two ends", () => {
  const conn = (l: number, r: number) =>
    ({
      localAddr: { transport: "tcp", hostname: "127.0.0.1", port: l },
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: r },
    }) as unknown as Deno.Conn;
  assert(isSelfConnect(conn(40000, 40000)));
  assert(!isSelfConnect(conn(40001, 40000)));
});

Deno.test({
  name: "scanPorts finds exactly the open ports among closed ones (IPv4)",
  ...needs("socat"),
  fn: async () => {
    await using a = await socatTcpEcho();
    await using b = await socatTcpEcho();
    const closed = closedPorts(20);
    const r = await scanPorts({
      host: "127.0.0.1",
      ports: [...closed, a.port, b.port].sort((x, y) => x - y),
      timeout: 2000,
    });
    assertEquals(r.open.map((p) => p.port), [a.port, b.port].sort((x, y) => x - y));
    assertEquals(r.closed, 20);
    assertEquals(r.filtered, []);
  },
});

Deno.test({
  name: "scanPorts over IPv6 loopback",
  ...needs("socat"),
  fn: async () => {
    await using a = await socatTcpEcho("::1");
    const closed = closedPorts(3);
    const r = await scanPorts({ host: "[::1]", ports: [a.port, ...closed], timeout: 2000 });
    assertEquals(r.address, "::1");
    assertEquals(r.open.map((p) => p.port), [a.port]);
  },
});

// Through the CLI (run with -A), so it runs whatever permissions this test process has.
Deno.test({
  name: "the ffi engine finds exactly the open ports (IPv4 and IPv6)",
  ...needs("socat"),
  fn: async () => {
    await using a = await socatTcpEcho();
    await using b = await socatTcpEcho("::1");
    const closed = closedPorts(30);
    const r4 = await runCli([
      "scan",
      "127.0.0.1",
      "--ports",
      [...closed, a.port].join(","),
      "--engine",
      "ffi",
      "--json",
    ]);
    assertEquals(r4.code, 0, r4.stderr);
    const j4 = JSON.parse(r4.stdout);
    assertEquals([j4.engine, j4.open.map((p: { port: number }) => p.port), j4.closed], ["ffi", [
      a.port,
    ], 30]);
    const r6 = await runCli([
      "scan",
      "::1",
      "--ports",
      [b.port, ...closed].join(","),
      "--engine",
      "ffi",
      "--json",
    ]);
    assertEquals(JSON.parse(r6.stdout).open.map((p: { port: number }) => p.port), [b.port]);
  },
});

Deno.test({
  name: "scanPorts with workers splits the ports and still finds every open one",
  ...needs("socat"),
  fn: async () => {
    await using a = await socatTcpEcho();
    const ports = [...closedPorts(50), a.port];
    const r = await scanPorts({ host: "127.0.0.1", ports, workers: 2, timeout: 2000 });
    assertEquals(r.workers, 2);
    assertEquals(r.open.map((p) => p.port), [a.port]);
    assertEquals(r.closed, 50);
  },
});

Deno.test({
  name: "banner: what a service says first, or its answer to the probe",
  ...needs("socat"),
  fn: async () => {
    await using dir = await tempDir();
    const greet = await dir.write("greet.sh", "printf 'SSH-2.0-wireplay_test\\r\\n'; sleep 2\n");
    const http = await dir.write(
      "http.sh",
      "read line; printf 'HTTP/1.0 200 OK\\r\\nServer: test\\r\\n\\r\\n'\n",
    );
    await using g = await socatTcpScript(greet);
    await using h = await socatTcpScript(http);
    const r = await scanPorts({
      host: "127.0.0.1",
      ports: [g.port, h.port],
      banner: { wait: 300 },
    });
    const byPort = new Map(r.open.map((p) => [p.port, p]));
    assertEquals(byPort.get(g.port)?.banner, "SSH-2.0-wireplay_test\r\n");
    assertEquals(byPort.get(g.port)?.probed, false);
    assertStringIncludes(byPort.get(h.port)?.banner ?? "", "HTTP/1.0 200 OK");
    assertEquals(byPort.get(h.port)?.probed, true);
  },
});

Deno.test({
  name: "cli scan --json and the text table",
  ...needs("socat"),
  fn: async () => {
    await using a = await socatTcpEcho();
    const [closed] = closedPorts(1);
    const r = await runCli(["scan", "127.0.0.1", "--ports", `${a.port},${closed}`, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assertEquals(json.open.map((p: { port: number }) => p.port), [a.port]);
    assertEquals(json.closed, 1);
    const t = await runCli(["scan", "localhost", "--ports", `${a.port}`]);
    assertEquals(t.code, 0, t.stderr);
    assertStringIncludes(t.stdout, `${a.port}/tcp`);
    assertStringIncludes(t.stdout, "1 open, 0 closed");
    assertEquals(t.stderr, "");
  },
});

Deno.test("cli scan: bad input is one line and exit 2", async () => {
  const r = await runCli(["scan", "127.0.0.1", "--ports", "1-70000"]);
  assertEquals(r.code, 2);
  assertEquals(r.stderr.trim(), 'wireplay: --ports: "70000" is not a port (1-65535)');
  const t = await runCli(["scan", "127.0.0.1", "--timeout", "soon"]);
  assertEquals(t.code, 2);
  assertStringIncludes(t.stderr, "--timeout");
  const h = await runCli(["scan", "no-such-host.invalid", "--ports", "80"]);
  assertEquals(h.code, 2);
  assertStringIncludes(h.stderr, "Cannot resolve");
  assert(!h.stderr.includes("    at "), h.stderr);
});

for (const engine of ["deno", "ffi"] as const) {
  Deno.test({
    name:
      `all 65535 ports inside a private network namespace (${engine} engine): every open port, no self-connects`,
    ...namespace("ss", "socat"),
    fn: async () => {
      // 1 and 65535 are the edges; 40000-50123 sit in the ephemeral range where a connect
      // can meet itself; the rest are familiar.
      const open = [1, 22, 80, 443, 8080, 40000, 40001, 44999, 50123, 65535];
      const script = [
        "ip link set lo up",
        "pids=''",
        ...open.map((p) =>
          `socat TCP-LISTEN:${p},bind=127.0.0.1,reuseaddr,fork /dev/null & pids="$pids $!"`
        ),
        // every wait here has a deadline: the listeners within 20 s, the scan within 120 s
        "give_up=$(( $(date +%s) + 20 ))",
        `for p in ${open.join(" ")}; do`,
        '  until ss -Hltn "sport = :$p" | grep -q .; do',
        '    if [ "$(date +%s)" -ge "$give_up" ]; then',
        '      echo "socat did not listen on port $p within 20s" >&2; kill $pids; exit 3',
        "    fi",
        "    sleep 0.02",
        "  done",
        "done",
        `timeout -k 5 120 "${Deno.execPath()}" run -A --quiet "${CLI}" scan 127.0.0.1 --ports - --timeout 2s --engine ${engine} --json`,
        "rc=$?",
        "kill $pids",
        "exit $rc",
      ].join("\n");
      // a last resort (the script bounds itself): the whole tree killed, failing by name
      const out = await output("unshare", {
        args: ["-n", "sh", "-c", script],
        deadlineMs: 180_000,
      });
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, stderr);
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      const why = JSON.stringify({
        errors: r.errors,
        filtered: r.filtered,
        selfConnects: r.selfConnects,
      });
      assertEquals(r.engine, engine);
      assertEquals(r.scanned, 65535);
      assertEquals(r.open.map((p: { port: number }) => p.port), open, why);
      assertEquals(r.filtered, [], why);
      assertEquals(r.closed + r.open.length + r.selfConnects, 65535, why);
    },
  });
}

// A port the test opened and closed again must not show up as open.
Deno.test("a just-closed port is reported closed", async () => {
  const port = freeTcpPort();
  const r = await scanPorts({ host: "127.0.0.1", ports: [port] });
  assertEquals(r.open, []);
  assertEquals(r.closed, 1);
});

Deno.test({
  name: "a host that drops SYNs (private namespace): every port filtered, the scan still ends",
  ...namespace(),
  fn: async () => {
    // 10.99.0.2 sits behind a veth whose far end has no address: SYNs vanish, connects hang.
    const script = [
      "ip link set lo up",
      "ip link add v0 type veth peer name v1 || exit 77",
      "ip addr add 10.99.0.1/24 dev v0 && ip link set v0 up && ip link set v1 up",
      "ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev v0",
      `timeout -k 5 60 "${Deno.execPath()}" run -A --quiet "${CLI}" scan 10.99.0.2 --ports 1-300 --timeout 250ms --workers 2 --engine deno --json || exit 1`,
      `exec timeout -k 5 60 "${Deno.execPath()}" run -A --quiet "${CLI}" scan 10.99.0.2 --ports 1-300 --timeout 250ms --engine ffi --json`,
    ].join("\n");
    const t0 = performance.now();
    // a last resort (the script bounds itself): the whole tree killed, failing by name
    const out = await output("unshare", { args: ["-n", "sh", "-c", script], deadlineMs: 150_000 });
    if (out.code === 77) return; // no veth support here
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const results = new TextDecoder().decode(out.stdout).trim().split(/\n(?=\{)/).map((t) =>
      JSON.parse(t)
    );
    assertEquals(results.map((r) => r.engine), ["deno", "ffi"]);
    for (const r of results) {
      assertEquals(r.open, []);
      assertEquals(r.filtered.length, 300);
    }
    assert(performance.now() - t0 < 20_000);
  },
});
