/**
 * The terminal front end: raw-mode input decoded into key presses for the
 * {@linkcode LineEditor}, output printed above the prompt, and the job-control and
 * window signals a terminal program must honour: Ctrl-Z restores the terminal and
 * stops the process, `fg` (SIGCONT) re-enters raw mode and redraws; a resize redraws.
 * Ctrl-C cancels a waiting statement or clears the line; Ctrl-C twice on an empty line,
 * Ctrl-D or `:quit` leave.
 *
 * @module
 */
import { colorsWanted, type Palette, palette } from "./colors.ts";
import { maskScript } from "../secrets/secrets.ts";
import type { HistoryFile } from "./history.ts";
import { decodeKeys } from "./keys.ts";
import { LineEditor } from "./line_editor.ts";
import type { ReplCore, ReplOutput } from "./repl_core.ts";

/** The prompt, and the one shown while a multi-line entry is unfinished. */
export const PROMPT = "wireplay> ";
/** The continuation prompt. */
export const CONTINUE_PROMPT = "... ";

const encoder = new TextEncoder();

function writeAllSync(text: string): void {
  let data = encoder.encode(text);
  while (data.byteLength > 0) data = data.subarray(Deno.stdout.writeSync(data));
}

/** Writes output above the prompt, redrawing the prompt and the partial line after it. */
export class LiveOutput implements ReplOutput {
  readonly colors: Palette;
  editor: LineEditor | undefined;

  constructor(colors = palette(colorsWanted())) {
    this.colors = colors;
  }

  /** Writes lines. */
  out(text: string): void {
    if (this.editor) this.editor.print(text);
    else writeAllSync(text.replace(/\r?\n/g, "\r\n") + "\r\n");
  }

  /** Writes a failure, in red (same stream: the terminal shows both in order). */
  err(text: string): void {
    this.out(this.colors.error(text));
  }

  /** Clears the screen. */
  clear(): void {
    if (this.editor) this.editor.clearScreen(true);
    else writeAllSync("\x1b[H\x1b[2J\x1b[3J");
  }

  /** Lines still to show of a long text (`:help`): a page at a time. */
  pending: string[] = [];

  /** Shows a screenful of `text`; the rest waits for Space (see `runInteractive`). */
  page(text: string): void {
    this.pending = text.split("\n");
    this.nextPage();
  }

  /** Shows the next screenful (counting wrapped rows); true while more is left. */
  nextPage(): boolean {
    const budget = Math.max(3, safeRows() - 2);
    const cols = Math.max(1, safeColumns());
    let rows = 0;
    let take = 0;
    while (take < this.pending.length) {
      const need = Math.max(1, Math.ceil(this.pending[take]!.length / cols));
      if (take > 0 && rows + need > budget) break;
      rows += need;
      take++;
    }
    this.out(this.pending.splice(0, take).join("\n"));
    return this.pending.length > 0;
  }
}

/** The prompt shown while a long text waits for Space. */
export const MORE_PROMPT = "-- more (Space/Enter: next page, q: stop) --";

/** Options for {@linkcode runInteractive}. */
export interface InteractiveOptions {
  history: HistoryFile;
  /** Runs before the first prompt line is read (e.g. `repl FILE`). */
  beforeInput?: (core: ReplCore) => Promise<void>;
}

/** What the editor needs once the interpreter is loaded (completion, hints). */
interface Helpers {
  complete: typeof import("./completer.ts").complete;
  hintFor: typeof import("./hints.ts").hintFor;
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
  let helpers: Helpers | undefined;
  let loading: Promise<ReplCore> | undefined;
  const ready = () =>
    loading ??= (async () => {
      const [c, completer, hints] = await Promise.all([
        loadCore(),
        import("./completer.ts"),
        import("./hints.ts"),
      ]);
      helpers = { complete: completer.complete, hintFor: hints.hintFor };
      if (options.beforeInput) await options.beforeInput(c);
      return (core = c);
    })();
  const term = { write: writeAllSync, columns: () => safeColumns() };
  const editor = new LineEditor(
    term,
    history.entries,
    output.colors,
    (line) => helpers?.complete(line, completionContext(() => core)) ?? [[], ""],
    (line) => helpers?.hintFor(line),
  );
  output.editor = editor;
  const queue: { line: string; echo: boolean }[] = [];
  let draining = false;
  let busy = false;
  let interruptedOnEmpty = false;
  let finished = false;
  let resolveDone: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const setRaw = (raw: boolean) => {
    try {
      Deno.stdin.setRaw(raw);
    } catch { /* not a terminal any more */ }
  };

  const prompt = () => {
    if (finished) return;
    if (output.pending.length) return editor.show(MORE_PROMPT);
    const text = core?.joiner.pending ? CONTINUE_PROMPT : PROMPT;
    editor.show(output.colors.prompt(text));
  };

