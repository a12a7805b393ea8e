/**
 * The REPL's history file: one entry per line, oldest first. Each entry is appended
 * (under a lock), so several REPLs can share the file; it is trimmed to the newest
 * {@linkcode HISTORY_LIMIT} entries (atomically) when it has grown past twice that.
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

  /**
   * Reads the file (a missing or unreadable file is an empty history); trims it to the
   * newest `limit` entries when it has grown past twice that.
   */
  static async open(path: string | undefined, limit = HISTORY_LIMIT): Promise<HistoryFile> {
    const h = new HistoryFile(path, limit);
    if (!path) return h;
    try {
      const text = await Deno.readTextFile(path);
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      h.entries.push(...lines.slice(-limit));
      if (lines.length > 2 * limit) h.#writing = h.#trim();
    } catch { /* no history yet */ }
    return h;
  }

  /** Entries newest first. */
  newestFirst(): string[] {
    return [...this.entries].reverse();
  }

  /**
   * Adds an entry (not a repeat of the last one) and appends it to the file: one write
   * under an exclusive lock, so REPLs open at once keep each other's lines.
   */
  add(line: string): void {
    const entry = line.trim();
    if (!entry || entry.length > MAX_ENTRY_LENGTH || entry.includes("\n")) return;
    if (this.entries[this.entries.length - 1] === entry) return;
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.#queue(() => this.#append(entry + "\n"));
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.#writing;
  }

  #queue(job: () => Promise<void>): void {
    if (!this.path) return;
    this.#writing = this.#writing.then(job).catch((e) => {
      if (!this.#warned) {
        this.#warned = true;
        console.error(`wireplay: history not saved to ${this.path}: ${(e as Error).message}`);
      }
    });
  }

  async #append(text: string): Promise<void> {
    const path = this.path!;
    await Deno.mkdir(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      using file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
      await file.lock(true);
      // a trim may have replaced the file while we waited for the lock: append to the new one
      const [held, current] = [await file.stat(), await Deno.stat(path).catch(() => undefined)];
      if (current && held.ino !== current.ino) continue;
      await file.write(new TextEncoder().encode(text));
      await file.unlock();
      return;
    }
  }

  /** Rewrites the file with its newest `limit` entries (temp file, then rename), locked. */
  async #trim(): Promise<void> {
    const path = this.path!;
    using file = await Deno.open(path, { read: true, write: true });
    await file.lock(true);
    const text = await Deno.readTextFile(path);
    const lines = text.split("\n").filter((l) => l.trim() !== "").slice(-this.limit);
    await atomicWrite(path, lines.join("\n") + "\n", { mode: 0o600 });
    await file.unlock();
  }
}
