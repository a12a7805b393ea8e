/**
 * The O_DIRECT writer (lib/fs/direct_write.ts) behind a recording's side files: whole files
 * of any size, byte for byte, no temporary file left; a view it cannot write directly is
 * refused without writing anything. It needs --allow-ffi, so it runs in a child process.
 */
import { assertEquals } from "@std/assert";
import { tempDir } from "../helpers/temp.ts";

const CHILD = new URL("./_direct_write_child.ts", import.meta.url).pathname;

/** Whether the folder's file system takes O_DIRECT writes (dd says). */
async function takesDirect(dir: string): Promise<boolean> {
  const out = await new Deno.Command("dd", {
    args: ["if=/dev/zero", `of=${dir}/probe`, "bs=4096", "count=1", "oflag=direct"],
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(10_000),
  }).output();
  await Deno.remove(`${dir}/probe`).catch(() => {});
  return out.success;
}

Deno.test({
  name: "direct writes: any size byte for byte, through a rename; unaligned views refused",
  ignore: Deno.build.os !== "linux" || Deno.build.arch !== "x86_64",
  async fn() {
    await using dir = await tempDir();
    const expectDirect = await takesDirect(dir.path);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", "--allow-read", "--allow-write", CHILD, dir.path],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const got = JSON.parse(text) as {
      writer: boolean;
      sizes: number[];
      direct: boolean[];
      unaligned: boolean;
    };
    assertEquals(got.writer, true);
    assertEquals(got.unaligned, false);
    assertEquals(got.direct, got.sizes.map(() => expectDirect));
    const names = [];
    for await (const e of Deno.readDir(dir.path)) names.push(e.name);
    const written = expectDirect ? got.sizes.map((s) => `f${s}.bin`) : [];
    assertEquals(names.sort(), written.sort()); // no temporary file, nothing for the refused view
    for (const size of expectDirect ? got.sizes : []) {
      const bytes = await Deno.readFile(dir.join(`f${size}.bin`));
      assertEquals(bytes.byteLength, size);
      for (let i = 0; i < size; i++) {
        if (bytes[i] !== ((i * 31 + 7) & 0xff)) throw new Error(`f${size}.bin: byte ${i} differs`);
      }
    }
  },
});
