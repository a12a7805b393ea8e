// UDP broadcast and multicast from scripts, in a private network namespace (a veth LAN:
// never the host's interfaces). A Python member (not ours) checks what arrives on the wire
// side, with the TTL the kernel received it with (IP_RECVTTL / IPV6_RECVHOPLIMIT).
// Fixed ports are safe here: the namespace has nothing else in it.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { CLI } from "../helpers/cli.ts";
import { inNamespace, namespace, VETH_LAN } from "../helpers/netns.ts";
import { tempDir } from "../helpers/temp.ts";
import { runWire } from "../helpers/wire.ts";

/** A member that prints `PAYLOAD ttl=N` per datagram until `last` arrives (10 s at most). */
const PY_MEMBER = `
import socket, struct, sys
group, port, last = sys.argv[1], int(sys.argv[2]), sys.argv[3]
v6 = ":" in group
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if v6 else "0.0.0.0", port))
if v6:
    idx = socket.if_nametoindex("v0")
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", idx))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
else:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton("0.0.0.0"))
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)  # Linux value
s.settimeout(10)
print("ready", flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(2048, socket.CMSG_SPACE(4))
    ttl = [struct.unpack("i", d)[0] for (l, t, d) in anc][0]
    print(f"{data.decode()} ttl={ttl}", flush=True)
    if data.decode() == last:
        break
`;

/** Starts the member, waits for it, runs the script, then prints the member's lines. */
function scenario(member: string, wire: string): string {
  return [
    VETH_LAN,
    `python3 member.py ${member} > member.out 2>&1 &`,
    "give_up=$(( $(date +%s) + 10 ))",
    "until grep -q ready member.out; do",
    '  if [ "$(date +%s)" -ge "$give_up" ]; then cat member.out >&2; exit 3; fi',
    "  sleep 0.02",
    "done",
    `timeout -k 5 40 "${Deno.execPath()}" run -A --quiet "${CLI}" run ${wire}`,
    "rc=$?",
    "wait",
    "echo '--- member'",
    "cat member.out",
    "exit $rc",
  ].join("\n");
}

Deno.test({
  name: "bind … broadcast / join / ttl / loopback off: IPv4 in a private namespace",
  ...namespace("python3", "sysctl"),
  fn: async () => {
    await using dir = await tempDir();
    await dir.write("member.py", PY_MEMBER);
    await dir.write(
      "lan.wire",
      `bind udp://0.0.0.0:45000 as m1 reuseaddr join 239.1.2.3 iface 10.9.0.1
bind udp://0.0.0.0:45000 as m2 reuseport join 239.1.2.3
bind udp://10.9.0.1:0 as s ttl 3
send s "group" to 239.1.2.3:45000
expect m1 "group" within 5s
expect m2 "group" within 5s
bind udp://0.0.0.0:0 as q loopback off
send q "quiet" to 239.1.2.3:45000
bind udp://0.0.0.0:0 as b broadcast
send b "everyone" to 10.9.0.255:45000
expect m1 "everyone" within 5s
leave m2 239.1.2.3
print "groups=\${m1.options.groups} left=\${m2.options.groups} ttl=\${s.options.ttl} broadcast=\${b.options.broadcast} loopback=\${q.options.loopback}"
`,
    );
    const out = await inNamespace(
      `cd "${dir.path}"\n${scenario("239.1.2.3 45000 everyone", "lan.wire")}`,
    );
    if (out.code === 77) return; // no veth pairs here
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
    assertStringIncludes(
      stdout,
      'groups=["239.1.2.3"] left=[] ttl=3 broadcast=true loopback=false',
    );
    const member = stdout.split("--- member\n")[1]!.trim().split("\n");
    // the group datagram left with TTL 3; "quiet" (loopback off) never reached this host's
    // members; the broadcast arrived with the default TTL
    assertEquals(member, ["ready", "group ttl=3", "everyone ttl=64"]);
  },
});

