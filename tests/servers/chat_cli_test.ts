import { assertEquals, assertMatch } from "@std/assert";
import { ChatTestClient } from "./_chat_client.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

function serve(...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "chat", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const err = new Response(child.stderr).text();
  let text = "";
  return {
    child,
    async line(): Promise<string> {
      while (!text.includes("\n")) {
        const { value, done } = await out.read();
        if (done) throw new Error(`serve chat ended: ${await err}`);
        text += value;
      }
      const nl = text.indexOf("\n");
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      return line;
    },
    async stop() {
      child.kill("SIGINT");
      while (!(await out.read()).done) { /* drain */ }
      return { status: await child.status, err: await err };
    },
  };
}

Deno.test("cli: serve chat over TCP, --json announces the address, SIGINT says goodbye", async () => {
  const s = serve("tcp://127.0.0.1:0", "--json", "--log", "--welcome", "hello there");
  const info = JSON.parse(await s.line());
  assertEquals(info.kind, "chat");
  await using a = await ChatTestClient.connect(info.port);
  await using b = await ChatTestClient.connect(info.port);
  await a.waitFor("*** hello there");
  await a.send("/nick ann\n");
  await b.waitFor("*** guest1 is now known as ann");
  await a.send("hi all\n");
  await b.waitFor("<ann> hi all");
  const { status, err } = await s.stop();
  assertEquals(status.code, 0, err);
  await a.waitFor("*** server shutting down");
  await a.ended();
  assertMatch(err, /chat: 127\.0\.0\.1:\d+ connected as guest1/);
});

Deno.test("cli: serve chat over TLS with a generated certificate the client can trust", async () => {
  const s = serve("tls://127.0.0.1:0");
  const first = await s.line();
  assertMatch(first, /^serving chat on tls:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(first.split(":").pop());
  const certPath = (await s.line()).replace(/^certificate: /, "");
  const ca = await Deno.readTextFile(certPath);
  await using a = await ChatTestClient.connect(port, { tls: [ca], hostname: "localhost" });
  await a.waitFor((l) => l.startsWith("*** you are guest1"));
  const { status } = await s.stop();
  assertEquals(status.code, 0);
});

Deno.test("cli: serve chat with a bad option value is a usage error", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "chat", "tcp://127.0.0.1:0", "--rate", "fast"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 2);
  assertEquals(
    new TextDecoder().decode(r.stderr),
    'wireplay: rate: "fast" is not a positive number\n',
  );
});
