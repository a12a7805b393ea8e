import { assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { dnsmasq, freeTcpPort, socatTcpEcho } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

Deno.test({
  name: "the tools statements in a .wire script: scan, ping, dns, bench bind their figures",
  ...needs("socat", "dnsmasq"),
  fn: async () => {
    await using dir = await tempDir();
    await using echo = await socatTcpEcho();
    await using dns = await dnsmasq(dir, "10.1.2.3 web.wireplay.test\n");
    const closed = freeTcpPort();
    const script = await dir.write(
      "tools.wire",
      [
        `scan 127.0.0.1 ports "\${port},${closed}" as s`,
        'assert ${s} == "${port}"',
        "assert ${s.count} == 1",
        "assert ${s.closed} == 1",
        "ping tcp://127.0.0.1:${port} count 2 interval 10ms as p",
        "assert ${p.received} == 2",
        `dns web.wireplay.test type A server 127.0.0.1:${dns.port} as d`,
        'assert ${d} == "10.1.2.3"',
        "assert ${d.ttl} == 77",
        "bench tcp://127.0.0.1:${port} conns 2 duration 300ms warmup 0ms as b",
        "assert ${b.errors} == 0",
        "",
      ].join("\n"),
    );
    const r = await runCli(["run", script, "--var", `port=${echo.port}`]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "1 open, 1 closed");
    assertStringIncludes(r.stdout, "web.wireplay.test.\t77\tIN\tA\t10.1.2.3");
  },
});

Deno.test("a ping nobody answers fails the script at its line; a bad statement is a syntax error", async () => {
  await using dir = await tempDir();
  const closed = freeTcpPort();
  const failing = await dir.write(
    "fail.wire",
    `# nothing listens there\nping tcp://127.0.0.1:${closed} count 1\n`,
  );
  const r = await runCli(["run", failing]);
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "fail.wire:2: ping tcp://127.0.0.1:");
  assertStringIncludes(r.stderr, "(refused)");
  const bad = await dir.write("bad.wire", "dns example.test type AXFR\n");
  const b = await runCli(["run", bad]);
  assertEquals(b.code, 2);
  assertStringIncludes(b.stderr, 'unknown record type "AXFR"');
});
