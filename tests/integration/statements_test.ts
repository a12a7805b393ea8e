import { assert, assertEquals, assertMatch } from "@std/assert";
import { tempDir } from "../helpers/temp.ts";
import { fails, passes } from "../helpers/wire.ts";

/** The stream transports, each as `listen` and `connect` address templates. */
const STREAMS = [
  { name: "tcp", listen: "tcp://127.0.0.1:0", connect: "tcp://127.0.0.1:${srv.port}", opts: "" },
  { name: "tcp ipv6", listen: "tcp://[::1]:0", connect: "tcp://[::1]:${srv.port}", opts: "" },
  {
    name: "tls with ca",
    listen: "tls://127.0.0.1:0",
    connect: "tls://127.0.0.1:${srv.port}",
    opts: "ca ${srv.cert}",
  },
  {
    name: "tls with ca and servername",
    listen: "tls://127.0.0.1:0",
    connect: "tls://127.0.0.1:${srv.port}",
    opts: "ca ${srv.cert} servername localhost",
  },
  {
    name: "tls insecure",
    listen: "tls://127.0.0.1:0",
    connect: "tls://127.0.0.1:${srv.port}",
    opts: "insecure",
  },
  { name: "unix", listen: "unix://${dir}/s.sock", connect: "unix://${dir}/s.sock", opts: "" },
];

/** One conversation that uses every stream statement and matcher in both directions. */
function conversation(t: (typeof STREAMS)[number]): string {
  return `
timeout 3s
listen ${t.listen} as srv
connect ${t.connect} as c ${t.opts}
accept srv as p within 2s
send c "hello\\r\\n"
expect p line "hello"
send p "+OK 42 ready\\r\\n"
expect c /\\+OK (\\d+) (?<word>\\w+)\\r\\n/ as m
assert "\${m.1}" == "42"
assert "\${m.word}" == "ready"
assert "\${m}" ~ /^\\+OK/
send c hex "00 01 ff fe" "tail"
expect p bytes 4 as b
expect p "tail"
send p "\${b}"
expect c hex "00 01 ff fe"
send p "line one\\nline two\\r\\n"
expect c line as l1
expect c line /^line (\\w+)$/ as l2
assert "\${l1}" == "line one"
assert "\${l2.1}" == "two"
expect c silence 50ms
shutdown c
expect p eof
send p "bye"
expect c "bye"
close p
expect c eof within 2s
close c
close srv
print "done"
`;
}

for (const t of STREAMS) {
  Deno.test(`stream statements over ${t.name}`, async () => {
    await using dir = await tempDir();
    const r = await passes(conversation(t), { vars: { dir: dir.path } });
    assertEquals(r.output, ["done"]);
    assertEquals(r.statements, 31);
  });
}

/** The built-in servers, over every transport. */
const SERVE_ADDRS = [
  ["tcp", "tcp://127.0.0.1:0", "tcp://127.0.0.1:${e.port}", ""],
  ["tls", "tls://127.0.0.1:0", "tls://localhost:${e.port}", "ca ${e.cert}"],
  ["unix", "unix://${dir}/e.sock", "unix://${dir}/e.sock", ""],
  ["udp", "udp://127.0.0.1:0", "udp://127.0.0.1:${e.port}", ""],
] as const;

for (const [name, listen, connect, opts] of SERVE_ADDRS) {
  Deno.test(`serve echo, discard and chargen over ${name}`, async () => {
    await using dir = await tempDir();
    const vars = { dir: dir.path };
    await passes(
      `serve echo ${listen} as e
connect ${connect} as c ${opts}
send c "ping \\x00\\xff"
expect c "ping \\x00\\xff" within 2s
send c "again"
expect c /ag(ai)n/ as m within 2s
assert "\${m.1}" == "ai"
close c
close e`,
      { vars },
    );
    await passes(
      `serve discard ${listen.replace("e.sock", "d.sock")} as e
connect ${connect.replace("e.sock", "d.sock")} as c ${opts}
send c "into the void"
expect c silence 100ms`,
      { vars },
    );
    const stream = name !== "udp";
    await passes(
      `serve chargen ${listen.replace("e.sock", "g.sock")} as e
connect ${connect.replace("e.sock", "g.sock")} as c ${opts}
${stream ? "" : 'send c "go"'}
expect c /^ !"#\\$%&'\\(\\)\\*\\+,-\\.\\/0123456789/ within 2s
${stream ? 'expect c /\\r\\n!"#\\$%/ within 2s' : ""}`,
      { vars },
    );
  });
}

