/**
 * `:save` writes scripts that replay: a port from a resource is written symbolically
 * wherever it appears in received data (not only after a `:`), and relative file paths
 * are rewritten to resolve from the saved script's folder (issue 14, defects 5 and 6).
 */
import { assert, assertStringIncludes } from "@std/assert";
import { relative } from "node:path";
import { ReplCore } from "../../lib/repl/repl_core.ts";
import { runScriptFile } from "../../lib/run/interpreter.ts";
import { tempDir } from "../helpers/mod.ts";

async function session(lines: string[]): Promise<{ core: ReplCore; out: string[] }> {
  const out: string[] = [];
  const core = new ReplCore({ out: (t) => out.push(t), err: (t) => out.push(`ERR ${t}`) });
  for (const line of lines) {
    const outcome = await core.feed(line);
    assert(outcome === "ok", `${line}: ${outcome}\n${out.join("\n")}`);
  }
  return { core, out };
}

/** Waits until the REPL has shown a line starting with `prefix` (data arrived). */
async function shown(out: string[], prefix: string, deadlineMs = 10_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!out.some((l) => l.startsWith(prefix))) {
    if (performance.now() > deadline) {
      throw new Error(`"${prefix}" never shown:\n${out.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test(":save generalises ports wherever they appear in received data", async () => {
  await using dir = await tempDir();
  const { core, out } = await session([
    "listen tcp://127.0.0.1:0 as l",
    "connect tcp://127.0.0.1:${l.port} as c",
    "accept l as s",
    'send s "port is ${l.port}, port=${l.port}, you are ${s.remotePort}\\r\\n"',
  ]);
  const saved = dir.join("ports.wire");
  try {
    await shown(out, "c < port is");
    assert(await core.save(saved), out.join("\n"));
  } finally {
    await core.close();
  }
  const text = await Deno.readTextFile(saved);
  assertStringIncludes(
    text,
    'expect c "port is ${l.port}, port=${l.port}, you are ${c.port}\\r\\n"',
  );
  const result = await runScriptFile(saved);
  assert(result.ok, `replay failed:\n${text}\n${result.failure?.message}`);
});

Deno.test(":save rewrites relative file paths to resolve from the saved script's folder", async () => {
  await using dir = await tempDir();
  const data = dir.join("data.txt");
  await Deno.writeTextFile(data, "from a file\n");
  const fromHere = relative(Deno.cwd(), data); // how a user in this folder would type it
  const { core, out } = await session([
    "serve echo tcp://127.0.0.1:0 as e",
    "connect tcp://127.0.0.1:${e.port} as c",
    `send c file "${fromHere}"`,
  ]);
  await shown(out, "c < from a file");
  const saved = dir.join("sub", "deeper", "files.wire");
  await Deno.mkdir(dir.join("sub", "deeper"), { recursive: true });
  try {
    assert(await core.save(saved), out.join("\n"));
  } finally {
    await core.close();
  }
  const text = await Deno.readTextFile(saved);
  assertStringIncludes(text, 'send c file "../../data.txt"');
  const result = await runScriptFile(saved);
  assert(result.ok, `replay failed:\n${text}\n${result.failure?.message}`);
});

Deno.test(":save pins an HTTP response: status, content type, JSON fields; a changed service fails", async () => {
  await using dir = await tempDir();
  const { core, out } = await session([
    "serve http tcp://127.0.0.1:0 as h",
    'route h GET /user 200 json {"name": "alice", "id": 7, "admin": false}',
    'route h GET /hello 200 text "hi there"',
    "http GET http://127.0.0.1:${h.port}/user",
    "http GET http://127.0.0.1:${h.port}/hello",
  ]);
  const saved = dir.join("http.wire");
  try {
    assert(await core.save(saved), out.join("\n"));
  } finally {
    await core.close();
  }
  const text = await Deno.readTextFile(saved);
  for (
    const line of [
      "expect status 200",
      "expect header content-type",
      'expect json $.name == "alice"',
      "expect json $.id == 7",
      "expect json $.admin == false",
      'expect body "hi there"',
    ]
  ) assertStringIncludes(text, line);
  const result = await runScriptFile(saved);
  assert(result.ok, `replay failed:\n${text}\n${result.failure?.message}`);
  // the service changes: the saved test notices
  const changed = dir.join("changed.wire");
  await Deno.writeTextFile(changed, text.replace('"alice"', '"bob"'));
  assert(!(await runScriptFile(changed)).ok, "a changed field fails the replay");
});
