// The WebSocket frame codec (RFC 6455): lengths at the 7/16/64-bit edges, masking,
// fragmentation with control frames between fragments, and the protocol errors that fail
// a connection; plus a hostile server and client against our channel and our server.
import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  closePayload,
  decodeWsFrame,
  encodeWsFrame,
  OPCODE,
  parseClosePayload,
  wsAccept,
  WsMessageAssembler,
  WsProtocolError,
} from "../../lib/transport/ws_frame.ts";
import { fails, passes } from "../helpers/wire.ts";
import { connectWebSocket } from "../../lib/transport/ws_channel.ts";
import { EventHub } from "../../lib/transport/events.ts";

const LIMIT = 1 << 20;

Deno.test("ws frame: lengths 0, 125, 126, 65535, 65536 round-trip, masked and not, in any chunking", () => {
  for (const n of [0, 125, 126, 65535, 65536]) {
    const payload = Uint8Array.from({ length: n }, (_, i) => i % 251);
    for (const mask of [false, true]) {
      const bytes = encodeWsFrame(OPCODE.binary, payload, { mask });
      assertEquals(bytes[1]! & 0x80, mask ? 0x80 : 0);
      // every prefix is incomplete
      for (const cut of [0, 1, 2, 3, bytes.byteLength - 1]) {
        if (cut < bytes.byteLength) {
          assertEquals(decodeWsFrame(bytes.subarray(0, cut), LIMIT), undefined);
        }
      }
      const got = decodeWsFrame(bytes, LIMIT)!;
      assertEquals(got.size, bytes.byteLength);
      assertEquals(got.frame.payload, payload);
      assertEquals(got.frame.masked, mask);
    }
  }
});

Deno.test("ws frame: RFC 6455's example accept value", async () => {
  assertEquals(await wsAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("ws frame: fragments join into one message; a ping between them passes through", () => {
  const a = new WsMessageAssembler(LIMIT);
  const t = (s: string) => new TextEncoder().encode(s);
  assertEquals(
    a.push({ fin: false, opcode: OPCODE.text, payload: t("Hel"), masked: false }),
    undefined,
  );
  assertEquals(
    a.push({ fin: true, opcode: OPCODE.ping, payload: t("p"), masked: false })?.opcode,
    OPCODE.ping,
  );
  const m = a.push({ fin: true, opcode: OPCODE.continuation, payload: t("lo"), masked: false })!;
  assertEquals([m.opcode, new TextDecoder().decode(m.payload)], [OPCODE.text, "Hello"]);
});

Deno.test("ws frame: protocol errors", () => {
  assertThrows(() => decodeWsFrame(Uint8Array.of(0xc1, 0), LIMIT), WsProtocolError, "reserved");
  assertThrows(() => decodeWsFrame(Uint8Array.of(0x83, 0), LIMIT), WsProtocolError, "opcode");
  assertThrows(() => decodeWsFrame(Uint8Array.of(0x09, 0), LIMIT), WsProtocolError, "control");
  assertThrows(() => decodeWsFrame(Uint8Array.of(0x89, 126, 0, 200), LIMIT), WsProtocolError);
  const big = Uint8Array.of(0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0);
  assertEquals(assertThrows(() => decodeWsFrame(big, LIMIT), WsProtocolError).code, 1009);
  const a = new WsMessageAssembler(LIMIT);
  assertThrows(
    () => a.push({ fin: true, opcode: 0, payload: new Uint8Array(1), masked: false }),
    WsProtocolError,
    "continuation",
  );
  assertEquals(
    assertThrows(
      () => a.push({ fin: true, opcode: OPCODE.text, payload: Uint8Array.of(0xff), masked: false }),
      WsProtocolError,
    ).code,
    1007,
  );
  assertEquals(parseClosePayload(closePayload(4001, "asked")), { code: 4001, reason: "asked" });
  assertEquals(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
});

Deno.test("ws channel: a server that masks its frames fails the connection with a clear reason", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = (async () => {
    using conn = await listener.accept();
    const buf = new Uint8Array(4096);
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) return;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const key = /Sec-WebSocket-Key: (\S+)/i.exec(head)![1]!;
    const answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
      `Connection: Upgrade\r\nSec-WebSocket-Accept: ${await wsAccept(key)}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(answer));
    await conn.write(encodeWsFrame(OPCODE.text, new TextEncoder().encode("x"), { mask: true }));
    // what the client answers: a close frame with 1002, then the end
    while ((await conn.read(buf)) !== null) { /* drain */ }
  })();
  const events = new EventHub();
  const errors: string[] = [];
  events.on((e) => e.type === "error" && errors.push(e.message));
  await using w = await connectWebSocket("w", `ws://127.0.0.1:${listener.addr.port}/`, {
    timeoutMs: 2000,
    events,
  });
  const e = await w.next({ timeoutMs: 2000 }).catch((e) => e as Error);
  assertStringIncludes(String(e), "a masked frame from the server");
  await w.close();
  await server;
  // told once, however many reads follow
  assertEquals(errors, ["a masked frame from the server"]);
});

Deno.test("ws channel: a peer that never answers the upgrade fails within the timeout", async () => {
  const f = await fails(`
listen tcp://127.0.0.1:0 as srv
connect ws://127.0.0.1:\${srv.port}/ as w timeout 100ms
`);
  assertStringIncludes(f.message, "no answer to the upgrade within 100ms");
});

Deno.test("ws server: a hostile client is dropped; others are still served", async () => {
  await passes(`
serve echo ws://127.0.0.1:0 as e
connect tcp://127.0.0.1:\${e.port} as bad
send bad "GET / HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n"
expect bad /101 Switching Protocols[\\s\\S]*?s3pPLMBiTxaQ9kYGzzhZRbK\\+xOo=[\\s\\S]*?\\r\\n\\r\\n/
send bad hex "ff ff ff ff ff ff ff ff ff ff ff ff"
connect \${e.url} as good
send good "still here"
expect good message "still here"
expect bad eof within 2s
`);
});
