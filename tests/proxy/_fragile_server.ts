/**
 * A deliberately fragile server for the chaos and fuzz tests, run as its own process:
 * `deno run --allow-net tests/proxy/_fragile_server.ts PORT [fixed]`. Frames are a 16-bit
 * big-endian length and that many bytes; each is answered `ok:PAYLOAD\n`.
 *
 * Its two bugs:
 * - a length over 1000 "overflows its buffer": the process exits (a crash);
 * - it holds one global lock from a frame's header to its end, and when the client
 *   closes half-way through a frame it waits for the rest forever, still holding it:
 *   every other client then hangs.
 */
const port = Number(Deno.args[0] ?? 0);
/** `fixed`: the same server without the two bugs (the reproducers pass against it). */
const fixed = Deno.args[1] === "fixed";
const listener = Deno.listen({ hostname: "127.0.0.1", port });
console.log(`fragile on ${(listener.addr as Deno.NetAddr).port}`);

let lock: Promise<void> = Promise.resolve();

async function readFull(conn: Deno.Conn, n: number): Promise<Uint8Array | "eof"> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) {
      if (got === 0 || fixed) return "eof";
      // the bug: "the rest will come", so wait for it (it never does)
      await new Promise((resolve) => setTimeout(resolve, 3_600_000));
      continue;
    }
    got += r;
  }
  return out;
}

async function handle(conn: Deno.Conn): Promise<void> {
  while (true) {
    const header = await readFull(conn, 2);
    if (header === "eof") return;
    let release!: () => void;
    const previous = lock;
    lock = new Promise((r) => (release = r));
    await previous;
    try {
      const len = (header[0]! << 8) | header[1]!;
      if (len > 1000 && fixed) return; // too large: drop this client
      if (len > 1000) {
        console.error(`buffer overflow: frame of ${len} bytes`);
        Deno.exit(134);
      }
      const body = await readFull(conn, len);
      if (body === "eof") return;
      const reply = new TextEncoder().encode(`ok:${new TextDecoder().decode(body)}\n`);
      let off = 0;
      while (off < reply.byteLength) off += await conn.write(reply.subarray(off));
    } finally {
      release();
    }
  }
}

for await (const conn of listener) {
  handle(conn).catch(() => {}).finally(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  });
}
