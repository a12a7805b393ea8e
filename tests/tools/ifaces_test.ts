import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { listInterfaces, prefixLength } from "../../lib/tools/ifaces/interfaces.ts";
import { matchRoute, parseRouteV4, parseRouteV6 } from "../../lib/tools/ifaces/routes.ts";
import { sourceAddressFor } from "../../lib/tools/ifaces/source.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";

const ROUTE_V4 =
  `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	100	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
wg0	0000000A	00000000	0001	0	0	0	0000FFFF	0	0	0
bad0	0001000A	00000000	0201	0	0	0	00FFFFFF	0	0	0
`;
const ROUTE_V6 =
  `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

Deno.test("prefixLength of IPv4 and IPv6 netmasks", () => {
  assertEquals(prefixLength("255.255.255.0"), 24);
  assertEquals(prefixLength("255.0.0.0"), 8);
  assertEquals(prefixLength("ffff:ffff:ffff:ffff::"), 64);
  assertEquals(prefixLength("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 128);
});

Deno.test("routing tables: parse and longest-prefix match (reject routes skipped)", () => {
  const v4 = parseRouteV4(ROUTE_V4);
  assertEquals(v4.length, 3);
  assertEquals(matchRoute(v4, "192.0.2.77")?.iface, "eth0");
  assertEquals(matchRoute(v4, "192.0.2.77")?.gateway, undefined);
  assertEquals(matchRoute(v4, "10.0.5.5")?.iface, "wg0");
  assertEquals(matchRoute(v4, "10.0.1.9")?.iface, "wg0"); // the reject /24 is ignored
  const def = matchRoute(v4, "8.8.8.8");
  assertEquals([def?.iface, def?.gateway, def?.prefix], ["eth0", "192.0.2.1", 0]);
  const v6 = parseRouteV6(ROUTE_V6);
  assertEquals(v6.length, 2);
  assertEquals(matchRoute(v6, "fd00::9")?.gateway, undefined);
  assertEquals(matchRoute(v6, "2001:db8::1")?.gateway, "fd00::1");
});

Deno.test("listInterfaces has loopback with its addresses", () => {
  const lo = listInterfaces().find((i) => i.addresses.some((a) => a.address === "127.0.0.1"));
  assert(lo);
  assertEquals(lo.addresses.find((a) => a.address === "127.0.0.1")?.prefix, 8);
});

Deno.test("sourceAddressFor: loopback and own addresses are local", async () => {
  assertEquals((await sourceAddressFor("127.0.0.1")).source, "127.0.0.1");
  assertEquals((await sourceAddressFor("127.0.0.9")).source, "127.0.0.1");
  const s = await sourceAddressFor("localhost");
  assertEquals([s.address, s.via], ["127.0.0.1", "local"]);
});

async function ipRouteGet(ip: string): Promise<{ prefsrc?: string; dev?: string } | undefined> {
  try {
    const out = await output("ip", { args: ["-j", "route", "get", ip], stderr: "null" });
    if (!out.success) return undefined;
    return JSON.parse(new TextDecoder().decode(out.stdout))[0];
  } catch {
    return undefined;
  }
}

async function procRouteText(): Promise<string | undefined> {
  try {
    const out = await output("cat", { args: ["/proc/net/route"], stderr: "null" });
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

// `ip route get` asks the kernel (netlink) and sends nothing; the answer we work out from
// the kernel's own routing table must agree with it.
Deno.test({
  name: "sourceAddressFor from the routing table agrees with `ip route get`",
  ...needs("ip"),
  fn: async () => {
    const table = await procRouteText();
    let compared = 0;
    for (const ip of ["192.0.2.200", "198.51.100.7", "203.0.113.9", "10.255.1.2"]) {
      const kernel = await ipRouteGet(ip);
      if (!table || !kernel?.prefsrc) continue; // no route on this machine
      const ours = await sourceAddressFor(ip, parseRouteV4(table));
      assertEquals([ours.source, ours.iface, ours.via], [kernel.prefsrc, kernel.dev, "route"], ip);
      compared++;
    }
    if (table && (await ipRouteGet("192.0.2.200"))?.prefsrc) assert(compared > 0);
  },
});

Deno.test("cli ifaces: list, source for hosts, --json", async () => {
  const t = await runCli(["ifaces"]);
  assertEquals(t.code, 0, t.stderr);
  assertStringIncludes(t.stdout, "inet  127.0.0.1/8");
  const s = await runCli(["ifaces", "127.0.0.1"]);
  assertEquals(s.stdout.trim(), "127.0.0.1 is reached from 127.0.0.1 via lo");
  const j = await runCli(["ifaces", "127.0.0.1", "--json"]);
  const json = JSON.parse(j.stdout);
  assert(Array.isArray(json.interfaces));
  assertEquals(json.routes[0].source, "127.0.0.1");
  const bad = await runCli(["ifaces", "no-such-host.invalid"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "Cannot resolve");
});
