/**
 * Watches a served root (recursively, `Deno.watchFs`) and reports which paths changed, so a
 * cache of its files can drop what went stale. Reports `"all"` when events were lost (the
 * queue overflowed) and calls `onEnd` when the watch stops working (an error, or the watcher
 * ended on its own): from then on nothing is known and the cache must not be trusted.
 *
 * @module
 */

/** A running watch of a root. */
export interface RootWatch {
  /** Stops watching; resolves once the event loop has ended. */
  close(): Promise<void>;
}

/**
 * Starts watching `root`, or returns undefined when watching is unavailable (no inotify
 * watches left, no permission, an unsupported file system).
 *
 * @param onChange told the paths of each event, or `"all"` when some were lost.
 * @param onEnd told once when the watch stops delivering events other than through `close()`.
 */
export function watchRoot(
  root: string,
  onChange: (paths: readonly string[] | "all") => void,
  onEnd: (why: string) => void,
): RootWatch | undefined {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(root, { recursive: true });
  } catch {
    return undefined;
  }
  let closing = false;
  const loop = (async () => {
    try {
      for await (const event of watcher) {
        onChange(event.flag === "rescan" ? "all" : event.paths);
      }
      if (!closing) onEnd("the watcher ended");
    } catch (e) {
      if (!closing) onEnd((e as Error).message);
    }
  })();
  return {
    async close() {
      if (closing) return loop;
      closing = true;
      try {
        watcher.close();
      } catch { /* already closed */ }
      await loop;
    },
  };
}
