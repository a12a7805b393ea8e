/**
 * Issue 12, record modes: `replay --upstream ADDR --mode new` answers what the
 * recording holds, forwards what it has not seen and appends it, so the next run serves
 * it without the upstream; `record --mode once|new|none`.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { parseScript } from "../../lib/script/parser.ts";
import { runCli } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { freePort, startCli } from "./_helpers.ts";

async function curl(url: string): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", url],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/** An upstream answering with the path and a call counter. */
function upstream(): Deno.HttpServer<Deno.NetAddr> & { count: () => number } {
  let n = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => new Response(`${new URL(req.url).pathname} #${++n}`),
  );
  return Object.assign(server, { count: () => n });
}

async function record(file: string, upAddr: string, mode: string, paths: string[]) {
  const port = freePort();
  const rec = startCli([
    "record",
    "--listen",
    `tcp://127.0.0.1:${port}`,
    "--upstream",
    upAddr,
    "--out",
    file,
    "--mode",
    mode,
  ]);
  await rec.waitFor(/^recording /m);
  const bodies = [];
  for (const p of paths) bodies.push(await curl(`http://127.0.0.1:${port}${p}`));
  assertEquals(await rec.stop("SIGINT"), 0, rec.stderr());
  return bodies;
}

Deno.test({
  name: "replay --mode new forwards an unseen request, appends it, serves it next run",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/episodes.wire`;
    await using up = upstream();
    const upAddr = `tcp://127.0.0.1:${up.addr.port}`;
    const [a] = await record(file, upAddr, "all", ["/a"]);
    assertEquals(a, "/a #1");

    // run 1: /a from the file, /b forwarded and appended
    const port = freePort();
    const run1 = startCli([
      "replay",
      file,
      "--listen",
      `tcp://127.0.0.1:${port}`,
      "--upstream",
      upAddr,
      "--mode",
      "new",
    ]);
    await run1.waitFor(/^replaying /m);
    assertEquals(await curl(`http://127.0.0.1:${port}/a`), "/a #1");
    assertEquals(up.count(), 1);
    assertEquals(await curl(`http://127.0.0.1:${port}/b`), "/b #2");
    assertEquals(up.count(), 2);
    assertEquals(await run1.stop("SIGINT"), 0, run1.stderr());
    assertStringIncludes(run1.stdout(), "appended 1 new exchange(s)");
    const text = await Deno.readTextFile(file);
    const script = parseScript(text, file);
    assertEquals(script.statements.filter((s) => s.kind === "connect").length, 2);
    assertStringIncludes(text, "connect ${target} as c2");
    assertEquals(text.match(/^# recorded by wireplay/gm)?.length, 1);

    // run 2, the upstream gone: both served from the file, exit 0 once both were
    await up.shutdown();
    const run2 = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${port}`]);
    await run2.waitFor(/2 HTTP exchange/);
    assertEquals(await curl(`http://127.0.0.1:${port}/b`), "/b #2");
    assertEquals(await curl(`http://127.0.0.1:${port}/a`), "/a #1");
    assertEquals(await run2.status(), 0, run2.stderr());
    assertStringIncludes(run2.stdout(), "2 passed, 0 deviated");
  },
});

Deno.test({
  name: "replay --mode new into a file that does not exist yet creates the recording",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/fresh.wire`;
    await using up = upstream();
    const port = freePort();
    const run = startCli([
      "replay",
      file,
      "--listen",
      `tcp://127.0.0.1:${port}`,
      "--upstream",
      `tcp://127.0.0.1:${up.addr.port}`,
      "--mode",
      "new",
    ]);
    await run.waitFor(/^replaying /m);
    assertEquals(await curl(`http://127.0.0.1:${port}/first`), "/first #1");
    assertEquals(await run.stop("SIGTERM"), 0, run.stderr());
    const text = await Deno.readTextFile(file);
    assertStringIncludes(text, "# recorded by wireplay record");
    assertStringIncludes(text, 'send c1 "GET /first ');
    parseScript(text, file);
    const missing = await runCli([
      "replay",
      `${dir.path}/nope.wire`,
      "--listen",
      "tcp://127.0.0.1:0",
    ]);
    assertEquals(missing.code, 2);
    assertStringIncludes(missing.stderr, "nope.wire");
  },
});

Deno.test({
  name: "record --mode once refuses an existing file, new appends, none only replays, typos exit 2",
  ...needs("curl"),
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/modes.wire`;
    await using up = upstream();
    const upAddr = `tcp://127.0.0.1:${up.addr.port}`;
    await record(file, upAddr, "once", ["/one"]);
    const args = (mode: string) => [
      "record",
      "--listen",
      "tcp://127.0.0.1:0",
      "--upstream",
      upAddr,
      "--out",
      file,
      "--mode",
      mode,
    ];
    const once = await runCli(args("once"));
    assertEquals(once.code, 2);
    assertStringIncludes(once.stderr, "exists: --mode once records only a new file");
    // none: playback only — serves the recording and never forwards to the upstream
    const port = freePort();
    const calls = up.count();
    const none = startCli([
      ...args("none").slice(0, 2),
      `tcp://127.0.0.1:${port}`,
      ...args("none").slice(3),
    ]);
    await none.waitFor(/^replaying /m);
    assertEquals(await curl(`http://127.0.0.1:${port}/one`), "/one #1");
    assertEquals(up.count(), calls, "none never forwards");
    await none.stop("SIGINT");
    const typo = await runCli(args("sometimes"));
    assertEquals(typo.code, 2);
    assertStringIncludes(typo.stderr, '"sometimes" is all, once, new or none');

    await record(file, upAddr, "new", ["/two"]);
    const text = await Deno.readTextFile(file);
    parseScript(text, file);
    assertStringIncludes(text, 'send c1 "GET /one ');
    assertStringIncludes(text, 'send c2 "GET /two ');
    assertEquals(text.match(/^# recorded by wireplay/gm)?.length, 1);

    await record(file, upAddr, "all", ["/three"]);
    const replaced = await Deno.readTextFile(file);
    assertStringIncludes(replaced, 'send c1 "GET /three ');
    assertEquals(replaced.includes("/one"), false);
  },
});
