/**
 * `--pcap`: the exchanges as pcapng, read back with tshark: the bytes each way exactly,
 * sequence numbers tshark finds nothing wrong with, real addresses, HTTP and RESP
 * dissected.
 */
import { assert, assertEquals } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { startRedis } from "../helpers/peer.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";
import { freePort, startCli } from "../proxy/_helpers.ts";

const dec = new TextDecoder();

async function tshark(args: string[]): Promise<string> {
  const r = await output("tshark", { args, deadlineMs: 60_000 });
  assertEquals(r.code, 0, dec.decode(r.stderr));
  return dec.decode(r.stdout);
}

/** `tshark -qz follow,tcp,raw,N`: the bytes from the client and from the server, hex. */
async function follow(
  file: string,
  stream: number,
): Promise<{ client: string; server: string; nodes: string[] }> {
  const text = await tshark(["-r", file, "-qz", `follow,tcp,raw,${stream}`]);
  let client = "", server = "";
  const nodes: string[] = [];
  for (const line of text.split("\n")) {
    const node = /^Node \d: (.*)$/.exec(line);
    if (node) nodes.push(node[1]!);
    else if (/^\t[0-9a-f]+$/.test(line)) server += line.trim();
    else if (/^[0-9a-f]+$/.test(line)) client += line;
  }
  return { client, server, nodes };
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test({
  name:
    "run --pcap: tshark follows the exact bytes each way, with real addresses and no TCP anomaly",
  ...needs("tshark"),
  async fn() {
    await using dir = await tempDir();
    const big = new Uint8Array(5000).map((_, i) => (i * 7919) & 0xff);
    await Deno.writeFile(dir.join("big.bin"), big);
    await dir.write(
      "talk.wire",
      `serve echo tcp://127.0.0.1:0 as s
connect \${s.address} as c
send c "hello\\r\\n"
expect c line "hello"
send c file "big.bin"
expect c bytes 5000
print "tcp \${c.local} \${c.remote}"
close c
serve echo udp://127.0.0.1:0 as e
connect \${e.address} as u
send u "ping"
expect u "ping"
print "udp \${u.local}"
`,
    );
    const r = await runCli(["run", "talk.wire", "--pcap", "talk.pcapng"], { cwd: dir.path });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const file = dir.join("talk.pcapng");
    const sent = hex(new TextEncoder().encode("hello\r\n")) + hex(big);
    const f = await follow(file, 0);
    assertEquals(f.client, sent);
    assertEquals(f.server, sent);
    const [, local, remote] = /tcp tcp:\/\/(\S+) tcp:\/\/(\S+)/.exec(r.stdout)!;
    assertEquals(f.nodes, [local, remote]);
    // handshake, FINs, and nothing tshark's TCP analysis flags (lost segments, bad acks…)
    const flags = await tshark(["-r", file, "-Y", "tcp", "-T", "fields", "-e", "tcp.flags.str"]);
    const lines = flags.trim().split("\n");
    assertEquals(lines.slice(0, 3).map((l) => l.replace(/·/g, "").trim()), ["S", "AS", "A"]);
    assertEquals(lines.filter((l) => l.includes("F")).length, 2);
    assertEquals(await tshark(["-r", file, "-Y", "tcp.analysis.flags"]), "");
    assertEquals(
      await tshark(["-r", file, "-Y", "_ws.malformed || _ws.expert.severity >= warning"]),
      "",
    );
    const udp = await tshark([
      "-r",
      file,
      "-Y",
      "udp",
      "-T",
      "fields",
      "-e",
      "ip.src",
      "-e",
      "udp.srcport",
      "-e",
      "data.data",
    ]);
    const [, uHost, uPort] = /udp udp:\/\/([\d.]+):(\d+)/.exec(r.stdout)!;
    const rows = udp.trim().split("\n").map((l) => l.split("\t"));
    assertEquals(rows.length, 2);
    assertEquals(rows[0], [uHost, uPort, "70696e67"]);
    assertEquals(rows[1]![2], "70696e67");
    // real times: within this run
    const times = await tshark(["-r", file, "-T", "fields", "-e", "frame.time_epoch"]);
    for (const t of times.trim().split("\n")) {
      assert(Math.abs(Number(t) * 1000 - Date.now()) < 120_000, `time ${t}`);
    }
  },
});

Deno.test({
  name: "test --pcap DIR: one capture per test; an HTTP exchange is dissected as HTTP",
  ...needs("tshark"),
  async fn() {
    await using dir = await tempDir();
    await dir.write(
      "web/get.wire",
      `serve http http://127.0.0.1:0 as web
connect tcp://127.0.0.1:\${web.port} as h
send h "GET /status/201 HTTP/1.1\\r\\nHost: example\\r\\nConnection: close\\r\\n\\r\\n"
expect h /HTTP\\/1.1 201/
print "port \${web.port}"
`,
    );
    await dir.write("plain.wire", "assert 1 == 1\n");
    const r = await runCli(["test", ".", "--pcap", "caps", "--reporter", "json"], {
      cwd: dir.path,
    });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const names = [];
    for await (const e of Deno.readDir(dir.join("caps"))) names.push(e.name);
    assertEquals(names.sort(), ["plain.pcapng", "web_get.pcapng"]);
    const port = /port (\d+)/.exec(r.stdout)![1];
    const fields = await tshark([
      "-r",
      dir.join("caps/web_get.pcapng"),
      "-d",
      `tcp.port==${port},http`,
      "-Y",
      "http",
      "-T",
      "fields",
      "-e",
      "http.request.method",
      "-e",
      "http.request.uri",
      "-e",
      "http.response.code",
    ]);
    assertEquals(fields.trim().split("\n").map((l) => l.split("\t").filter(Boolean)), [[
      "GET",
      "/status/201",
    ], ["201"]]);
  },
});

Deno.test({
  name: "run --pcap against redis-server: tshark dissects the exchange as RESP",
  ...needs("redis-server", "tshark"),
  async fn() {
    await using _redis = await startRedis();
    const port = _redis.port;
    await using dir = await tempDir();
    await dir.write(
      "redis.wire",
      `connect tcp://127.0.0.1:${port} as r
send r "*3\\r\\n$3\\r\\nSET\\r\\n$5\\r\\nvisit\\r\\n$2\\r\\n42\\r\\n"
expect r line "+OK"
send r "*2\\r\\n$3\\r\\nGET\\r\\n$5\\r\\nvisit\\r\\n"
expect r "$2\\r\\n42\\r\\n"
`,
    );
    const r = await runCli(["run", "redis.wire", "--pcap", "redis.pcapng"], { cwd: dir.path });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const file = dir.join("redis.pcapng");
    const resp = await tshark([
      "-r",
      file,
      "-d",
      `tcp.port==${port},resp`,
      "-Y",
      "resp",
      "-T",
      "fields",
      "-e",
      "resp.string",
      "-e",
      "resp.bulk_string.value",
    ]);
    const rows = resp.replace(/\n$/, "").split("\n").map((l) => l.split("\t"));
    const hexOf = (s: string) => hex(new TextEncoder().encode(s));
    assertEquals(rows, [
      ["", [hexOf("SET"), hexOf("visit"), hexOf("42")].join(",")],
      ["OK", ""],
      ["", [hexOf("GET"), hexOf("visit")].join(",")],
      ["", hexOf("42")],
    ]);
  },
});

Deno.test({
  name: "record --pcap: each proxied connection from the client's address to the upstream's",
  ...needs("tshark", "curl"),
  async fn() {
    await using dir = await tempDir();
    const up = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => new Response(`you asked for ${new URL(req.url).pathname}`),
    );
    await using _up = up;
    const port = freePort();
    const rec = startCli([
      "record",
      "--listen",
      `tcp://127.0.0.1:${port}`,
      "--upstream",
      `tcp://127.0.0.1:${up.addr.port}`,
      "--out",
      dir.join("rec.wire"),
      "--pcap",
      dir.join("rec.pcapng"),
    ]);
    await rec.waitFor(/^recording /m);
    const curl = await output("curl", {
      args: ["-sS", "--max-time", "10", `http://127.0.0.1:${port}/hello`],
      deadlineMs: 20_000,
    });
    assertEquals(dec.decode(curl.stdout), "you asked for /hello");
    assertEquals(await rec.stop("SIGINT"), 0, rec.stderr());
    const file = dir.join("rec.pcapng");
    const f = await follow(file, 0);
    assertEquals(f.nodes[1], `127.0.0.1:${up.addr.port}`);
    assert(dec.decode(hexBytes(f.client)).startsWith("GET /hello HTTP/1.1\r\n"));
    assert(dec.decode(hexBytes(f.server)).endsWith("you asked for /hello"));
    const fields = await tshark([
      "-r",
      file,
      "-Y",
      "http",
      "-d",
      `tcp.port==${up.addr.port},http`,
      "-T",
      "fields",
      "-e",
      "http.request.uri",
      "-e",
      "http.response.code",
    ]);
    assertEquals(fields.trim().split("\n").map((l) => l.split("\t").filter(Boolean)), [["/hello"], [
      "200",
    ]]);
    assertEquals(await tshark(["-r", file, "-Y", "tcp.analysis.flags"]), "");
  },
});

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(h.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
}