Deno.test({
  name: "send to a broadcast address without `broadcast` fails in one sentence",
  ...namespace("sysctl"),
  fn: async () => {
    await using dir = await tempDir();
    await dir.write(
      "nb.wire",
      'bind udp://0.0.0.0:0 as rx\nbind udp://0.0.0.0:0 as nb\nsend nb "x" to 10.9.0.255:${rx.port}\n',
    );
    const out = await inNamespace(
      `cd "${dir.path}"\n${VETH_LAN}\nexec timeout -k 5 40 "${Deno.execPath()}" run -A --quiet "${CLI}" run nb.wire`,
    );
    if (out.code === 77) return;
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1, stderr);
    assertStringIncludes(
      stderr,
      'nb.wire:3: send failed: 10.9.0.255 is a broadcast address: bind the socket with "broadcast" to send to it',
    );
    assert(!stderr.includes("    at "), stderr);
  },
});

Deno.test({
  name: "IPv6 multicast: join ff05::1234 iface v0, hop limit set by ttl, in a namespace",
  ...namespace("python3", "sysctl"),
  fn: async () => {
    await using dir = await tempDir();
    await dir.write("member.py", PY_MEMBER);
    await dir.write(
      "six.wire",
      `bind udp://[::]:45001 as v reuseaddr join ff05::1234 iface v0
bind udp://[::]:0 as s ttl 2
send s "six" to [ff05::1234]:45001
expect v "six" within 5s
print "groups=\${v.options.groups}"
`,
    );
    const out = await inNamespace(
      `cd "${dir.path}"\n${scenario("ff05::1234 45001 six", "six.wire")}`,
    );
    if (out.code === 77) return;
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
    assertStringIncludes(stdout, 'groups=["ff05::1234"]');
    assertEquals(stdout.split("--- member\n")[1]!.trim().split("\n"), ["ready", "six ttl=2"]);
  },
});

Deno.test({
  name: "wireplay udp listen --join / udp send --ttl --broadcast, in a namespace",
  ...namespace("sysctl"),
  fn: async () => {
    await using dir = await tempDir();
    const cli = `timeout -k 5 40 "${Deno.execPath()}" run -A --quiet "${CLI}"`;
    const out = await inNamespace([
      `cd "${dir.path}"`,
      VETH_LAN,
      `${cli} udp listen 0.0.0.0:45002 --join 239.1.2.4 --count 2 --timeout 10s > got.txt 2> listen.err &`,
      "give_up=$(( $(date +%s) + 10 ))",
      "until grep -q listening listen.err; do",
      '  if [ "$(date +%s)" -ge "$give_up" ]; then cat listen.err >&2; exit 3; fi',
      "  sleep 0.02",
      "done",
      `${cli} udp send 10.9.0.255:45002 refused; echo "no-broadcast rc=$?"`,
      `${cli} udp send 239.1.2.4:45002 'to the group' --ttl 2 || exit 4`,
      `${cli} udp send 10.9.0.255:45002 everyone --broadcast || exit 5`,
      "wait $! || exit 6",
      "cat got.txt",
    ].join("\n"));
    if (out.code === 77) return;
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stdout + stderr);
    assertStringIncludes(stdout, "no-broadcast rc=2");
    assertStringIncludes(stderr, "10.9.0.255 is a broadcast address");
    const lines = stdout.trim().split("\n").slice(1);
    assertEquals(lines.map((l) => l.replace(/^10\.9\.0\.1:\d+ {2}/, "")), [
      "to the group",
      "everyone",
    ]);
  },
});

Deno.test("join/leave name their mistakes: not a group, not joined, not a UDP socket", async () => {
  const notGroup = await runWire("bind udp://127.0.0.1:0 as u\njoin u 10.0.0.1\n");
  assertStringIncludes(
    notGroup.failure!.message,
    "cannot join 10.0.0.1: 10.0.0.1 is not a multicast group address",
  );
  const notJoined = await runWire("bind udp://127.0.0.1:0 as u\nleave u 239.1.2.3\n");
  assertStringIncludes(
    notJoined.failure!.message,
    'cannot leave 239.1.2.3: "u" has not joined 239.1.2.3',
  );
  const tcp = await runWire("listen tcp://127.0.0.1:0 as l\njoin l 239.1.2.3\n");
  assertStringIncludes(tcp.failure!.message, '"l" is a tcp listener, not a UDP socket (bind)');
  const v6 = await runWire("bind udp://[::1]:0 as u\njoin u ff05::1 iface no-such-if0\n");
  assertStringIncludes(v6.failure!.message, 'no IPv6 interface "no-such-if0"');
});
