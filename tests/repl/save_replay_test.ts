/**
 * `:save` end to end in-process (the REPL core and the one interpreter): generated
 * expects for answers nobody expected, dynamic values as regexes, binary as hex, ports
 * asked for as 0 kept symbolic; and determinism: the saved session replays 200 times in
 * a row while the peer splits every answer into random small chunks.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { ReplCore } from "../../lib/repl/repl_core.ts";
import { runScriptFile } from "../../lib/run/interpreter.ts";
import { tempDir } from "../helpers/mod.ts";

/** A small PRNG, so a failing chunking can be reproduced from its seed. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();

/**
 * A line-protocol peer that answers with values that change every run (an ISO timestamp,
 * an HTTP date, a UUID, epoch seconds) and splits everything it writes into random
 * chunks of 1–7 bytes, yielding to the event loop between some of them.
 */
function chunkingPeer(seed: number) {
  const random = mulberry32(seed);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const handlers = new Set<Promise<void>>();
  const write = async (conn: Deno.Conn, text: string | Uint8Array) => {
    const bytes = typeof text === "string" ? enc.encode(text) : text;
    for (let i = 0; i < bytes.byteLength;) {
      const n = 1 + Math.floor(random() * 7);
      await conn.write(bytes.subarray(i, i + n));
      i += n;
      if (random() < 0.3) await new Promise((r) => setTimeout(r, 0));
    }
  };
  const handle = async (conn: Deno.TcpConn) => {
    conn.setNoDelay(true);
    try {
      await write(conn, `220 ready at ${new Date().toISOString()}\r\n`);
      let pending = "";
      const buf = new Uint8Array(1024);
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        pending += new TextDecoder().decode(buf.subarray(0, n));
        let nl: number;
        while ((nl = pending.indexOf("\r\n")) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 2);
          if (line === "TIME") {
            await write(
              conn,
              `Date: ${new Date().toUTCString()}\r\nid: ${crypto.randomUUID()}\r\n` +
                `epoch: ${Math.floor(Date.now() / 1000)}\r\nOK\r\n`,
            );
          } else if (line === "BIN") {
            await write(conn, Uint8Array.from({ length: 256 }, (_, i) => i));
          } else if (line.startsWith("ECHO ")) await write(conn, line.slice(5) + "\r\n");
          else await write(conn, "ERR unknown\r\n");
        }
      }
    } catch {
      /* the client went away */
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        const h = handle(conn);
        handlers.add(h);
        h.finally(() => handlers.delete(h));
      }
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await loop;
      await Promise.all(handlers);
    },
  };
}

/** Waits until the unread data on `channel` satisfies `done` (resolves on the data event). */
function waitUnread(core: ReplCore, channel: string, done: (unread: Uint8Array) => boolean) {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      const unread = core.session.resources.get(channel)?.stream?.buffer.unread;
      if (unread && done(unread)) {
        off();
        clearTimeout(timer);
        resolve();
      }
    };
    const off = core.session.events.on((e) => e.type === "data" && check());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no data on ${channel}`));
    }, 10_000);
    check();
  });
}

const endsWith = (text: string) => (u: Uint8Array) =>
  new TextDecoder().decode(u.subarray(Math.max(0, u.byteLength - text.length))) === text;

async function feed(core: ReplCore, line: string) {
  const outcome = await core.feed(line);
  assertEquals(outcome, "ok", `${line}: ${outcome}`);
}

Deno.test("a saved session replays 200 times against a peer that chunks its answers at random", async () => {
  const seed = Date.now() % 100_000;
  const peer = chunkingPeer(seed);
  await using dir = await tempDir();
  const out: string[] = [];
  const core = new ReplCore({ out: (t) => out.push(t), err: (t) => out.push(`ERR ${t}`) });
  try {
    await feed(core, `connect tcp://127.0.0.1:${peer.port} as c`);
    await waitUnread(core, "c", endsWith("Z\r\n"));
    await feed(core, 'send c "TIME\\r\\n"');
    await waitUnread(core, "c", endsWith("OK\r\n"));
    await feed(core, 'send c "BIN\\r\\n"');
    await waitUnread(core, "c", (u) => u.byteLength > 0 && u[u.byteLength - 1] === 255);
    await feed(core, 'send c "ECHO hi\\r\\n"');
    // a regex expect skips what nobody expected before it: it must stay in the saved file
    await feed(core, "expect c /hi\\r\\n/");
    await feed(core, 'send c "ECHO bye\\r\\n"');
    await feed(core, 'expect c line "bye"');
    // a port asked for as 0 stays symbolic
    await feed(core, "listen tcp://127.0.0.1:0 as srv");
    const srvPort = core.session.resources.get("srv")!.vars().port;
    await feed(core, `connect tcp://127.0.0.1:${srvPort} as loop`);
    await feed(core, "accept srv as p");
    await feed(core, 'send loop "ping\\n"');
    await waitUnread(core, "p", endsWith("ping\n"));
    await feed(core, 'send p "pong\\n"');
    await waitUnread(core, "loop", endsWith("pong\n"));
    await feed(core, "close loop");
    await feed(core, `:save ${dir.join("session.wire")}`);
    await feed(core, `:save ${dir.join("exact.wire")} --exact`);
  } finally {
    await core.close();
  }
  try {
    const script = await Deno.readTextFile(dir.join("session.wire"));
    const lines = script.split("\n");
    const after = (statement: string) => lines.slice(lines.indexOf(statement) + 1);
    assertMatch(
      after(`connect tcp://127.0.0.1:${peer.port} as c`)[0]!,
      /^expect c \/\^220 ready at \\d\{4\}-/,
    );
    assertEquals(after('send c "TIME\\r\\n"').slice(0, 4), [
      "expect c /^Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\\r\\n/",
      "expect c /^id: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\r\\n/",
      "expect c /^epoch: \\d{10}\\r\\n/",
      'expect c "OK\\r\\n"',
    ]);
    assertMatch(after('send c "BIN\\r\\n"')[0]!, /^expect c hex "00 01 02 03 .* ff"$/);
    assertEquals(after('send c "ECHO hi\\r\\n"')[0], "expect c /hi\\r\\n/");
    assertStringIncludes(script, "connect tcp://127.0.0.1:${srv.port} as loop");
    assertStringIncludes(script, 'send loop "ping\\n"\nexpect p "ping\\n"\nsend p "pong\\n"');
    assertStringIncludes(script, 'send p "pong\\n"\nexpect loop "pong\\n"\nclose loop');

    for (let i = 0; i < 200; i++) {
      const result = await runScriptFile(dir.join("session.wire"));
      assert(result.ok, `replay ${i + 1} failed (peer seed ${seed}):\n${result.failure?.message}`);
    }
    // the --exact file keeps the dynamic values literal, so it cannot replay
    const exact = await Deno.readTextFile(dir.join("exact.wire"));
    assertMatch(exact, /^expect c "id: [0-9a-f-]{36}\\r\\n"$/m);
    const result = await runScriptFile(dir.join("exact.wire"));
    assertEquals(result.ok, false);
  } finally {
    await peer.close();
  }
});
