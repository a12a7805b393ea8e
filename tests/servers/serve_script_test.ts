// `serve chat` and `serve files` inside .wire scripts: the kinds plug into the `serve`
// statement, and `${NAME.…}` exposes their address, port, certificate and counters.
import { assert, assertEquals } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";

async function run(text: string) {
  return await runScript(parseScript(text, "t.wire"), {});
}

Deno.test("script: serve chat, two connections talk through it, over TCP and TLS", async () => {
  for (const scheme of ["tcp", "tls"]) {
    const connect = scheme === "tls" ? "ca ${room.cert}" : "";
    const r = await run(`
serve chat ${scheme}://127.0.0.1:0 as room welcome "hi from the script"
connect \${room.address} as a ${connect}
connect \${room.address} as b ${connect}
expect a line "*** hi from the script"
expect a line /you are guest1 in #lobby/
send a "/nick alice\\n"
expect b /guest1 is now known as alice\\n/
send a "hello\\n"
expect b line "<alice> hello"
send b "/who\\n"
expect b /\\*\\*\\* #lobby \\(2\\): alice, guest2\\n/
`);
    assert(r.ok, r.failure?.message);
  }
});

Deno.test("script: serve files, and a WPFT/1 transfer spoken byte by byte from the script", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // OFFER a.txt (2 bytes), get ACCEPT at 0, START 0, the data "hi", DONE with its SHA-256,
    // then VERDICT ok: the protocol as docs/file-transfer.md describes it
    const r = await run(`
serve files tcp://127.0.0.1:0 as inbox dir "${dir}"
connect \${inbox.address} as s
send s hex "57504654 01 01 0000000000000002 0005 612e747874"
expect s hex "57504654 01 02 0000000000000000 0000000000000000000000000000000000000000000000000000000000000000"
send s hex "03 0000000000000000 6869"
send s hex "04 8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
expect s hex "06 00 0002 6f6b"
print "\${inbox.dir}"
`);
    assert(r.ok, r.failure?.message);
    assertEquals(r.output.at(-1), dir);
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "hi");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
