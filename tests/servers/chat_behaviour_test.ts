import { assert, assertEquals, assertGreaterOrEqual, assertStringIncludes } from "@std/assert";
import { startChatServer } from "../../lib/servers/chat/server.ts";
import { ChatTestClient } from "./_chat_client.ts";
import { needs } from "../helpers/peers.ts";
import { outputOf, within } from "../helpers/process.ts";

const tcp = "tcp://127.0.0.1:0";
const portOf = (s: { addr: Deno.Addr }) => (s.addr as Deno.NetAddr).port;

async function joined(c: ChatTestClient, nick: string, room?: string): Promise<void> {
  await c.send(`/nick ${nick}\n`);
  await c.waitFor((l) => l.endsWith(` is now known as ${nick}`));
  if (room) {
    await c.send(`/join ${room}\n`);
    await c.waitFor(`*** ${nick} joined ${room}`);
  }
}

Deno.test("chat: nick, say, /me, /msg, /who, /join, /quit with notices", async () => {
  await using server = await startChatServer({ address: tcp });
  await using a = await ChatTestClient.connect(portOf(server));
  await using b = await ChatTestClient.connect(portOf(server));
  await a.waitFor((l) => l.startsWith("*** you are guest"));
  await joined(a, "alice");
  await joined(b, "bob");
  await a.waitFor((l) => l.endsWith("is now known as bob"));

  await a.send("hello bob\n/me waves\n/msg bob psst\n/who\n");
  assertEquals(await b.waitFor((l) => l.startsWith("<alice>")), "<alice> hello bob");
  await b.waitFor("* alice waves");
  await b.waitFor("*alice* psst");
  await a.waitFor("-> *bob* psst");
  await a.waitFor("*** #lobby (2): alice, bob");
  assert(!a.lines.includes("<alice> hello bob"), "no echo of one's own message");

  await b.send("/nick ALICE\n/msg nobody x\n/frobnicate\n/join bad room!\n");
  await b.waitFor("! nickname ALICE is taken");
  await b.waitFor("! no such nick: nobody");
  await b.waitFor("! unknown command /frobnicate (try /help)");
  await b.waitFor((l) => l.startsWith("! ") && l.includes("not a valid room name"));

  await b.send("/join #side\n");
  await a.waitFor("*** bob left #lobby (joined #side)");
  await b.waitFor("*** bob joined #side");
  await a.send("only lobby hears this\n");
  await b.send("/who\n/rooms\n//slash text\n");
  await b.waitFor("*** #side (1): bob");
  await b.waitFor("*** #lobby (1)");
  await b.send("/msg alice still private across rooms\n");
  await a.waitFor("*bob* still private across rooms");
  assert(!b.lines.some((l) => l.includes("only lobby hears this")), "rooms are separate");

  await a.send("/join #side\n");
  await b.waitFor("*** alice joined #side");
  await b.send("//slash text\n");
  assertEquals(await a.waitFor((l) => l.includes("slash")), "<bob> /slash text");

  await b.send("/quit see you\n");
  await b.waitFor("*** bye");
  await b.ended();
  await a.waitFor("*** bob left #side (quit: see you)");
  assertEquals(server.clients, 1);
});

Deno.test("chat: oversized lines, invalid UTF-8 and terminal escapes are handled, the server keeps serving", async () => {
  await using server = await startChatServer({ address: tcp, maxLineBytes: 100 });
  await using a = await ChatTestClient.connect(portOf(server));
  await using b = await ChatTestClient.connect(portOf(server));
  await joined(a, "a");
  await joined(b, "b");
  await a.send("x".repeat(5000) + "\nafter long\n");
  await a.waitFor("! line too long (limit 100 bytes), ignored");
  assertEquals(await b.waitFor((l) => l.startsWith("<a>")), "<a> after long");
  await a.conn.write(new Uint8Array([0xff, 0xfe, 0x41, 0x0a, 0x68, 0x69, 0x0a]));
  await a.waitFor("! line is not valid UTF-8, ignored");
  await b.waitFor("<a> hi");
  await a.send("red \x1b[31malert\x07 bell\r\n");
  assertEquals(await b.waitFor((l) => l.includes("alert")), "<a> red \uFFFD[31malert\uFFFD bell");
  assert(!b.lines.some((l) => l.includes("x".repeat(101))), "the long line was not relayed");
  // raw binary junk from a third client: dropped or ignored, the others carry on
  {
    const junk = await Deno.connect({ hostname: "127.0.0.1", port: portOf(server) });
    const bytes = new Uint8Array(64 * 1024);
    crypto.getRandomValues(bytes);
    await junk.write(bytes).catch(() => {});
    junk.close();
  }
  await a.send("still here\n");
  await b.waitFor("<a> still here");
});