Deno.test({
  name: "run --pcap: a --secret never reaches the capture, even cut between two sends",
  ...needs("tshark"),
  async fn() {
    await using dir = await tempDir();
    await dir.write(
      "secret.wire",
      `serve echo tcp://127.0.0.1:0 as s
connect \${s.address} as c
send c "Authorization: Bearer s3cr3t-"
send c "token-value\\r\\n"
expect c line /Bearer/
`,
    );
    const r = await runCli([
      "run",
      "secret.wire",
      "--pcap",
      "s.pcapng",
      "--secret",
      "tok=s3cr3t-token-value",
    ], { cwd: dir.path });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const raw = dec.decode(await Deno.readFile(dir.join("s.pcapng")));
    assert(!raw.includes("s3cr3t"), "no piece of the secret in the file");
    const f = await follow(dir.join("s.pcapng"), 0);
    assertEquals(dec.decode(hexBytes(f.client)), "Authorization: Bearer ***\r\n");
    assertEquals(await tshark(["-r", dir.join("s.pcapng"), "-Y", "tcp.analysis.flags"]), "");
  },
});

Deno.test("test --pcap: a folder that cannot be made is one line naming --pcap, exit 2", async () => {
  await using dir = await tempDir();
  await dir.write("a.wire", "assert 1 == 1\n");
  await dir.write("file", "not a folder");
  const r = await runCli(["test", "a.wire", "--pcap", "file/caps"], { cwd: dir.path });
  assertEquals(r.code, 2, r.stdout + r.stderr);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert(r.stderr.includes("--pcap"), r.stderr);
});

Deno.test({
  name: "run --pcap over IPv6: tshark follows the bytes between ::1 ports",
  ...needs("tshark"),
  async fn() {
    await using dir = await tempDir();
    await dir.write(
      "v6.wire",
      `serve echo tcp://[::1]:0 as s
connect \${s.address} as c
send c "over six\\n"
expect c line "over six"
`,
    );
    const r = await runCli(["run", "v6.wire", "--pcap", "v6.pcapng"], { cwd: dir.path });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const file = dir.join("v6.pcapng");
    const f = await follow(file, 0);
    assertEquals(dec.decode(hexBytes(f.client)), "over six\n");
    assertEquals(dec.decode(hexBytes(f.server)), "over six\n");
    const src = await tshark(["-r", file, "-T", "fields", "-e", "ipv6.src"]);
    assertEquals([...new Set(src.trim().split("\n"))], ["::1"]);
    assertEquals(await tshark(["-r", file, "-Y", "tcp.analysis.flags || _ws.malformed"]), "");
  },
});
