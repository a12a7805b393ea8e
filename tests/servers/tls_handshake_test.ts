/**
 * Issue 18 item 2: a plain-TCP client that never starts its TLS handshake must not hold
 * up the next (real) TLS client, and is dropped once the handshake timeout passes.
 */
import { assertEquals, assertMatch } from "@std/assert";
import { connectTls } from "../../lib/transport/node_tls_duplex.ts";
import { startCliServer } from "./_strangers.ts";
import { within } from "../helpers/process.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function tlsEcho(port: number): Promise<string> {
  const c = await connectTls({ host: "127.0.0.1", port, insecure: true });
  try {
    await c.write(enc.encode("PING\n"));
    const buf = new Uint8Array(5);
    let len = 0;
    await within(
      (async () => {
        while (len < 5) {
          const n = await c.read(buf.subarray(len));
          if (n === null) break;
          len += n;
        }
      })(),
      10_000,
      () => `the echo of PING over TLS (got ${len} bytes)`,
    );
    return dec.decode(buf.subarray(0, len));
  } finally {
    c.close();
  }
}

for (const kind of ["echo", "chat"]) {
  Deno.test(`TLS handshake: an idle TCP client does not block serve ${kind} tls://`, async () => {
    await using server = startCliServer([
      "serve",
      kind,
      "tls://127.0.0.1:0",
      "--handshake-timeout",
      "300ms",
      "--json",
      ...(kind === "chat" ? ["--log"] : []),
    ]);
    const port = Number((await server.waitFor(/"port":(\d+)/))[1]);
    const idle = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      if (kind === "echo") assertEquals(await tlsEcho(port), "PING\n");
      else {
        const c = await connectTls({ host: "127.0.0.1", port, insecure: true });
        const buf = new Uint8Array(64);
        const n = await within(c.read(buf), 10_000, "the chat welcome over TLS")
          .finally(() => c.close());
        assertMatch(dec.decode(buf.subarray(0, n ?? 0)), /welcome/);
      }
      await server.waitFor(/dropped: no TLS handshake within 300ms/, 5000);
    } finally {
      idle.close();
    }
  });
}

Deno.test("TLS handshake: an idle TCP client does not block recv-file --listen tls://", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "hi\n");
    await Deno.mkdir(`${dir}/in`);
    await using server = startCliServer([
      "recv-file",
      "tls://127.0.0.1:0",
      "--listen",
      "--dir",
      `${dir}/in`,
    ]);
    const port = Number((await server.waitFor(/listening on tls:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const idle = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const send = startCliServer([
        "send-file",
        `${dir}/a.txt`,
        `tls://127.0.0.1:${port}`,
        "--insecure",
      ]);
      assertEquals(await send.status(), 0, send.stderr());
      assertEquals(await server.status(), 0, server.stderr());
      assertEquals(await Deno.readTextFile(`${dir}/in/a.txt`), "hi\n");
    } finally {
      idle.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
