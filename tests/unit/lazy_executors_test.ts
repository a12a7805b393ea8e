import { assertEquals } from "@std/assert";
import { EXECUTORS, LAZY_EXECUTORS } from "../../lib/run/exec/mod.ts";

Deno.test("lazy executors: each module's listed kinds are exactly its executor table's", async () => {
  for (const lazy of LAZY_EXECUTORS) {
    const table = await lazy.load();
    assertEquals([...lazy.kinds].sort(), Object.keys(table).sort());
    for (const kind of lazy.kinds) assertEquals(typeof EXECUTORS[kind], "function", kind);
  }
});

Deno.test("lazy executors: no kind is listed twice", () => {
  const kinds = LAZY_EXECUTORS.flatMap((lazy) => lazy.kinds);
  assertEquals(new Set(kinds).size, kinds.length);
});
