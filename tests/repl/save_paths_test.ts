/** `:save` rewrites relative paths to resolve from the saved file, multipart parts included. */
import { assertEquals } from "@std/assert";
import { rebasePaths } from "../../lib/repl/save_script.ts";

Deno.test("rebasePaths: a multipart file part's path is rebased, not its field name", () => {
  assertEquals(
    rebasePaths(
      'http POST u multipart field "a=b" file "up" "data/x.bin" type "x/y"',
      "/w",
      "/w/t",
    ),
    'http POST u multipart field "a=b" file "up" "../data/x.bin" type "x/y"',
  );
  assertEquals(
    rebasePaths('http POST u multipart file "up" "/abs/x.bin" ca c.pem', "/w", "/w/t"),
    'http POST u multipart file "up" "/abs/x.bin" ca ../c.pem',
  );
  assertEquals(
    rebasePaths('send c file "a/b.txt"', "/w", "/w/t"),
    'send c file "../a/b.txt"',
  );
});
