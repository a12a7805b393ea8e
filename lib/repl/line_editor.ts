/**
 * The REPL's line editor, built on the key-press stream: editing keys (readline's
 * Emacs set), history (Up/Down), Ctrl-R incremental reverse search, Tab completion, a
 * dim argument hint after the cursor, and output printed above the prompt without
 * losing a row — it knows how many rows the prompt and a wrapped line take, so it
 * clears exactly those before printing and redraws them after.
 *
 * Terminal I/O goes through {@linkcode EditorTerminal}, so the editor is testable.
 *
 * @module
 */
import { type Palette, stripColors } from "./colors.ts";
import type { Key } from "./keys.ts";

/** What the editor writes to and measures. */
export interface EditorTerminal {
  write(text: string): void;
  columns(): number;
}

/** Completion: candidates and the text before the cursor they replace. */
export type Completer = (lineBeforeCursor: string) => [string[], string];

/** What a key press led to, for the front end. */
export type EditorAction =
  | { submit: string }
  | { eof: true }
  | { interrupt: true }
  | { suspend: true }
  | undefined
  | void;

interface Search {
  query: string;
  /** Index of the current match in the history, or -1 when nothing matches. */
  match: number;
  original: { line: string; cursor: number };
}

/** A single-line editor with history, search, completion and hints. */
export class LineEditor {
  line = "";
  cursor = 0;
  prompt = "";
  /** False while a statement runs: keys are taken, nothing is drawn. */
  visible = false;
  #cursorRow = 0;
  #historyIndex: number;
  #draft = "";
  #search: Search | undefined;
  #lastKeyTab = false;

  constructor(
    readonly term: EditorTerminal,
    /** Entries oldest first (shared with the history file). */
    readonly history: string[],
    readonly colors: Palette,
    readonly completer?: Completer,
    readonly hinter?: (line: string) => string | undefined,
  ) {
    this.#historyIndex = history.length;
  }

  /** Shows the prompt (after output, or when a statement finished). */
  show(prompt: string): void {
    this.prompt = prompt;
    this.visible = true;
    this.#cursorRow = 0;
    this.#historyIndex = this.history.length;
    this.render();
  }

  /** Prints lines above the prompt, keeping the partial line. */
  print(text: string): void {
    const body = text.replace(/\r?\n/g, "\r\n") + "\r\n";
    if (!this.visible) {
      this.term.write(body);
      return;
    }
    this.term.write(this.#toTop() + "\x1b[J" + body);
    this.#cursorRow = 0;
    this.render();
  }

  /** Forgets where the prompt was drawn (the screen was cleared or the program resumed). */
  redrawFresh(): void {
    this.#cursorRow = 0;
    if (this.visible) this.render();
  }

  /** Clears the screen (and with `scrollback`, the terminal's history) and redraws the prompt at the top. */
  clearScreen(scrollback = false): void {
    this.term.write("\x1b[H\x1b[2J" + (scrollback ? "\x1b[3J" : ""));
    this.redrawFresh();
  }

  /** Handles one key press. */
  handle(key: Key): EditorAction {
    const wasTab = this.#lastKeyTab;
    this.#lastKeyTab = false;
    if (this.#search) return this.#searchKey(key);
    if ("text" in key) {
      this.#insert(key.text);
      return;
    }
    switch (key.name) {
      case "enter":
        return this.#submit(this.line);
      case "C-c":
        return { interrupt: true };
      case "C-z":
        return { suspend: true };
      case "C-d":
        if (this.line === "") return { eof: true };
        this.#edit(this.line.slice(0, this.cursor) + this.line.slice(this.cursor + 1), this.cursor);
        return;
      case "delete":
        this.#edit(this.line.slice(0, this.cursor) + this.line.slice(this.cursor + 1), this.cursor);
        return;
      case "backspace":
        if (this.cursor > 0) {
          this.#edit(
            this.line.slice(0, this.cursor - 1) + this.line.slice(this.cursor),
            this.cursor - 1,
          );
        }
        return;
      case "left":
      case "C-b":
        return this.#move(this.cursor - 1);
      case "right":
      case "C-f":
        return this.#move(this.cursor + 1);
      case "home":
      case "C-a":
        return this.#move(0);
      case "end":
      case "C-e":
        return this.#move(this.line.length);
      case "M-b":
        return this.#move(wordStart(this.line, this.cursor));
      case "M-f":
        return this.#move(wordEnd(this.line, this.cursor));
      case "C-k":
        return this.#edit(this.line.slice(0, this.cursor), this.cursor);
      case "C-u":
        return this.#edit(this.line.slice(this.cursor), 0);
      case "C-w":
      case "M-backspace": {
        const to = wordStart(this.line, this.cursor);
        return this.#edit(this.line.slice(0, to) + this.line.slice(this.cursor), to);
      }
      case "C-l":
        return this.clearScreen();
      case "up":
      case "C-p":
        return this.#walk(-1);
      case "down":
      case "C-n":
        return this.#walk(1);
      case "C-r":
        this.#search = {
          query: "",
          match: -1,
          original: { line: this.line, cursor: this.cursor },
        };
        return this.render();
      case "tab":
        this.#lastKeyTab = true;
        return this.#complete(wasTab);
      default:
        return;
    }
  }