Deno.test("chat: the rate limit holds a flooder back without losing its lines", async () => {
  await using server = await startChatServer({ address: tcp, ratePerSecond: 20, burst: 5 });
  await using a = await ChatTestClient.connect(portOf(server));
  await using b = await ChatTestClient.connect(portOf(server));
  await joined(a, "fast");
  await joined(b, "reader");
  const t0 = performance.now();
  await a.send(Array.from({ length: 15 }, (_, i) => `f${i}\n`).join(""));
  await b.waitFor("<fast> f14");
  const took = performance.now() - t0;
  // 5 in the burst, 10 more at 20/s: about 500 ms
  assertGreaterOrEqual(took, 400);
  assertEquals(
    b.lines.filter((l) => l.startsWith("<fast>")),
    Array.from({ length: 15 }, (_, i) => `<fast> f${i}`),
  );
});

Deno.test("chat: a full server says so and closes, others are unaffected", async () => {
  await using server = await startChatServer({ address: tcp, maxClients: 1 });
  await using a = await ChatTestClient.connect(portOf(server));
  await a.waitFor((l) => l.startsWith("*** you are"));
  await using b = await ChatTestClient.connect(portOf(server));
  await b.waitFor("! server full, try later");
  await b.ended();
  await a.send("/who\n");
  await a.waitFor((l) => l.startsWith("*** #lobby (1)"));
});

Deno.test("chat: over TLS with the server's self-signed certificate", async () => {
  await using server = await startChatServer({ address: "tls://127.0.0.1:0" });
  assert(server.address.startsWith("tls://127.0.0.1:"));
  const ca = [server.certPem!];
  await using a = await ChatTestClient.connect(portOf(server), { tls: ca, hostname: "localhost" });
  await using b = await ChatTestClient.connect(portOf(server), { tls: ca });
  await joined(a, "a");
  await joined(b, "b");
  await a.send("secret hello\n");
  await b.waitFor("<a> secret hello");
});

Deno.test("chat: closing the server (or aborting its signal) says goodbye and closes every client", async () => {
  const ac = new AbortController();
  const server = await startChatServer({ address: tcp, signal: ac.signal });
  const a = await ChatTestClient.connect(portOf(server));
  const stuck = await ChatTestClient.connect(portOf(server), { reading: false });
  await a.waitFor((l) => l.startsWith("*** you are"));
  ac.abort();
  await server.finished;
  await a.waitFor("*** server shutting down");
  await a.ended();
  await a.close();
  await stuck.close();
  await Deno.connect({ hostname: "127.0.0.1", port: portOf(server) }).then(
    (c) => (c.close(), assert(false, "still listening")),
    () => {},
  );
});

