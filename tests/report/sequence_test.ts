/**
 * The diagram's layout rules, without a browser: payload labels wrapped to their span,
 * binary as hex, long ones elided with their size; at most 400 events drawn; the
 * failure drawn after what arrived before it.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { payloadLines, sequenceSvg } from "../../lib/report/sequence.ts";
import type { TraceEntry } from "../../lib/run/trace.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("payloadLines: text wraps at its width and after each \\n; binary is hex; past 4 lines, the size", () => {
  assertEquals(payloadLines(text("PING\r\nPONG\r\n"), 40), ["PING\\r\\n", "PONG\\r\\n"]);
  assertEquals(payloadLines(text("abcdefghij"), 8), ["abcdefgh", "ij"]);
  assertEquals(payloadLines(new Uint8Array([0, 1, 0xff, 0x80]), 40), ["hex 00 01 ff 80"]);
  const hex = payloadLines(new Uint8Array(20).fill(0xab), 20);
  for (const l of hex) assert(l.length <= 20, l);
  assertEquals(hex[0], "hex ab ab ab ab ab"); // a sixth byte would make 21 characters
  assertEquals(payloadLines(text("x".repeat(100)), 10), [
    "xxxxxxxxxx",
    "xxxxxxxxxx",
    "xxxxxxxxxx",
    "… 100 bytes in all",
  ]);
  // a chunk the trace cut says how big it was, even when what is kept fits
  assertEquals(payloadLines(text("abc"), 10, 4, 700), ["abc", "… 700 bytes in all"]);
});

Deno.test("sequenceSvg: 1000 events draw the first and last 200 and count the rest; the failure after what arrived", () => {
  const entries: TraceEntry[] = [];
  for (let i = 0; i < 1000; i++) {
    entries.push({
      t: i,
      channel: "c",
      kind: i % 2 ? "received" : "sent",
      bytes: text(`m${i}`),
      size: 2,
    });
  }
  const svg = sequenceSvg(entries, {
    atMs: 999.5,
    channel: "c",
    reason: "line differs",
    expected: 'line "x"',
    received: '"m999"',
  });
  assertStringIncludes(svg, "… 600 more events not drawn");
  assert(!svg.includes(">m200<") && svg.includes(">m199<") && svg.includes(">m800<"));
  const fail = svg.indexOf('class="failure"');
  assert(fail > svg.indexOf(">m999<"), "drawn after the last chunk that came before it");
  assertStringIncludes(svg, "expected: line &quot;x&quot;");
  const long = sequenceSvg(entries.slice(0, 2), {
    atMs: 5,
    reason: "line differs",
    received: "y".repeat(2000),
  });
  assert(!long.includes("……"), "one ellipsis where the received text is cut");
  assertStringIncludes(long, "y…</tspan>");
});