Deno.test("udp: bind, send … to, expect with ${u.from}, connect udp://", async () => {
  const r = await passes(`
bind udp://127.0.0.1:0 as a
bind udp://127.0.0.1:0 as b
send a "ping" to 127.0.0.1:\${b.port}
expect b "ping" as d within 2s
assert "\${d.from}" == "127.0.0.1:\${a.port}"
assert "\${b.from}" == "127.0.0.1:\${a.port}"
send b "pong 7" to \${b.from}
expect a /pong (\\d)/ as r within 2s
assert "\${r.1}" == "7"
expect a silence 50ms
send a hex "00 ff 10" to 127.0.0.1:\${b.port}
expect b bytes 3 as raw within 2s
send a "two" to 127.0.0.1:\${b.port}
send a "datagrams" to 127.0.0.1:\${b.port}
expect b "two" within 2s
expect b "datagrams" within 2s
connect udp://127.0.0.1:\${b.port} as c
send c "hi"
expect b "hi" within 2s
send b "back" to \${b.from}
expect c line "back" within 2s
print \${d.from}
`);
  assertMatch(r.output[0]!, /^127\.0\.0\.1:\d+$/);
});

Deno.test("udp over IPv6", async () => {
  await passes(`
bind udp://[::1]:0 as a
serve echo udp://[::1]:0 as e
send a "six" to [::1]:\${e.port}
expect a "six" as d within 2s
assert "\${d.from}" == "[::1]:\${e.port}"
connect udp://[::1]:\${e.port} as c
send c "seven"
expect c "seven" within 2s
`);
});

Deno.test("udp: a literal must equal the whole datagram; eof does not apply", async () => {
  const f1 = await fails(`
serve echo udp://127.0.0.1:0 as e
connect udp://127.0.0.1:\${e.port} as c
send c "ping pong"
expect c "ping" within 2s
`);
  assertEquals(f1.reason, "datagram differs");
  assertEquals(f1.details.expected, 'a datagram "ping"');
  const f2 = await fails(`
bind udp://127.0.0.1:0 as u
expect u eof
`);
  assertEquals(f2.reason, "eof does not apply to UDP: datagrams have no end of stream");
  const f3 = await fails(`
bind udp://127.0.0.1:0 as u
expect u "x" within 50ms
`);
  assertMatch(f3.reason, /^no datagram: timed out after 50ms$/);
});

Deno.test("let, set, print, assert (every operator), sleep, timeout", async () => {
  const r = await passes(`
let name = "wire"
set n = 5
let raw = '\${not} interpolated'
let j = {"a": [1, 2]}
let both = "\${name}-\${n}"
print \${both} "\${raw}" \${j.a.1}
assert "\${name}" == "wire"
assert \${name} != "play"
assert "\${name}" ~ /^w/
assert "\${name}" !~ /^x/
assert "\${name}" ~ "i.e"
assert \${n} < 6
assert \${n} > 4
assert \${n} <= 5
assert \${n} >= 5
sleep 20ms
timeout 1s
print "ok"
`);
  assertEquals(r.output, ["wire-5 ${not} interpolated 2", "ok"]);
});

Deno.test("assert failures say what was expected and what the value was", async () => {
  const f = await fails(`let x = "abc"\nassert "\${x}" == "abd"`, { file: "a.wire" });
  assertEquals(f.where, "a.wire:2");
  assertEquals(f.reason, "assertion failed");
  assertEquals(f.details.expected, '== "abd"');
  assertEquals(f.details.actual, '"abc"');
  const g = await fails(`assert "abc" ~ /^b/`);
  assertEquals(g.details.expected, "~ /^b/");
  const h = await fails(`assert "abc" < 3`);
  assertEquals(h.reason, '"<" compares numbers: "abc" < "3"');
});

Deno.test("timeout sets the default wait of expect and accept", async () => {
  const started = performance.now();
  const f = await fails(`
timeout 150ms
listen tcp://127.0.0.1:0 as srv
accept srv as p
`);
  const took = performance.now() - started;
  assert(took >= 140 && took < 2000, `took ${took}ms`);
  assertMatch(f.reason, /^no connection accepted on "srv": no connection within 150ms$/);
  assertEquals(f.details.timeoutMs, 150);
});