  /** Draws the prompt, the line and the hint, leaving the cursor in place. */
  render(): void {
    if (!this.visible) return;
    const cols = Math.max(1, this.term.columns());
    const { prompt, text, cursor, hint } = this.#view();
    const promptWidth = stripColors(prompt).length;
    let out = this.#toTop() + "\x1b[J" + prompt + text;
    let end = promptWidth + text.length;
    if (hint) {
      const room = cols - (end % cols) - 1;
      if (room > 0) {
        const shown = hint.slice(0, room);
        out += this.colors.dim(shown);
        end += shown.length;
      }
    }
    const endRow = Math.floor(end / cols);
    if (end > 0 && end % cols === 0) out += "\r\n"; // leave the pending-wrap column
    const at = promptWidth + cursor;
    const row = Math.floor(at / cols);
    const col = at % cols;
    if (endRow > row) out += `\x1b[${endRow - row}A`;
    out += "\r" + (col > 0 ? `\x1b[${col}C` : "");
    this.#cursorRow = row;
    this.term.write(out);
  }

  /** Moves below the drawn line (keeping it on screen) and hides the editor. */
  commit(): void {
    if (this.visible) {
      const keepLine = this.line;
      const keepCursor = this.cursor;
      this.cursor = this.line.length;
      this.#hintsOff = true;
      this.render();
      this.#hintsOff = false;
      this.line = keepLine;
      this.cursor = keepCursor;
      this.term.write("\r\n");
    }
    this.visible = false;
    this.#cursorRow = 0;
  }

  #hintsOff = false;

