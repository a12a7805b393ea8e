/**
 * The non-interactive front end: statements read from a pipe or file (`repl < x.txt`),
 * run one by one with the same output as typed ones and no prompt. Stops at the first
 * failure, like a script: exit 1 for a failed statement, 2 for a line that does not parse.
 * At the end of input it waits for a quiet period (`--wait`) so replies are shown.
 *
 * @module
 */
import type { ReplCore } from "./repl_core.ts";

/** The longest input line accepted (the parser's limit, plus room for escapes). */
export const MAX_INPUT_LINE = 2 * 1024 * 1024;

/** How long piped mode waits for quiet after its input ended (`--wait`). */
export const DEFAULT_WAIT_MS = 500;

/** Reads lines from a byte stream, each at most `maxLine` characters. */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxLine = MAX_INPUT_LINE,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    partial += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      yield partial.slice(0, nl).replace(/\r$/, "");
      partial = partial.slice(nl + 1);
    }
    if (partial.length > maxLine) throw new Error(`input line longer than ${maxLine} characters`);
  }
  partial += decoder.decode();
  if (partial.length) yield partial.replace(/\r$/, "");
}

/**
 * Feeds every line of `input` to the REPL.
 *
 * @returns The exit code: 0, 1 (a statement failed), 2 (a line did not parse).
 */
export async function runPiped(
  core: ReplCore,
  input: ReadableStream<Uint8Array>,
  options: { waitMs?: number } = {},
): Promise<number> {
  let code = 0;
  const onInterrupt = () => {
    code = 130;
    core.cancel();
  };
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
  } catch { /* signals not available */ }
  try {
    for await (const line of readLines(input)) {
      const outcome = await core.feed(line);
      if (code === 130) break;
      if (outcome === "failed") return 1;
      if (outcome === "syntax") return 2;
      if (outcome === "quit") return 0;
    }
    if (code === 0 && core.joiner.pending) {
      core.output.err(`<repl>:${core.lineNo}: input ended inside a ${core.joiner.waitingFor}`);
      return 2;
    }
    // the input ended: show (and record) the replies still on their way
    if (code === 0) await core.waitQuiet(options.waitMs ?? DEFAULT_WAIT_MS);
  } catch (e) {
    core.output.err(`wireplay: ${(e as Error).message}`);
    return 2;
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    } catch { /* not added */ }
  }
  return code;
}
