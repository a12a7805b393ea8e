/**
 * `:save` from a session typed on a real terminal (tmux), then `wireplay run` on the saved
 * file (issue 14, defects 5, 6 and 8): ports generalised wherever they appear, relative
 * `file "…"` paths rewritten to resolve from the saved file, and HTTP responses pinned so
 * the saved test fails once the service changes.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { REPO_ROOT, runCli, tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal, type Terminal } from "./_tmux.ts";

const REPL = `deno run -A --quiet ${REPO_ROOT}/cli.ts repl --no-history`;

async function enter(term: Terminal, line: string): Promise<void> {
  await term.type(line);
  await term.keys("Enter");
}

/** Waits for `re` on the screen and returns its first group. */
async function captured(term: Terminal, re: RegExp): Promise<string> {
  return re.exec(await term.waitFor(re))![1]!;
}

/** `:save FILE` typed at the prompt, then `:quit`; waits for both to be done. */
async function saveAndQuit(term: Terminal, file: string): Promise<void> {
  await enter(term, `:save ${file}`);
  await term.waitFor(`to ${file}`);
  await enter(term, ":quit");
  await term.waitFor("[exited 0]");
}

Deno.test({
  name: "repl on a pty: :save writes ports symbolically wherever they appear, and the file replays",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    const saved = dir.join("ports.wire");
    {
      await using term = await startTerminal(REPL);
      await term.waitFor("wireplay> ");
      await enter(term, "listen tcp://127.0.0.1:0 as l");
      const port = await captured(term, /^l: tcp listener on tcp:\/\/127\.0\.0\.1:(\d+)$/m);
      // typed as a user copies it from the screen
      await enter(term, `connect tcp://127.0.0.1:${port} as c`);
      const local = await captured(term, /^c: connected tcp:\/\/127\.0\.0\.1:(\d+) ->/m);
      await enter(term, "accept l as s");
      await term.waitFor(/^s: connected/m);
      // the port through a variable: the data received holds the number
      await enter(term, 'send s "port is ${l.port}, port=${l.port}\\r\\n"');
      await term.waitFor(`c < port is ${port}, port=${port}\\r\\n`);
      // the numbers typed literally, the connection's own port among them
      await enter(term, `send s "listening on ${port}; you are ${local}\\r\\n"`);
      await term.waitFor(`c < listening on ${port}; you are ${local}\\r\\n`);
      await saveAndQuit(term, saved);
    }
    const script = await Deno.readTextFile(saved);
    for (
      const line of [
        "connect tcp://127.0.0.1:${l.port} as c",
        'send s "port is ${l.port}, port=${l.port}\\r\\n"',
        'expect c "port is ${l.port}, port=${l.port}\\r\\n"',
        'send s "listening on ${l.port}; you are ${c.port}\\r\\n"',
        'expect c "listening on ${l.port}; you are ${c.port}\\r\\n"',
      ]
    ) assertStringIncludes(script, line + "\n", script);
    // new ports on every run: the replay passes only if every occurrence is symbolic
    for (let i = 0; i < 2; i++) {
      const run = await runCli(["run", saved]);
      assertEquals(run.code, 0, `replay ${i + 1}:\n${script}\n${run.stdout}${run.stderr}`);
    }
  },
});

Deno.test({
  name: "repl on a pty: :save rewrites relative file paths to resolve from the saved file",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    await Deno.mkdir(dir.join("data"));
    await Deno.mkdir(dir.join("tests", "deeper"), { recursive: true });
    await Deno.writeTextFile(dir.join("data", "greeting.txt"), "from a file\n");
    {
      // the REPL works in `dir`: paths are typed relative to it
      await using term = await startTerminal(`cd ${dir.path} && ${REPL}`);
      await term.waitFor("wireplay> ");
      await enter(term, "serve echo tcp://127.0.0.1:0 as e");
      await term.waitFor(/^e: echo server on/m);
      await enter(term, "connect tcp://127.0.0.1:${e.port} as c");
      await term.waitFor(/^c: connected/m);
      await enter(term, 'send c file "data/greeting.txt"');
      await term.waitFor("c < from a file\\n");
      await saveAndQuit(term, "tests/deeper/files.wire");
    }
    const saved = dir.join("tests", "deeper", "files.wire");
    const script = await Deno.readTextFile(saved);
    assertStringIncludes(script, 'send c file "../../data/greeting.txt"\n', script);
    assertStringIncludes(script, 'expect c "from a file\\n"\n', script);
    // run from another folder: the path resolves from the script's folder
    const run = await runCli(["run", saved], { cwd: REPO_ROOT });
    assertEquals(run.code, 0, `${script}\n${run.stdout}${run.stderr}`);
  },
});

Deno.test({
  name:
    "repl on a pty: :save pins an HTTP service's status, content type and JSON fields; the replay fails once it changes",
  ...needs("tmux"),
  async fn() {
    // the service under test: its answers change when the test says so
    const state = { name: "alice", helloStatus: 200 };
    await using service = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/user") return Response.json({ name: state.name, id: 7, admin: false });
        if (path === "/hello") return new Response("hi there", { status: state.helloStatus });
        return new Response("not found", { status: 404 });
      },
    );
    const base = `http://127.0.0.1:${service.addr.port}`;
    await using dir = await tempDir();
    const saved = dir.join("http.wire");
    {
      await using term = await startTerminal(REPL);
      await term.waitFor("wireplay> ");
      await enter(term, `http GET ${base}/user`);
      await term.waitFor('"name": "alice"');
      await enter(term, `http GET ${base}/hello`);
      await term.waitFor(/^hi there$/m);
      await saveAndQuit(term, saved);
    }
    const script = await Deno.readTextFile(saved);
    assertStringIncludes(
      script,
      [
        `http GET ${base}/user`,
        "expect status 200",
        'expect header content-type "application/json"',
        'expect json $.name == "alice"',
        "expect json $.id == 7",
        "expect json $.admin == false",
        `http GET ${base}/hello`,
        "expect status 200",
        'expect header content-type "text/plain;charset=UTF-8"',
        'expect body "hi there"',
      ].join("\n"),
      script,
    );
    const pass = await runCli(["run", saved]);
    assertEquals(pass.code, 0, `${script}\n${pass.stdout}${pass.stderr}`);

    // a JSON field changes: the replay fails and names it
    state.name = "bob";
    const renamed = await runCli(["run", saved]);
    assertEquals(renamed.code, 1, renamed.stdout + renamed.stderr);
    assertMatch(renamed.stdout + renamed.stderr, /\$\.name/);
    assertStringIncludes(renamed.stdout + renamed.stderr, "bob");

    // the status changes: the replay fails and names it
    state.name = "alice";
    state.helloStatus = 503;
    const broken = await runCli(["run", saved]);
    assertEquals(broken.code, 1, broken.stdout + broken.stderr);
    assertStringIncludes(broken.stdout + broken.stderr, "503");
  },
});