  #view(): { prompt: string; text: string; cursor: number; hint?: string } {
    const s = this.#search;
    if (s) {
      const found = s.match >= 0 ? this.history[s.match]! : "";
      const label = s.match < 0 && s.query ? "failed reverse-i-search" : "reverse-i-search";
      const at = s.match >= 0 ? Math.max(0, found.indexOf(s.query)) : 0;
      return { prompt: `(${label})'${s.query}': `, text: found, cursor: at };
    }
    const hint = !this.#hintsOff && this.cursor === this.line.length
      ? this.hinter?.(this.line)
      : undefined;
    return { prompt: this.prompt, text: this.line, cursor: this.cursor, hint };
  }

  /** The escape sequence that returns the cursor to the start of the prompt. */
  #toTop(): string {
    return "\r" + (this.#cursorRow > 0 ? `\x1b[${this.#cursorRow}A` : "");
  }

  #submit(line: string): EditorAction {
    this.commit();
    this.line = "";
    this.cursor = 0;
    return { submit: line };
  }

  #insert(text: string): void {
    this.#edit(
      this.line.slice(0, this.cursor) + text + this.line.slice(this.cursor),
      this.cursor + text.length,
    );
  }

  #edit(line: string, cursor: number): void {
    this.line = line;
    this.cursor = Math.max(0, Math.min(cursor, line.length));
    this.render();
  }

  #move(cursor: number): void {
    this.#edit(this.line, cursor);
  }

  #walk(step: number): void {
    const next = this.#historyIndex + step;
    if (next < 0 || next > this.history.length) return;
    if (this.#historyIndex === this.history.length) this.#draft = this.line;
    this.#historyIndex = next;
    const line = next === this.history.length ? this.#draft : this.history[next]!;
    this.#edit(line, line.length);
  }

  #complete(secondTab: boolean): void {
    if (!this.completer) return;
    const before = this.line.slice(0, this.cursor);
    let candidates: string[];
    let replaced: string;
    try {
      [candidates, replaced] = this.completer(before);
    } catch {
      return;
    }
    if (candidates.length === 0) return;
    const prefix = commonPrefix(candidates);
    if (prefix.length > replaced.length) {
      const start = this.cursor - replaced.length;
      this.#edit(
        this.line.slice(0, start) + prefix + this.line.slice(this.cursor),
        start + prefix.length,
      );
      return;
    }
    if (candidates.length > 1 && (secondTab || candidates.length <= 40)) {
      this.print(columns(candidates, this.term.columns()));
    }
  }

  #searchKey(key: Key): EditorAction {
    const s = this.#search!;
    const find = (from: number) => {
      for (let i = Math.min(from, this.history.length - 1); i >= 0; i--) {
        if (this.history[i]!.includes(s.query)) return i;
      }
      return -1;
    };
    if ("text" in key) {
      s.query += key.text;
      s.match = find(s.match >= 0 ? s.match : this.history.length - 1);
      this.render();
      return;
    }
    const accept = () => {
      this.#search = undefined;
      const line = s.match >= 0 ? this.history[s.match]! : s.original.line;
      const at = s.match >= 0 ? Math.max(0, line.indexOf(s.query)) : s.original.cursor;
      this.#historyIndex = s.match >= 0 ? s.match : this.history.length;
      this.line = line;
      this.cursor = at;
    };
    switch (key.name) {
      case "C-r":
        if (s.query) s.match = find(s.match >= 0 ? s.match - 1 : this.history.length - 1);
        this.render();
        return;
      case "backspace":
        s.query = s.query.slice(0, -1);
        s.match = s.query ? find(this.history.length - 1) : -1;
        this.render();
        return;
      case "enter":
        accept();
        return this.#submit(this.line);
      case "C-g":
      case "C-c":
        this.#search = undefined;
        this.#edit(s.original.line, s.original.cursor);
        return;
      case "escape":
      case "C-j":
        accept();
        this.render();
        return;
      default:
        // any other editing key leaves the search with the match, then acts
        accept();
        return this.handle(key);
    }
  }
}

function wordStart(line: string, from: number): number {
  let i = from;
  while (i > 0 && /\s/.test(line[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(line[i - 1]!)) i--;
  return i;
}

function wordEnd(line: string, from: number): number {
  let i = from;
  while (i < line.length && /\s/.test(line[i]!)) i++;
  while (i < line.length && !/\s/.test(line[i]!)) i++;
  return i;
}

/** The longest prefix all strings share. */
export function commonPrefix(words: string[]): string {
  if (words.length === 0) return "";
  let p = words[0]!;
  for (const w of words) {
    while (!w.startsWith(p)) p = p.slice(0, -1);
  }
  return p;
}

/** Lays words out in columns across `width`. */
export function columns(words: string[], width: number): string {
  const cell = Math.max(...words.map((w) => w.length)) + 2;
  const perRow = Math.max(1, Math.floor(width / cell));
  const rows: string[] = [];
  for (let i = 0; i < words.length; i += perRow) {
    rows.push(words.slice(i, i + perRow).map((w) => w.padEnd(cell)).join("").trimEnd());
  }
  return rows.join("\n");
}