Deno.test({
  name: "chat: nc is a comfortable client",
  ...needs("nc"),
  fn: async () => {
    await using server = await startChatServer({ address: tcp });
    await using me = await ChatTestClient.connect(portOf(server));
    await joined(me, "deno");
    const nc = new Deno.Command("nc", {
      args: ["-N", "127.0.0.1", String(portOf(server))],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = nc.stdin.getWriter();
    const enc = new TextEncoder();
    await w.write(enc.encode("/nick netcat\n"));
    await me.waitFor("*** guest2 is now known as netcat");
    await w.write(enc.encode("hello from nc\n"));
    await me.waitFor("<netcat> hello from nc");
    await me.send("hi nc\n");
    await w.write(enc.encode("/who\n"));
    await w.close(); // nc -N shuts down its sending side; the server says goodbye
    const ended = await outputOf(nc, "nc after its input ended", 15_000);
    assert(ended.signal === null, "nc did not exit within 15 s of its input ending");
    const out = new TextDecoder().decode(ended.stdout);
    await me.waitFor((l) => l.startsWith("*** netcat left #lobby"));
    assertStringIncludes(out, "*** you are guest2 in #lobby");
    assertStringIncludes(out, "<deno> hi nc");
    assertStringIncludes(out, "*** #lobby (2): deno, netcat");
  },
});

Deno.test("chat: over IPv6 loopback and a Unix socket", async () => {
  {
    await using server = await startChatServer({ address: "tcp://[::1]:0" });
    assert(server.address.startsWith("tcp://[::1]:"));
    await using a = await ChatTestClient.connect(portOf(server), { hostname: "::1" });
    await using b = await ChatTestClient.connect(portOf(server), { hostname: "::1" });
    await joined(a, "six");
    await b.waitFor((l) => l.endsWith("is now known as six"));
    await a.send("over v6\n");
    await b.waitFor("<six> over v6");
  }
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chat.sock`;
    await using server = await startChatServer({ address: `unix://${path}` });
    assertEquals(server.address, `unix://${path}`);
    await using a = new ChatTestClient(await Deno.connect({ transport: "unix", path }));
    await using b = new ChatTestClient(await Deno.connect({ transport: "unix", path }));
    await joined(a, "local");
    await a.send("over a socket file\n");
    await b.waitFor("<local> over a socket file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat: a plain-TCP client on a TLS server never joins the room", async () => {
  const lines: string[] = [];
  await using server = await startChatServer({
    address: "tls://127.0.0.1:0",
    log: (l) => lines.push(l),
  });
  await using a = await ChatTestClient.connect(portOf(server), { tls: [server.certPem!] });
  await joined(a, "a");
  const plain = await Deno.connect({ hostname: "127.0.0.1", port: portOf(server) });
  await plain.write(new TextEncoder().encode("hello, not TLS\n"));
  // the server ends the connection: read until EOF or an error
  await within(
    plain.read(new Uint8Array(1024)).catch(() => null),
    10_000,
    "the server to end a plain-text connection to its TLS port",
  );
  plain.close();
  await a.send("/who\n");
  await a.waitFor("*** #lobby (1): a");
  assert(
    !a.lines.some((l) => l.includes("guest2")),
    "no join or leave notice for the failed client",
  );
});

Deno.test("chat: bidi overrides and line separators are neutralised; look-alike nicknames are refused", async () => {
  await using server = await startChatServer({ address: tcp });
  await using a = await ChatTestClient.connect(portOf(server));
  await using b = await ChatTestClient.connect(portOf(server));
  await joined(a, "coco");
  await b.waitFor((l) => l.endsWith("is now known as coco"));
  await a.send("pay \u202efdp.exe now\u2028fake line \u2066x\u2069 \u009b2J\n");
  const seen = await b.waitFor((l) => l.startsWith("<coco>"));
  assertEquals(seen, "<coco> pay \uFFFDfdp.exe now\uFFFDfake line \uFFFDx\uFFFD \uFFFD2J");
  // Cyrillic "сосо" and "С0С0" look like "coco"; Latin mixed with Cyrillic is refused outright
  await b.send("/nick \u0441\u043e\u0441\u043e\n/nick C0C0\n/nick p\u0430ypal\n/nick \uff43oco\n");
  await b.waitFor("! nickname \u0441\u043e\u0441\u043e is taken (it looks like coco)");
  await b.waitFor("! nickname C0C0 is taken (it looks like coco)");
  await b.waitFor((l) => l.startsWith('! "p\u0430ypal" is not a valid nickname'));
  await b.waitFor((l) => l.startsWith('! "\uff43oco" is not a valid nickname'));
  await joined(b, "Zoë");
});