Deno.test("file values are read relative to the script's folder", async () => {
  await using dir = await tempDir();
  await Deno.writeFile(dir.join("payload.bin"), new Uint8Array([1, 2, 3, 0xff]));
  await passes(
    `serve echo tcp://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as c
send c file "payload.bin"
expect c hex "01 02 03 ff"
send c file "payload.bin"
expect c file "payload.bin"`,
    { file: dir.join("s.wire") },
  );
  const f = await fails(`let x = file "missing.bin"`, { file: dir.join("s.wire") });
  assertMatch(f.reason, /^cannot read file ".*missing\.bin": /);
});

Deno.test("names: a second resource under an open name, an unknown name, a wrong kind", async () => {
  const f1 = await fails(`serve echo tcp://127.0.0.1:0 as e\nserve echo tcp://127.0.0.1:0 as e`);
  assertEquals(f1.reason, '"e" is already open (close it first or pick another name)');
  const f2 = await fails(`serve echo tcp://127.0.0.1:0 as e\nsend nope "x"`);
  assertEquals(f2.reason, 'nothing named "nope" is open (open: e)');
  const f3 = await fails(`listen tcp://127.0.0.1:0 as l\nexpect l "x"`);
  assertEquals(f3.reason, 'cannot expect on "l", a tcp listener');
  const f4 = await fails(`print "\${missing.port}"`);
  assertEquals(f4.reason, 'unknown variable ${missing.port}: "missing" is not set');
  const f5 = await fails(`serve echo tcp://127.0.0.1:0 as e\nprint "\${e.nope}"`);
  assertEquals(f5.reason, 'unknown variable ${e.nope}: "e" has no field "nope"');
});

Deno.test("connect errors name the address; bad addresses name the bad part", async () => {
  const f1 = await fails(`
listen tcp://127.0.0.1:0 as l
let port = \${l.port}
close l
connect tcp://127.0.0.1:\${port} as c`);
  assertMatch(f1.reason, /^Cannot connect to tcp:\/\/127\.0\.0\.1:\d+: .*refused/i);
  const f2 = await fails(`connect tpc://127.0.0.1:1 as c`);
  assertEquals(f2.reason, 'Cannot parse address "tpc://127.0.0.1:1": unknown scheme "tpc"');
  const f3 = await fails(`connect tcp://127.0.0.1:70000 as c`);
  assertEquals(f3.reason, 'Cannot parse address "tcp://127.0.0.1:70000": port 70000 out of range');
  const f4 = await fails(`bind tcp://127.0.0.1:0 as u`);
  assertEquals(f4.reason, "bind takes a udp:// address; use listen for tcp");
  const f5 = await fails(`listen udp://127.0.0.1:0 as u`);
  assertEquals(f5.reason, 'use "bind udp://127.0.0.1:0 as u" for UDP');
});

Deno.test("tls: a certificate that does not verify is refused without ca or insecure", async () => {
  const f = await fails(`
listen tls://127.0.0.1:0 as srv
connect tls://127.0.0.1:\${srv.port} as c`);
  assertMatch(f.reason, /^Cannot connect to tls:\/\/127\.0\.0\.1:\d+: /);
  assertMatch(f.reason, /certificate|UnknownIssuer|invalid peer/i);
  const g = await fails(`
serve echo tls://127.0.0.1:0 as srv
connect tls://127.0.0.1:\${srv.port} as c ca \${srv.cert} servername example.com`);
  assertMatch(g.reason, /certificate|NotValidForName|name/i);
});

Deno.test("the receive buffer limit of a connection", async () => {
  // reads never exceed the limit, so a matcher sees what fits before the overflow
  const f = await fails(`
serve chargen tcp://127.0.0.1:0 as g
connect tcp://127.0.0.1:\${g.port} as c buffer 1KiB
expect c "never arrives" within 2s`);
  assertEquals(f.reason, "received data does not match (bytes differ at offset 0)");
  const g = await fails(`
serve chargen tcp://127.0.0.1:0 as g
connect tcp://127.0.0.1:\${g.port} as c buffer 1KiB
expect c /never arrives/ within 2s`);
  assertEquals(g.details.expected, "/never arrives/");
  assertMatch(g.reason, /^receive buffer limit of 1024 bytes exceeded/);
});