  const onResize = () => editor.render();
  const onContinue = () => {
    // back from Ctrl-Z: the shell put the terminal in cooked mode
    setRaw(true);
    editor.redrawFresh();
  };
  const signals: [Deno.Signal, () => void][] = [["SIGWINCH", onResize], ["SIGCONT", onContinue]];
  for (const [sig, fn] of signals) {
    try {
      Deno.addSignalListener(sig, fn);
    } catch { /* not supported here */ }
  }

  const finish = () => {
    if (finished) return;
    finished = true;
    editor.commit();
    output.editor = undefined;
    core?.cancel();
    for (const [sig, fn] of signals) {
      try {
        Deno.removeSignalListener(sig, fn);
      } catch { /* not added */ }
    }
    setRaw(false);
    resolveDone();
  };

  const drain = async () => {
    if (draining) return;
    draining = true;
    busy = true;
    const repl = core ?? await ready();
    while (queue.length && !finished) {
      const { line, echo } = queue.shift()!;
      // a line typed ahead is shown now, as history keeps it (no secret's value)
      if (echo) output.out((repl.joiner.pending ? CONTINUE_PROMPT : PROMPT) + maskScript(line));
      if (!repl.joiner.waitingFor?.startsWith("heredoc")) history.add(maskScript(line));
      const outcome = await repl.feed(line);
      if (outcome === "quit") return finish();
    }
    draining = false;
    busy = false;
    if (queue.length === 0) prompt();
  };

  const interrupt = () => {
    if (core?.cancel()) {
      output.out("^C");
      return;
    }
    if (editor.line.length > 0 || core?.joiner.pending || queue.length > 0) {
      interruptedOnEmpty = false;
      queue.length = 0;
      core?.joiner.reset();
      editor.line = "";
      editor.cursor = 0;
      editor.commit();
      output.out("^C");
      if (!busy) prompt();
      return;
    }
    if (interruptedOnEmpty) {
      editor.commit();
      output.out("^C");
      return finish();
    }
    interruptedOnEmpty = true;
    editor.commit();
    output.out("^C\n(Ctrl-C again, Ctrl-D or :quit to leave)");
    if (!busy) prompt();
  };

  const suspend = () => {
    const wasVisible = editor.visible;
    editor.commit();
    setRaw(false);
    try {
      Deno.kill(Deno.pid, "SIGTSTP");
    } catch { /* no job control here */ }
    // SIGCONT re-enters raw mode; show the prompt again (below where the shell left off)
    if (wasVisible) editor.visible = true;
  };

  const onKeys = (text: string) => {
    for (const key of decodeKeys(text)) {
      if (finished) return;
      if (output.pending.length && !busy) {
        // paging a long text: Space/Enter shows more, anything else stops
        const more = "text" in key ? key.text === " " : key.name === "enter";
        if (more && output.nextPage()) continue;
        output.pending = [];
        prompt();
        continue;
      }
      const action = editor.handle(key);
      if (!action) continue;
      if ("submit" in action) {
        interruptedOnEmpty = false;
        queue.push({ line: action.submit, echo: busy });
        void drain();
      } else if ("interrupt" in action) interrupt();
      else if ("suspend" in action) suspend();
      else if ("eof" in action) {
        if (busy && core?.cancel()) continue;
        editor.commit();
        return finish();
      }
    }
  };

  const readInput = async () => {
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    while (!finished) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buf);
      } catch {
        n = null;
      }
      if (n === null) {
        if (!finished) {
          editor.commit();
          finish();
        }
        return;
      }
      onKeys(decoder.decode(buf.subarray(0, n), { stream: true }));
    }
  };

  setRaw(true);
  output.out("wireplay REPL — :help for statements and commands, Ctrl-D to leave");
  prompt();
  void readInput();
  // load the interpreter once the prompt is on the screen
  setTimeout(() => {
    if (!options.beforeInput) return void ready();
    // a script runs first (repl FILE): its output goes above a hidden prompt
    editor.commit();
    busy = draining = true;
    void ready().then(() => {
      busy = draining = false;
      if (queue.length) void drain();
      else prompt();
    });
  }, 0);
  return done;
}

/** What completion reads from the live session. */
function completionContext(core: () => ReplCore | undefined) {
  return {
    names: () => [...(core()?.session.resources.keys() ?? [])],
    variables: () => [...(core()?.session.vars.keys() ?? [])],
    fields: (name: string) => {
      const session = core()?.session;
      const v = session?.resources.get(name)?.vars() ?? session?.vars.get(name);
      return v && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v)
        ? Object.keys(v).filter((k) => k !== "$")
        : [];
    },
  };
}

function safeRows(): number {
  try {
    return Deno.consoleSize().rows || 24;
  } catch {
    return 24;
  }
}

function safeColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
