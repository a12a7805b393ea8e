// deno-lint-ignore-file no-control-regex -- the tests read colour escape sequences
/**
 * The REPL's everyday features on a real terminal (issue 14): Ctrl-R reverse search,
 * colours (and NO_COLOR), sent data shown (`:echo`), `:vars`, argument hints, address and
 * `${name.field}` completion, `:clear`, did-you-mean for meta commands, `:help` paging,
 * `:time`, `repl FILE` staying open, `:load` errors placed in the file, `ok` after an
 * HTTP expect, UDP on loopback, `~` in paths.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal, type Terminal } from "./_tmux.ts";
import { within } from "../helpers/process.ts";

const tmux = needs("tmux");
const REPL = "deno run -A --quiet cli.ts repl";

function lastLine(screen: string): string {
  return screen.split("\n").at(-1)!.trimEnd();
}

async function enter(term: Terminal, line: string): Promise<void> {
  await term.type(line);
  await term.keys("Enter");
}

const hasLine = (line: string) => (s: string) => s.split("\n").some((l) => l.trimEnd() === line);

Deno.test({
  name: "repl: Ctrl-R searches the history: narrow, older, Enter runs, Esc edits",
  ...tmux,
  async fn() {
    await using dir = await tempDir();
    const history = dir.join("history");
    await Deno.writeTextFile(
      history,
      ['print "alphabet"', 'print "beta"', 'print "alpha"', "print 1"].join("\n") + "\n",
    );
    await using term = await startTerminal(`${REPL} --history ${history}`);
    await term.waitFor("wireplay> ");
    await term.keys("C-r");
    await term.type("alp");
    await term.waitFor((s) => lastLine(s) === `(reverse-i-search)'alp': print "alpha"`);
    await term.keys("C-r");
    await term.waitFor((s) => lastLine(s) === `(reverse-i-search)'alp': print "alphabet"`);
    await term.keys("Enter");
    await term.waitFor(hasLine("alphabet"));
    await term.keys("C-r");
    await term.type("beta");
    await term.waitFor((s) => lastLine(s) === `(reverse-i-search)'beta': print "beta"`);
    await term.keys("Escape");
    await term.waitFor((s) => lastLine(s) === `wireplay> print "beta"`);
    await term.keys("End");
    await term.type(' "edited"');
    await term.keys("Enter");
    await term.waitFor(hasLine("beta edited"));
  },
});

Deno.test({
  name: "repl: colours on a terminal (prompt, sent and received tags, errors); none with NO_COLOR",
  ...tmux,
  async fn() {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    accepted.catch(() => {});
    {
      await using term = await startTerminal(`env -u NO_COLOR ${REPL} --no-history`);
      await term.waitFor("wireplay> ");
      await enter(term, `connect tcp://127.0.0.1:${listener.addr.port} as c`);
      await term.waitFor("c: connected");
      using peer = await accepted;
      await enter(term, 'send c "PING\\r\\n"');
      await term.waitFor("c > PING\\r\\n");
      await peer.write(new TextEncoder().encode("+PONG\r\n"));
      await term.waitFor("c < +PONG\\r\\n");
      await enter(term, ":nosuch");
      await term.waitFor("unknown meta command");
      const raw = await term.rawScreen();
      assertMatch(raw, /\x1b\[[0-9;]*32m[^\n]*wireplay> /, "the prompt is green");
      assertMatch(raw, /\x1b\[3\dm[^\n]*c >/, "the sent tag is coloured");
      assertMatch(raw, /\x1b\[3\dm[^\n]*c </, "the received tag is coloured");
      assertMatch(raw, /\x1b\[31m[^\n]*unknown meta command/, "errors are red");
    }
    {
      await using term = await startTerminal(`env NO_COLOR=1 ${REPL} --no-history`);
      await term.waitFor("wireplay> ");
      await enter(term, ":nosuch");
      await term.waitFor("unknown meta command");
      const raw = await term.rawScreen();
      assert(!/\x1b\[[0-9;]*m/.test(raw.replace(/\x1b\[0?m/g, "")), `no colour:\n${raw}`);
    }
  },
});

Deno.test({
  name: "repl: :echo off hides sent data; :vars lists variables and fields; :time stamps",
  ...tmux,
  async fn() {
    await using term = await startTerminal(`${REPL} --no-history`);
    await term.waitFor("wireplay> ");
    await enter(term, "serve echo tcp://127.0.0.1:0 as e");
    await term.waitFor("e: ");
    await enter(term, "connect tcp://127.0.0.1:${e.port} as c");
    await term.waitFor("c: connected");
    await enter(term, 'send c "one\\n"');
    await term.waitFor("c > one\\n");
    await term.waitFor("c < one\\n");
    await enter(term, ":echo off");
    await term.waitFor("showing sent data is off");
    await enter(term, 'send c "two\\n"');
    const after = await term.waitFor("c < two\\n");
    assert(!after.includes("c > two"), after);
    await enter(term, ":time on");
    await term.waitFor("timestamps are on");
    await enter(term, 'send c "three\\n"');
    await term.waitFor(/^\d\d:\d\d:\d\d\.\d{3} c < three\\n$/m);
    await enter(term, 'let greeting = "hi"');
    await enter(term, ":vars");
    const vars = await term.waitFor(/^e\.port = \d+$/m);
    assertMatch(vars, /^greeting = "hi"$/m);
    assertMatch(vars, /^c\.remote = "tcp:\/\/127\.0\.0\.1:\d+"$/m);
  },
});

Deno.test({
  name: "repl: argument hints dim after the cursor; address, ${name.field} and :help completion",
  ...tmux,
  async fn() {
    await using term = await startTerminal(`${REPL} --no-history`);
    await term.waitFor("wireplay> ");
    await term.type("connect ");
    // the hint is dim
    await term.waitForRaw((raw) => raw.includes("\x1b[2mADDR as NAME [ca FILE | insecure]"));
    assertEquals(lastLine(await term.screen()), "wireplay> connect", "hints are not typed text");
    await term.type("t");
    await term.keys("Tab");
    await term.waitFor(/tcp:\/\/ +tls:\/\//);
    await term.keys("C-u");
    await enter(term, "listen tcp://127.0.0.1:0 as srv");
    await term.waitFor("srv: tcp listener");
    await term.type('print "${srv.po');
    await term.keys("Tab");
    await term.waitFor((s) => lastLine(s) === 'wireplay> print "${srv.port}');
    await term.keys("C-u");
    await term.type(":help con");
    await term.keys("Tab");
    // two statements start so: both are offered, one more letter decides
    await term.waitFor(/^connect +continue$/m);
    await term.type("n");
    await term.keys("Tab");
    await term.waitFor((s) => lastLine(s) === "wireplay> :help connect");
  },
});

Deno.test({
  name: "repl: :clear, did-you-mean for meta commands, :help a page at a time",
  ...tmux,
  async fn() {
    await using term = await startTerminal(`${REPL} --no-history`, { width: 100, height: 15 });
    await term.waitFor("wireplay> ");
    await enter(term, ":sav x.wire");
    await term.waitFor('unknown meta command ":sav" (did you mean :save?)');
    await enter(term, ":clear");
    await term.waitFor((s) => !s.includes("did you mean") && lastLine(s) === "wireplay>");
    await enter(term, ":help");
    await term.waitFor((s) => lastLine(s).startsWith("-- more"));
    await term.keys("Space");
    await term.waitFor((s) => s.includes("Meta commands") || s.split("-- more").length > 1);
    await term.keys("q");
    await term.waitFor((s) => lastLine(s) === "wireplay>");
  },
});

Deno.test({
  name:
    "repl FILE runs the script, then stays open with its connections; :load errors name the file",
  ...tmux,
  async fn() {
    await using dir = await tempDir();
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    accepted.catch(() => {});
    const script = dir.join("setup.wire");
    await Deno.writeTextFile(script, "connect tcp://127.0.0.1:${port} as c\n");
    const bad = dir.join("bad.wire");
    await Deno.writeTextFile(bad, 'print "one"\nassert 1 == 2\n');
    await using term = await startTerminal(
      `env HOME=${dir.path} ${REPL} --no-history ${script} --var port=${listener.addr.port}`,
    );
    await term.waitFor("c: connected");
    await term.waitFor((s) => lastLine(s) === "wireplay>");
    using peer = await accepted;
    await enter(term, 'send c "from the repl\\n"');
    const got = new Uint8Array(64);
    const n = await within(peer.read(got), 10_000, "the line the REPL sent");
    assertEquals(new TextDecoder().decode(got.subarray(0, n ?? 0)), "from the repl\n");
    await enter(term, `:load ${bad}`);
    await term.waitFor(`${bad}:2:`);
    // ~ in a path is the home folder
    await enter(term, ":save ~/saved.wire");
    await term.waitFor(/saved \d+ statement/); // printed once the file is written
    assert((await Deno.readTextFile(dir.join("saved.wire"))).includes("connect tcp://"));
  },
});

Deno.test({
  name:
    "repl: HTTP access lines with status and duration; HTTP expects say ok; UDP to a loopback address binds loopback",
  ...tmux,
  async fn() {
    await using term = await startTerminal(`${REPL} --no-history`);
    await term.waitFor("wireplay> ");
    await enter(term, "serve http tcp://127.0.0.1:0 as h");
    await term.waitFor("h: ");
    await enter(term, "http GET http://127.0.0.1:${h.port}/get?x=1");
    // the server started in the REPL logs the request, with its status and duration
    await term.waitFor(/^h: GET \/get\?x=1 200 [\d.]+m?s from 127\.0\.0\.1:\d+$/m);
    await enter(term, "expect status 200");
    await term.waitFor((s) => lastLine(s) === "wireplay>" && hasLine("ok")(s));
    // the status logged is the one answered
    await enter(term, 'route h POST /made 201 text "new"');
    await enter(term, "http GET http://127.0.0.1:${h.port}/missing");
    await term.waitFor(/^h: GET \/missing 404 [\d.]+m?s from 127\.0\.0\.1:\d+$/m);
    await enter(term, 'http POST http://127.0.0.1:${h.port}/made body "x"');
    await term.waitFor(/^h: POST \/made 201 [\d.]+m?s from 127\.0\.0\.1:\d+$/m);
    // the duration runs to the response's head: a delayed route takes at least its delay
    await enter(term, 'route h GET /slow 202 text "late" delay 40ms');
    await enter(term, "http GET http://127.0.0.1:${h.port}/slow");
    const slow = /^h: GET \/slow 202 ([\d.]+)(m?s) from 127\.0\.0\.1:\d+$/m.exec(
      await term.waitFor(/^h: GET \/slow 202 [\d.]+m?s from/m),
    );
    assert(slow && Number(slow[1]) * (slow[2] === "s" ? 1000 : 1) >= 40, `logged ${slow?.[0]}`);
    await enter(term, "bind udp://127.0.0.1:0 as srv");
    await enter(term, "connect udp://127.0.0.1:${srv.port} as u");
    await enter(term, ":conns");
    await term.waitFor(/^u +udp +open +udp:\/\/127\.0\.0\.1:\d+/m);
  },
});

Deno.test({
  name: "repl: a server started in the REPL logs its clients, unless quiet",
  ...tmux,
  async fn() {
    await using term = await startTerminal(`${REPL} --no-history`);
    await term.waitFor("wireplay> ");
    await enter(term, "serve echo tcp://127.0.0.1:0 as loud");
    const loud = Number(
      /loud: echo server on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(
        await term.waitFor(/loud: echo server on tcp:\/\/127\.0\.0\.1:\d+/),
      )![1],
    );
    await enter(term, "serve echo tcp://127.0.0.1:0 as hush quiet");
    const hush = Number(
      /hush: echo server on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(
        await term.waitFor(/hush: echo server on tcp:\/\/127\.0\.0\.1:\d+/),
      )![1],
    );
    {
      using quiet = await Deno.connect({ hostname: "127.0.0.1", port: hush });
      using client = await Deno.connect({ hostname: "127.0.0.1", port: loud });
      const local = (client.localAddr as Deno.NetAddr).port;
      await term.waitFor(`loud: client tcp://127.0.0.1:${local} connected`);
      // the quiet server did serve its client (an echo came back), and said nothing
      await quiet.write(new TextEncoder().encode("x"));
      assertEquals(
        await within(quiet.read(new Uint8Array(1)), 10_000, "the echo server's byte"),
        1,
      );
    }
    const screen = await term.waitFor(/loud: client tcp:\/\/127\.0\.0\.1:\d+ left/);
    assert(!screen.includes("hush: client"), screen);
  },
});
