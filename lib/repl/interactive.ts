/**
 * The terminal front end: node:readline with history, tab completion and a prompt that
 * is redrawn, with the partial line intact, whenever output arrives while typing.
 * Ctrl-C cancels a waiting statement or clears the line; Ctrl-C twice on an empty line,
 * Ctrl-D or `:quit` leave.
 *
 * @module
 */
import process from "node:process";
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import { complete } from "./completer.ts";
import { HISTORY_LIMIT, type HistoryFile } from "./history.ts";
import type { ReplCore, ReplOutput } from "./repl_core.ts";

/** The prompt, and the one shown while a multi-line entry is unfinished. */
export const PROMPT = "wireplay> ";
/** The continuation prompt. */
export const CONTINUE_PROMPT = "... ";

/** Writes output above the prompt, redrawing the prompt and the partial line after it. */
export class LiveOutput implements ReplOutput {
  /** True while the prompt is shown and the user may be typing. */
  idle = false;
  rl: Interface | undefined;

  /** Writes lines. */
  out(text: string): void {
    const stdout = process.stdout;
    if (this.idle && this.rl) {
      clearLine(stdout, 0);
      cursorTo(stdout, 0);
      stdout.write(text + "\n");
      this.rl.prompt(true);
    } else stdout.write(text + "\n");
  }

  /** Writes a failure (same stream: the terminal shows both in order). */
  err(text: string): void {
    this.out(text);
  }
}

/** Options for {@linkcode runInteractive}. */
export interface InteractiveOptions {
  history: HistoryFile;
}

/**
 * Runs the REPL on the terminal until the user leaves; resolves when it has. The prompt
 * is shown at once, then `loadCore` loads the interpreter; lines typed before it is ready
 * wait for it.
 */
export function runInteractive(
  loadCore: () => Promise<ReplCore>,
  output: LiveOutput,
  options: InteractiveOptions,
): Promise<void> {
  const { history } = options;
  let core: ReplCore | undefined;
  let loading: Promise<ReplCore> | undefined;
  const ready = () => loading ??= loadCore().then((c) => (core = c));
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    completer: (line: string) =>
      complete(line, { names: () => [...(core?.session.resources.keys() ?? [])] }),
    history: history.newestFirst(),
    historySize: HISTORY_LIMIT,
    removeHistoryDuplicates: true,
  });
  output.rl = rl;
  const queue: string[] = [];
  let draining = false;
  let interruptedOnEmpty = false;
  let finished = false;
  let resolveDone: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const prompt = () => {
    if (finished) return;
    rl.setPrompt(core?.joiner.pending ? CONTINUE_PROMPT : PROMPT);
    output.idle = true;
    rl.prompt();
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    output.idle = false;
    output.rl = undefined;
    core?.cancel();
    rl.close();
    resolveDone();
  };

  const drain = async () => {
    if (draining) return;
    draining = true;
    const repl = core ?? await ready();
    while (queue.length && !finished) {
      const line = queue.shift()!;
      if (!repl.joiner.waitingFor?.startsWith("heredoc")) history.add(line);
      const outcome = await repl.feed(line);
      if (outcome === "quit") return finish();
    }
    draining = false;
    if (queue.length === 0) prompt();
  };

  rl.on("line", (line: string) => {
    interruptedOnEmpty = false;
    output.idle = false;
    queue.push(line);
    void drain();
  });

  rl.on("SIGINT", () => {
    if (core?.cancel()) {
      process.stdout.write("^C\n");
      return;
    }
    const editor = rl as unknown as { line: string; cursor: number };
    if (editor.line.length > 0 || core?.joiner.pending || queue.length > 0) {
      interruptedOnEmpty = false;
      queue.length = 0;
      core?.joiner.reset();
      editor.line = "";
      editor.cursor = 0;
      process.stdout.write("^C\n");
      prompt();
      return;
    }
    if (interruptedOnEmpty) {
      process.stdout.write("^C\n");
      return finish();
    }
    interruptedOnEmpty = true;
    process.stdout.write("^C\n(Ctrl-C again, Ctrl-D or :quit to leave)\n");
    prompt();
  });

  rl.on("close", () => {
    if (!finished) process.stdout.write("\n");
    finish();
  });

  output.out("wireplay REPL — :help for statements and commands, Ctrl-D to leave");
  prompt();
  // load the interpreter once the prompt is on the screen
  setTimeout(() => void ready(), 0);
  return done;
}
