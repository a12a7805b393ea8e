/**
 * Output arriving while a long (wrapped) line is half typed, on several terminal widths,
 * and during a heredoc: every received line and the close announcement stay on the
 * screen, and the partial line is redrawn once below them (issue 14, defect 1).
 */
import { assertEquals } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { startTerminal, type Terminal } from "./_tmux.ts";
import { within } from "../helpers/process.ts";

const enc = new TextEncoder();

async function connectedPair(term: Terminal): Promise<Deno.Conn> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  accepted.catch(() => {/* the test failed first */});
  await term.type(`connect tcp://127.0.0.1:${listener.addr.port} as a`);
  await term.keys("Enter");
  // the REPL says it connected (with a deadline) before the accept is awaited
  await term.waitFor(/a: connected/);
  return await accepted;
}

function count(screen: string, line: string): number {
  return screen.split("\n").filter((l) => l.trimEnd() === line).length;
}

async function typedLineSurvives(width: number, length: number) {
  await using term = await startTerminal(
    `deno run -A --quiet cli.ts repl --no-history --timeout 20s`,
    { width, height: 40 },
  );
  await term.waitFor("wireplay> ");
  const peer = await connectedPair(term);
  try {
    const body = "x".repeat(length - 'print ""'.length - 3) + "END";
    const typed = `print "${body}`;
    await term.waitFor((s) => s.trimEnd().endsWith("wireplay>") || s.endsWith("wireplay> "));
    await term.type(typed);
    await term.waitFor((s) => s.includes("xEND"));
    for (let i = 1; i <= 8; i++) {
      await peer.write(enc.encode(`line-${i}\n`));
      await term.waitFor((s) => s.includes(`a < line-${i}\\n`));
    }
    peer.close();
    const screen = await term.waitFor("a: peer closed the connection");
    for (let i = 1; i <= 8; i++) {
      assertEquals(
        count(screen, `a < line-${i}\\n`),
        1,
        `line-${i} at ${width} columns:\n${screen}`,
      );
    }
    assertEquals(count(screen, "a: peer closed the connection"), 1, screen);
    const lines = screen.split("\n");
    assertEquals(lines.at(-1)!.trimEnd(), `wireplay> ${typed}`, `redrawn once at the bottom`);
    await term.type('"');
    await term.keys("Enter");
    const done = await term.waitFor((s) => s.split("\n").some((l) => l.trimEnd() === body));
    assertEquals(done.split("\n").filter((l) => l.includes("xEND")).length, 2, done);
  } finally {
    try {
      peer.close();
    } catch { /* closed */ }
  }
}

for (const [width, length] of [[160, 210], [80, 210], [40, 100], [37, 74]] as const) {
  Deno.test({
    name: `repl: data arriving over a ${length}-character line on ${width} columns is all shown`,
    ...needs("tmux"),
    fn: () => typedLineSurvives(width, length),
  });
}

Deno.test({
  name: "repl: data arriving during a heredoc is shown, the heredoc goes on",
  ...needs("tmux"),
  async fn() {
    await using term = await startTerminal(
      `deno run -A --quiet cli.ts repl --no-history --timeout 20s`,
      { width: 60, height: 40 },
    );
    await term.waitFor("wireplay> ");
    const peer = await connectedPair(term);
    try {
      await term.type("send a <<END");
      await term.keys("Enter");
      await term.type("first body line");
      await term.keys("Enter");
      await term.type("second, half typed");
      await term.waitFor("... second, half typed");
      await peer.write(enc.encode("hello\n"));
      const screen = await term.waitFor("a < hello\\n");
      const lines = screen.split("\n");
      assertEquals(count(screen, "... first body line"), 1, screen);
      assertEquals(lines.at(-1)!.trimEnd(), "... second, half typed", screen);
      await term.keys("Enter");
      await term.type("END");
      await term.keys("Enter");
      const got = new Uint8Array(100);
      const n = await within(peer.read(got), 10_000, "the body the REPL sent");
      assertEquals(
        new TextDecoder().decode(got.subarray(0, n ?? 0)),
        "first body line\nsecond, half typed\n",
      );
    } finally {
      peer.close();
    }
  },
});
