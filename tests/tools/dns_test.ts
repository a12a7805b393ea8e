import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { expandIpv6, reverseName } from "../../lib/tools/dns/reverse.ts";
import { lookupDns, parseServer } from "../../lib/tools/dns/dns.ts";
import { dnsmasq, freeUdpPort } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";

const HOSTS =
  "10.1.2.3 web.wireplay.test\nfd00::53 web.wireplay.test\n10.9.9.9 other.wireplay.test\n";
const EXTRA = [
  "--txt-record=web.wireplay.test,hello world",
  "--mx-host=wireplay.test,mail.wireplay.test,10",
  "--srv-host=_echo._tcp.wireplay.test,web.wireplay.test,7,1,2",
  "--cname=alias.wireplay.test,web.wireplay.test",
];

Deno.test("reverse names for IPv4 and IPv6", () => {
  assertEquals(reverseName("10.1.2.3"), "3.2.1.10.in-addr.arpa");
  assertEquals(expandIpv6("fd00::53"), "fd000000000000000000000000000053");
  assertEquals(expandIpv6("::ffff:1.2.3.4"), "00000000000000000000ffff01020304");
  assertEquals(
    reverseName("fd00::53"),
    "3.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
  );
  assertEquals(reverseName("example.com"), undefined);
});

Deno.test("parseServer reads IP, IP:PORT and [IPv6]:PORT", () => {
  assertEquals(parseServer("127.0.0.1"), { ipAddr: "127.0.0.1", port: 53 });
  assertEquals(parseServer("127.0.0.1:5353"), { ipAddr: "127.0.0.1", port: 5353 });
  assertEquals(parseServer("[::1]:5353"), { ipAddr: "::1", port: 5353 });
  assertEquals(parseServer("::1"), { ipAddr: "::1", port: 53 });
  for (const bad of ["name.example", "1.2.3.4:99999", ""]) {
    let threw = false;
    try {
      parseServer(bad);
    } catch {
      threw = true;
    }
    assert(threw, bad);
  }
});

Deno.test({
  name: "lookupDns against dnsmasq: A/AAAA with TTLs, TXT, MX, SRV, CNAME, PTR, no records",
  ...needs("dnsmasq"),
  fn: async () => {
    await using dir = await tempDir();
    await using dns = await dnsmasq(dir, HOSTS, EXTRA);
    const server = { ipAddr: "127.0.0.1", port: dns.port };
    const a = await lookupDns("web.wireplay.test", { server });
    assertEquals(a.answers.map((x) => [x.type, x.records.map((r) => [r.value, r.ttl])]), [
      ["A", [["10.1.2.3", 77]]],
      ["AAAA", [["fd00::53", 77]]],
    ]);
    const more = await lookupDns("web.wireplay.test", { server, types: ["TXT"] });
    assertEquals(more.answers[0]!.records[0]!.value, '"hello world"');
    const mx = await lookupDns("wireplay.test", { server, types: ["MX"] });
    assertEquals(mx.answers[0]!.records[0]!.value, "10 mail.wireplay.test.");
    const srv = await lookupDns("_echo._tcp.wireplay.test", { server, types: ["SRV"] });
    assertEquals(srv.answers[0]!.records[0]!.value, "1 2 7 web.wireplay.test.");
    const cname = await lookupDns("alias.wireplay.test", { server, types: ["CNAME"] });
    assertEquals(cname.answers[0]!.records[0]!.value, "web.wireplay.test.");
    const ptr = await lookupDns("10.9.9.9", { server });
    assertEquals(ptr.name, "9.9.9.10.in-addr.arpa");
    assertEquals(ptr.reverseOf, "10.9.9.9");
    assertEquals(ptr.answers[0]!.records[0]!.value, "other.wireplay.test.");
    const none = await lookupDns("missing.wireplay.test", { server, types: ["A"] });
    assertEquals(none.answers[0]!.records, []);
    assertEquals(none.answers[0]!.error, "no records");
  },
});

Deno.test("lookupDns: a server that does not answer times out", async () => {
  const port = freeUdpPort();
  const r = await lookupDns("x.test", {
    server: { ipAddr: "127.0.0.1", port },
    types: ["TXT"],
    timeout: 300,
  });
  assertEquals(r.answers[0]!.records, []);
  assert(r.answers[0]!.error !== undefined);
});

Deno.test({
  name: "cli dns: text lines, --json, reverse, exit codes",
  ...needs("dnsmasq"),
  fn: async () => {
    await using dir = await tempDir();
    await using dns = await dnsmasq(dir, HOSTS, EXTRA);
    const server = `127.0.0.1:${dns.port}`;
    const t = await runCli(["dns", "web.wireplay.test", "--server", server]);
    assertEquals(t.code, 0, t.stderr);
    assertStringIncludes(t.stdout, "web.wireplay.test.\t77\tIN\tA\t10.1.2.3");
    assertStringIncludes(t.stdout, "web.wireplay.test.\t77\tIN\tAAAA\tfd00::53");
    const j = await runCli([
      "dns",
      "web.wireplay.test",
      "--server",
      server,
      "--type",
      "txt,mx",
      "--json",
    ]);
    const json = JSON.parse(j.stdout);
    assertEquals(json.answers.map((a: { type: string }) => a.type), ["TXT", "MX"]);
    assertEquals(json.answers[0].records[0].data, ["hello world"]);
    const rev = await runCli(["dns", "10.1.2.3", "--server", server]);
    assertStringIncludes(rev.stdout, "3.2.1.10.in-addr.arpa.\t-\tIN\tPTR\tweb.wireplay.test.");
    const missing = await runCli(["dns", "nope.wireplay.test", "--server", server]);
    assertEquals(missing.code, 1);
    assertStringIncludes(missing.stdout, ";; A: no records");
    const bad = await runCli(["dns", "x.test", "--type", "AXFR"]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "--type: unknown record type");
    const badServer = await runCli(["dns", "x.test", "--server", "dns.example"]);
    assertEquals(badServer.code, 2);
    assertStringIncludes(badServer.stderr, "--server");
  },
});
