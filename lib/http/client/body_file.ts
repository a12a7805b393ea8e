/**
 * The file a response body is saved to (`http … save FILE`, `saveTo`): written to a temp file
 * next to it and renamed into place once the body is complete, so a failed or cut-off
 * download leaves nothing half-written. A path that exists and is not a regular file (a
 * device such as `/dev/null`, a FIFO) is written directly.
 *
 * @module
 */
import type { BodySink } from "./http1.ts";

/** An open body file: write the body, then `commit` (rename into place) or `abort`. */
export interface BodyFile extends BodySink {
  /** The path the body ends up at. */
  readonly path: string;
  /** Closes the file and moves it into place. */
  commit(): Promise<void>;
  /** Closes the file and removes what was written (idempotent; a no-op after `commit`). */
  abort(): Promise<void>;
}

/** Opens `path` for a body (see the module doc). */
export async function openBodyFile(path: string): Promise<BodyFile> {
  let direct = false;
  try {
    direct = !(await Deno.stat(path)).isFile;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const base = path.slice(slash + 1);
  const temp = direct
    ? path
    : await Deno.makeTempFile({ dir, prefix: `.${base}.`, suffix: ".part" });
  const file = await Deno.open(temp, { write: true, truncate: !direct });
  let state: "open" | "committed" | "aborted" = "open";
  return {
    path,
    // A sync write: one piece of at most 1 MiB into the page cache, and the body's next read
    // waits for it anyway; the async write's hop to a thread cost more (a third of the time
    // of a body discarded into /dev/null).
    // deno-lint-ignore require-await
    async write(bytes) {
      let off = 0;
      while (off < bytes.byteLength) off += file.writeSync(bytes.subarray(off));
    },
    async commit() {
      if (state !== "open") return;
      state = "committed";
      file.close();
      if (direct) return;
      // a temp file is made 0600; the body is saved as an ordinary file (as curl -o makes it)
      await Deno.chmod(temp, 0o644).catch(() => {});
      await Deno.rename(temp, path);
    },
    async abort() {
      if (state !== "open") return;
      state = "aborted";
      file.close();
      if (!direct) await Deno.remove(temp).catch(() => {});
    },
  };
}
