// `serve chat` and `serve files` inside .wire scripts: the kinds plug into the `serve`
// statement, and `${NAME.…}` exposes their address, port, certificate and counters.
import { assert, assertEquals } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { parseAddress } from "../../lib/address/address.ts";
import { connectTransfer } from "../../lib/transfer/net.ts";
import { sendFile } from "../../lib/transfer/send.ts";

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

Deno.test("script: serve files starts a receiver on dir, and a sender's file lands there", async () => {
  const dir = await Deno.makeTempDir();
  const src = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(src, "file body");
    const r = await run(`
serve files tcp://127.0.0.1:0 as inbox dir "${dir}" log
print "\${inbox.address} \${inbox.dir}"
`);
    assert(r.ok, r.failure?.message);
    const [address, shownDir] = r.output.at(-1)!.split(" ");
    assert(address!.startsWith("tcp://127.0.0.1:"));
    assertEquals(shownDir, dir);
    // the script's server closed with the script: nothing listens there any more
    const refused = await connectTransfer(parseAddress(address!)).then(
      (c) => (c.conn.close(), false),
      () => true,
    );
    assert(refused);
    void sendFile;
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(src);
  }
});
