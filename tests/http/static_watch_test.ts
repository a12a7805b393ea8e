// Static files with a watched root (issue 17): an unchanged small file is answered from
// memory with no system call; an edit, a new file, a deletion, a rename or a folder swapped
// for a link shows on the first request after the watcher's event (waited for here, with a
// deadline); nothing outside the root is ever served; without a watcher every request is
// checked as before.
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { StaticFiles, type StaticFilesOptions } from "../../lib/http/server/static_files.ts";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { tempDir } from "../helpers/temp.ts";
import { within } from "../helpers/process.ts";

const DEADLINE_MS = 5000;

/** A root with files, watched, and a way to wait until the watcher has named a path. */
async function watchedSite(opts: StaticFilesOptions = {}) {
  const dir = await tempDir("wireplay-static-watch-");
  await Deno.mkdir(dir.join("root/sub/deeper"), { recursive: true });
  await Deno.mkdir(dir.join("outside"), { recursive: true });
  await Deno.writeTextFile(dir.join("root/a.txt"), "first a\n");
  await Deno.writeTextFile(dir.join("root/b.txt"), "inside b\n");
  await Deno.writeTextFile(dir.join("root/sub/deeper/c.txt"), "inside c\n");
  await Deno.writeTextFile(dir.join("root/sub/index.html"), "<h1>sub</h1>");
  await Deno.writeTextFile(dir.join("outside/b.txt"), "OUTSIDE B\n");
  await Deno.writeTextFile(dir.join("outside/c.txt"), "OUTSIDE C\n");
  const seen: (readonly string[] | "all")[] = [];
  let wake: (() => void) | undefined;
  const files = new StaticFiles(dir.join("root"), {
    watch: true,
    settleMs: 0, // the folders above were made before the watch started
    onInvalidate: (paths) => {
      seen.push(paths);
      wake?.();
    },
    ...opts,
  });
  const root = files.root;
  const ask = async (path: string, init: RequestInit = {}) => {
    const res = await files.serve(new Request(`http://x${path}`, init), path);
    return res === undefined
      ? { status: 404, text: "", etag: null, res }
      : { status: res.status, text: await res.text(), etag: res.headers.get("etag"), res };
  };
  /** Resolves once an event named `path` (relative to the root) or dropped everything. */
  const changed = (rel: string) => {
    const path = `${root}/${rel}`;
    const found = () => seen.some((p) => p === "all" || p.includes(path));
    return within(
      new Promise<void>((resolve) => {
        if (found()) return resolve();
        wake = () => found() && resolve();
      }),
      DEADLINE_MS,
      `the watcher's event for ${rel}`,
    );
  };
  return {
    dir,
    files,
    root,
    ask,
    changed,
    forget: () => seen.length = 0,
    async [Symbol.asyncDispose]() {
      await files.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Counts the file system calls made while `fn` runs. */
async function countFsCalls(fn: () => Promise<unknown>): Promise<number> {
  const names = [
    "statSync",
    "lstatSync",
    "realPathSync",
    "openSync",
    "stat",
    "lstat",
    "realPath",
    "open",
    "readFileSync",
  ] as const;
  const saved = names.map((n) => Deno[n]);
  let calls = 0;
  names.forEach((n, i) => {
    // deno-lint-ignore no-explicit-any
    (Deno as any)[n] = (...args: unknown[]) => {
      calls++;
      // deno-lint-ignore no-explicit-any
      return (saved[i] as any)(...args);
    };
  });
  try {
    await fn();
  } finally {
    // deno-lint-ignore no-explicit-any
    names.forEach((n, i) => (Deno as any)[n] = saved[i]);
  }
  return calls;
}

Deno.test("static watch: an unchanged file is answered with no system call; 304, Range and HEAD as before", async () => {
  await using s = await watchedSite();
  assert(s.files.watching);
  const first = await s.ask("/a.txt");
  assertEquals(first.text, "first a\n");
  const firstCalls = await countFsCalls(() => s.ask("/sub/deeper/c.txt"));
  assert(firstCalls > 0, "the first request resolves and reads the file");
  const calls = await countFsCalls(async () => {
    assertEquals((await s.ask("/a.txt")).text, "first a\n");
    assertEquals((await s.ask("/sub/deeper/c.txt")).text, "inside c\n");
    const notModified = await s.ask("/a.txt", { headers: { "if-none-match": first.etag! } });
    assertEquals(notModified.status, 304);
    const since = await s.ask("/a.txt", {
      headers: { "if-modified-since": first.res!.headers.get("last-modified")! },
    });
    assertEquals(since.status, 304);
    const part = await s.ask("/a.txt", { headers: { range: "bytes=0-4" } });
    assertEquals([part.status, part.text], [206, "first"]);
    assertEquals(part.res!.headers.get("content-range"), "bytes 0-4/8");
    const head = await s.ask("/a.txt", { method: "HEAD" });
    assertEquals([head.status, head.text], [200, ""]);
    assertEquals(head.res!.headers.get("content-length"), "8");
  });
  assertEquals(calls, 0);
  // index.html of a folder too
  assertEquals((await s.ask("/sub/")).text, "<h1>sub</h1>");
  assertEquals(await countFsCalls(() => s.ask("/sub/")), 0);
});

Deno.test("static watch: an edit shows on the first request after its event, with a new ETag", async () => {
  await using s = await watchedSite();
  const before = await s.ask("/a.txt");
  await s.ask("/sub/deeper/c.txt");
  await Deno.writeTextFile(`${s.root}/a.txt`, "second, longer a\n");
  await s.changed("a.txt");
  const after = await s.ask("/a.txt");
  assertEquals(after.text, "second, longer a\n");
  assertNotEquals(after.etag, before.etag);
  // an edit that keeps the size (and possibly the millisecond) shows too
  await Deno.writeTextFile(`${s.root}/sub/deeper/c.txt`, "INSIDE C\n");
  await s.changed("sub/deeper/c.txt");
  assertEquals((await s.ask("/sub/deeper/c.txt")).text, "INSIDE C\n");
});

Deno.test("static watch: new files show at once, deleted and renamed ones after their events", async () => {
  await using s = await watchedSite();
  assertEquals((await s.ask("/new.txt")).status, 404);
  await Deno.writeTextFile(`${s.root}/new.txt`, "new\n");
  assertEquals((await s.ask("/new.txt")).text, "new\n"); // misses are never cached
  await Deno.mkdir(`${s.root}/fresh`);
  await Deno.writeTextFile(`${s.root}/fresh/x.txt`, "x\n");
  assertEquals((await s.ask("/fresh/x.txt")).text, "x\n");
  assertEquals((await s.ask("/b.txt")).text, "inside b\n");
  await Deno.remove(`${s.root}/b.txt`);
  await s.changed("b.txt");
  assertEquals((await s.ask("/b.txt")).status, 404);
  assertEquals((await s.ask("/a.txt")).text, "first a\n");
  await Deno.rename(`${s.root}/a.txt`, `${s.root}/renamed.txt`);
  await s.changed("a.txt");
  assertEquals((await s.ask("/a.txt")).status, 404);
  assertEquals((await s.ask("/renamed.txt")).text, "first a\n");
  // a file moved in over a cached one
  assertEquals((await s.ask("/renamed.txt")).text, "first a\n");
  await Deno.writeTextFile(`${s.dir.path}/replacement.txt`, "moved in\n");
  s.forget();
  await Deno.rename(`${s.dir.path}/replacement.txt`, `${s.root}/renamed.txt`);
  await s.changed("renamed.txt");
  assertEquals((await s.ask("/renamed.txt")).text, "moved in\n");
});

Deno.test("static watch: a renamed folder drops what was cached under it; a folder swapped for a link out never serves outside bytes", async () => {
  await using s = await watchedSite();
  assertEquals((await s.ask("/sub/deeper/c.txt")).text, "inside c\n");
  assertEquals((await s.ask("/sub/")).text, "<h1>sub</h1>");
  await Deno.rename(`${s.root}/sub`, `${s.dir.path}/sub-away`);
  // until the event arrives the held (inside) bytes may still answer; never outside ones
  await Deno.symlink(`${s.dir.path}/outside`, `${s.root}/sub`);
  const during = await s.ask("/sub/deeper/c.txt");
  assert(!during.text.includes("OUTSIDE"), during.text);
  await s.changed("sub");
  for (const path of ["/sub/deeper/c.txt", "/sub/c.txt", "/sub/"]) {
    const res = await s.ask(path);
    assert([403, 404].includes(res.status), `${path}: ${res.status} ${res.text}`);
    assert(!res.text.includes("OUTSIDE"), path);
  }
});

Deno.test("static watch: a file swapped for a link out is refused after its event, never served from outside", async () => {
  await using s = await watchedSite();
  assertEquals((await s.ask("/b.txt")).text, "inside b\n");
  await Deno.remove(`${s.root}/b.txt`);
  await Deno.symlink(`${s.dir.path}/outside/b.txt`, `${s.root}/b.txt`);
  const during = await s.ask("/b.txt");
  assert(!during.text.includes("OUTSIDE"), during.text);
  await s.changed("b.txt");
  const after = await s.ask("/b.txt");
  assertEquals(after.status, 403);
  assert(!after.text.includes("OUTSIDE"));
});

Deno.test("static watch: links, hard links and young folders are checked on every request", async () => {
  await using s = await watchedSite({ settleMs: 60_000 });
  // young folders: sub/ was made just now
  await s.ask("/sub/deeper/c.txt");
  assert(await countFsCalls(() => s.ask("/sub/deeper/c.txt")) > 0);
  // a file in the root itself needs no folder to settle
  await s.ask("/a.txt");
  assertEquals(await countFsCalls(() => s.ask("/a.txt")), 0);
  await Deno.symlink(`${s.root}/a.txt`, `${s.root}/link.txt`);
  await s.ask("/link.txt");
  assert(await countFsCalls(() => s.ask("/link.txt")) > 0, "a link is resolved each time");
  await Deno.link(`${s.root}/b.txt`, `${s.dir.path}/other-name.txt`);
  await s.ask("/b.txt");
  assert(await countFsCalls(() => s.ask("/b.txt")) > 0, "an edit via another name is unseen");
  // … so an edit through the other name shows at once
  await Deno.writeTextFile(`${s.dir.path}/other-name.txt`, "edited elsewhere\n");
  assertEquals((await s.ask("/b.txt")).text, "edited elsewhere\n");
});

Deno.test("static watch: without a watcher (unavailable or stopped) every request is checked, edits show at once", async () => {
  await using dir = await tempDir("wireplay-static-nowatch-");
  await Deno.writeTextFile(dir.join("a.txt"), "one\n");
  const realWatch = Deno.watchFs;
  Deno.watchFs = () => {
    throw new Deno.errors.Busy("inotify watch limit reached (simulated)");
  };
  let files: StaticFiles;
  try {
    files = new StaticFiles(dir.path, { watch: true, settleMs: 0 });
  } finally {
    Deno.watchFs = realWatch;
  }
  await using _ = files;
  assertEquals(files.watching, false);
  const ask = async () =>
    await (await files.serve(new Request("http://x/a.txt"), "/a.txt"))!.text();
  assertEquals(await ask(), "one\n");
  assert(await countFsCalls(ask) > 0);
  await Deno.writeTextFile(dir.join("a.txt"), "two, longer\n");
  assertEquals(await ask(), "two, longer\n");

  // a watcher that stops delivering: the cache is dropped and checks resume
  let end: (() => void) | undefined;
  Deno.watchFs = () =>
    ({
      close() {
        end?.();
      },
      [Symbol.dispose]() {},
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<Deno.FsEvent>>((r) =>
            end = () => r({ done: true, value: undefined })
          ),
      }),
    }) as unknown as Deno.FsWatcher;
  let stopped: StaticFiles;
  const ended = Promise.withResolvers<void>();
  try {
    stopped = new StaticFiles(dir.path, {
      watch: true,
      settleMs: 0,
      onInvalidate: (p) => p === "all" && ended.resolve(),
    });
  } finally {
    Deno.watchFs = realWatch;
  }
  await using __ = stopped;
  const askStopped = async () =>
    await (await stopped.serve(new Request("http://x/a.txt"), "/a.txt"))!.text();
  assertEquals(await askStopped(), "two, longer\n");
  assertEquals(await countFsCalls(askStopped), 0, "answered from memory while watched");
  end!(); // the watcher ends on its own
  await within(ended.promise, DEADLINE_MS, "the cache dropped when the watcher ended");
  assertEquals(stopped.watching, false);
  await Deno.writeTextFile(dir.join("a.txt"), "three\n");
  assertEquals(await askStopped(), "three\n");
});

Deno.test("static watch: the cache is bounded in bytes; evicted files are read again", async () => {
  await using s = await watchedSite({ maxCacheBytes: 12 });
  assertEquals((await s.ask("/a.txt")).text, "first a\n"); // 8 bytes
  assertEquals(await countFsCalls(() => s.ask("/a.txt")), 0);
  assertEquals((await s.ask("/b.txt")).text, "inside b\n"); // 9 more: a.txt goes
  assertEquals(await countFsCalls(() => s.ask("/b.txt")), 0);
  assert(await countFsCalls(() => s.ask("/a.txt")) > 0, "evicted: read again");
});

Deno.test("static watch: serve http with watch answers, sees an edit, and closes its watcher", async () => {
  await using dir = await tempDir("wireplay-static-watch-server-");
  await Deno.writeTextFile(dir.join("page.html"), "<p>one</p>");
  await using server = await startHttpServer("http://127.0.0.1:0", {
    root: dir.path,
    watch: true,
  });
  const get = async () => await (await fetch(`${server.url}/page.html`)).text();
  assertEquals(await get(), "<p>one</p>");
  assertEquals(await get(), "<p>one</p>");
  await Deno.writeTextFile(dir.join("page.html"), "<p>two</p>");
  // each try is a full request; the first after the watcher's event has the new bytes
  const deadline = Date.now() + DEADLINE_MS;
  let body = await get();
  while (body !== "<p>two</p>" && Date.now() < deadline) {
    assertEquals(body, "<p>one</p>"); // the old version whole, never a mix
    body = await get();
  }
  assertEquals(body, "<p>two</p>");
});
