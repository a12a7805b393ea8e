import { assertEquals, assertMatch } from "@std/assert";
import { ChatTestClient } from "./_chat_client.ts";
import { killTree, output, statusOf, within } from "../helpers/process.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** `serve chat ARGS` as a subprocess; every wait on it is bounded, and dispose stops it. */
function serve(...args: string[]) {
  const what = `serve chat ${args.join(" ")}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "chat", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const err = new Response(child.stderr).text();
  let text = "";
  let stopped: Promise<{ status: Deno.CommandStatus; err: string }> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGINT");
      } catch { /* exited */ }
      const drained = (async () => {
        while (!(await out.read()).done) { /* drain */ }
      })();
      const status = await statusOf(child, `${what} after SIGINT`, 10_000);
      await within(drained, 2_000, `${what}: the end of its stdout`, () => out.cancel());
      return { status, err: await within(err, 2_000, `${what}: the end of its stderr`) };
    })();
  return {
    child,
    async line(): Promise<string> {
      while (!text.includes("\n")) {
        const { value, done } = await within(
          out.read(),
          20_000,
          `${what}: a line on its stdout (got ${JSON.stringify(text)})`,
          () => killTree(child),
        );
        if (done) throw new Error(`serve chat ended: ${await err}`);
        text += value;
      }
      const nl = text.indexOf("\n");
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      return line;
    },
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

Deno.test("cli: serve chat over TCP, --json announces the address, SIGINT says goodbye", async () => {
  await using s = serve("tcp://127.0.0.1:0", "--json", "--log", "--welcome", "hello there");
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
  await using s = serve("tls://127.0.0.1:0");
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
  const r = await output(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "chat", "tcp://127.0.0.1:0", "--rate", "fast"],
  });
  assertEquals(r.code, 2);
  assertEquals(
    new TextDecoder().decode(r.stderr),
    'wireplay: rate: "fast" is not a positive number\n',
  );
});
