/**
 * What `:save` writes in the harder cases: a failed statement (it consumes nothing), `:record off`, `:load`, a banner that
 * arrives on connect, a user expect that consumed only part of an answer.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { ReplCore } from "../../lib/repl/repl_core.ts";
import { runScriptFile } from "../../lib/run/interpreter.ts";
import { tempDir } from "../helpers/mod.ts";

function capture() {
  const lines: string[] = [];
  return { lines, out: (t: string) => lines.push(t), err: (t: string) => lines.push(`ERR ${t}`) };
}

/** Waits until `channel` has `n` unread bytes (on its data events). */
function unread(core: ReplCore, channel: string, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if ((core.session.resources.get(channel)?.stream?.buffer.length ?? 0) >= n) {
        off();
        clearTimeout(timer);
        resolve();
      }
    };
    const off = core.session.events.on(check);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`fewer than ${n} bytes on ${channel}`));
    }, 10_000);
    check();
  });
}

async function session(lines: (string | ((core: ReplCore) => Promise<void>))[]) {
  const out = capture();
  const core = new ReplCore(out);
  const outcomes: string[] = [];
  try {
    for (const l of lines) {
      if (typeof l === "function") await l(core);
      else outcomes.push(await core.feed(l));
    }
  } finally {
    await core.close();
  }
  return { outcomes, out: out.lines };
}

Deno.test("a failed expect consumes nothing: the line it looked at is still there, and saved", async () => {
  await using dir = await tempDir();
  const file = dir.join("s.wire");
  const { outcomes } = await session([
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    'send c "first\\nsecond\\n"',
    (core) => unread(core, "c", 13),
    'expect c line "frist"', // fails, and leaves "first\n" unread
    'expect c line "first"',
    'expect c line "second"',
    `:save ${file}`,
  ]);
  assertEquals(outcomes, ["ok", "ok", "ok", "failed", "ok", "ok", "ok"]);
  const script = await Deno.readTextFile(file);
  assertStringIncludes(
    script,
    'send c "first\\nsecond\\n"\nexpect c line "first"\nexpect c line "second"\n',
  );
  assert(!script.includes("frist"));
  assert((await runScriptFile(file)).ok);
});

Deno.test(":record off leaves statements and the answers they provoked out; :load runs a file in", async () => {
  await using dir = await tempDir();
  const file = dir.join("s.wire");
  const setup = await dir.write(
    "setup.wire",
    "serve echo tcp://127.0.0.1:0 as e\nconnect tcp://127.0.0.1:${e.port} as c # a comment\n",
  );
  const { outcomes, out } = await session([
    `:load ${setup}`,
    'send c "kept\\n"',
    (core) => unread(core, "c", 5),
    ":record off",
    'send c "dropped\\n"',
    'expect c "kept\\ndropped\\n"',
    ":record on",
    'send c "again\\n"',
    (core) => unread(core, "c", 6),
    `:save ${file}`,
  ]);
  assertEquals(outcomes.filter((o) => o !== "ok"), []);
  assertStringIncludes(out.join("\n"), `loaded 2 statements from ${setup}`);
  const script = await Deno.readTextFile(file);
  assertEquals(
    script.split("\n").filter((l) => !l.startsWith("#")),
    [
      "serve echo tcp://127.0.0.1:0 as e",
      "connect tcp://127.0.0.1:${e.port} as c # a comment",
      'send c "kept\\n"',
      'expect c "kept\\n"',
      'send c "again\\n"',
      'expect c "again\\n"',
      "",
    ],
  );
  assert((await runScriptFile(file)).ok);
});

Deno.test(":load stops at the first failure and names the file and line", async () => {
  await using dir = await tempDir();
  const bad = await dir.write("bad.wire", 'print "one"\nassert "a" == "b"\nprint "three"\n');
  const { outcomes, out } = await session([`:load ${bad}`]);
  assertEquals(outcomes, ["failed"]);
  const text = out.join("\n");
  assertStringIncludes(text, "one");
  assertStringIncludes(text, `:load stopped at ${bad}:2`);
  assert(!text.includes("three"));
});

Deno.test("a banner on connect and the rest of a partly expected answer", async () => {
  await using dir = await tempDir();
  const file = dir.join("s.wire");
  const { outcomes } = await session([
    "listen tcp://127.0.0.1:0 as srv",
    "connect tcp://127.0.0.1:${srv.port} as c",
    "accept srv as p",
    'send p "220 hello\\r\\n"',
    (core) => unread(core, "c", 11),
    'expect c "220 "',
    'send c "QUIT\\r\\n"',
    (core) => unread(core, "p", 6),
    "close c",
    `:save ${file}`,
  ]);
  assertEquals(outcomes.filter((o) => o !== "ok"), []);
  const script = await Deno.readTextFile(file);
  assertStringIncludes(
    script,
    [
      'send p "220 hello\\r\\n"',
      'expect c "220 "',
      'expect c "hello\\r\\n"',
      'send c "QUIT\\r\\n"',
      'expect p "QUIT\\r\\n"',
      "close c",
    ].join("\n"),
  );
  assert((await runScriptFile(file)).ok);
});
