/**
 * The REPL's history file: one entry per line, oldest first, at most
 * {@linkcode HISTORY_LIMIT} entries, rewritten atomically after each entry.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { atomicWrite } from "../fs/atomic_write.ts";

/** The most entries kept. */
export const HISTORY_LIMIT = 1000;
/** Entries longer than this are not kept (a huge pasted payload). */
export const MAX_ENTRY_LENGTH = 64 * 1024;

/**
 * The default history file: `$XDG_STATE_HOME/wireplay/history`, else
 * `~/.local/state/wireplay/history`; undefined when neither can be found (or the
 * environment may not be read).
 */
export function defaultHistoryPath(): string | undefined {
  try {
    const state = Deno.env.get("XDG_STATE_HOME");
    if (state) return join(state, "wireplay", "history");
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    return home ? join(home, ".local", "state", "wireplay", "history") : undefined;
  } catch {
    return undefined;
  }
}

/** A bounded, persisted list of entered lines. */
export class HistoryFile {
  /** Entries, oldest first. */
  readonly entries: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #warned = false;

  constructor(readonly path: string | undefined, readonly limit = HISTORY_LIMIT) {}

  /** Reads the file (a missing or unreadable file is an empty history). */
  static async open(path: string | undefined, limit = HISTORY_LIMIT): Promise<HistoryFile> {
    const h = new HistoryFile(path, limit);
    if (!path) return h;
    try {
      const text = await Deno.readTextFile(path);
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      h.entries.push(...lines.slice(-limit));
    } catch { /* no history yet */ }
    return h;
  }

  /** Entries newest first, as node:readline wants them. */
  newestFirst(): string[] {
    return [...this.entries].reverse();
  }

  /** Adds an entry (not a repeat of the last one) and schedules a rewrite of the file. */
  add(line: string): void {
    const entry = line.trim();
    if (!entry || entry.length > MAX_ENTRY_LENGTH || entry.includes("\n")) return;
    if (this.entries[this.entries.length - 1] === entry) return;
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.#schedule();
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.#writing;
  }

  #schedule(): void {
    const path = this.path;
    if (!path) return;
    const snapshot = this.entries.join("\n") + "\n";
    this.#writing = this.#writing.then(async () => {
      try {
        await Deno.mkdir(dirname(path), { recursive: true });
        await atomicWrite(path, snapshot, { mode: 0o600 });
      } catch (e) {
        if (!this.#warned) {
          this.#warned = true;
          console.error(`wireplay: history not saved to ${path}: ${(e as Error).message}`);
        }
      }
    });
  }
}
