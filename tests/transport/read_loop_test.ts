import { assertEquals } from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { connectStream } from "../../lib/transport/connect.ts";
import { type ChannelEvent, EventHub } from "../../lib/transport/events.ts";
import { bytesMatcher } from "../../lib/transport/matchers.ts";

Deno.test("reads started after a pause mark is set stop exactly at it; the bytes then arrive whole", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const events = new EventHub();
  const paused = Promise.withResolvers<number>();
  events.on((e: ChannelEvent) => {
    if (e.type === "paused") paused.resolve(e.unread);
  });
  const accepted = listener.accept();
  await using c = await connectStream(
    "c",
    parseAddress(`tcp://127.0.0.1:${listener.addr.port}`),
    { events },
  );
  c.pauseWhenUnread(1000);
  using peer = await accepted;
  // a read started before the mark was set may still fill its region: let one end first
  await peer.write(new Uint8Array(10));
  await c.buffer.until(bytesMatcher(10), { timeoutMs: 5000 });
  const data = new Uint8Array(300_000).map((_, i) => i & 0xff);
  const writing = (async () => {
    let off = 0;
    while (off < data.byteLength) off += await peer.write(data.subarray(off));
  })();
  const guard = setTimeout(() => paused.reject(new Error("never paused")), 5000);
  assertEquals(await paused.promise, 1000); // not a byte past the mark
  clearTimeout(guard);
  assertEquals(c.buffer.length, 1000);
  c.pauseWhenUnread(undefined);
  const got = await c.buffer.until(bytesMatcher(data.byteLength), { timeoutMs: 5000 });
  await writing;
  assertEquals(got, data);
});

Deno.test("data events carry the bytes received even when the buffer emptied while the read was pending", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const events = new EventHub();
  const seen: Uint8Array[] = [];
  events.on((e: ChannelEvent) => {
    if (e.type === "data") seen.push(e.bytes);
  });
  const accepted = listener.accept();
  await using c = await connectStream(
    "c",
    parseAddress(`tcp://127.0.0.1:${listener.addr.port}`),
    { events },
  );
  using peer = await accepted;
  const enc = new TextEncoder();
  const first = Promise.withResolvers<void>();
  const off = events.on((e) => e.type === "data" && first.resolve());
  await peer.write(enc.encode("+PONG\r\n"));
  await first.promise;
  off();
  // one turn of the event loop: the read loop has its next read pending, further on in the
  // storage; consuming every unread byte now lets the buffer start again at offset 0
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(c.buffer.consume(7), enc.encode("+PONG\r\n"));
  await peer.write(enc.encode("$5\r\nhello\r\n"));
  await c.buffer.until(bytesMatcher(11), { timeoutMs: 5000 });
  const text = seen.map((b) => new TextDecoder().decode(b)).join("");
  assertEquals(text, "+PONG\r\n$5\r\nhello\r\n");
});
