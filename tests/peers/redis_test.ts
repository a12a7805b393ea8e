import { assertEquals, assertStringIncludes } from "@std/assert";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { startRedis } from "../helpers/peer.ts";
import { needs } from "../helpers/peers.ts";
import { fails, passes } from "../helpers/wire.ts";

Deno.test({
  name: "redis-server: `cli.ts test scripts/ --var redis=…` passes every example",
  ...needs("redis-server"),
  async fn() {
    await using peer = await startRedis();
    const port = peer.port;
    const r = await runCli(["test", "scripts/", "--var", `redis=tcp://127.0.0.1:${port}`]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "ok   scripts/redis.wire");
    const files = [];
    for await (const e of Deno.readDir(`${REPO_ROOT}scripts`)) {
      if (e.name.endsWith(".wire")) files.push(e);
    }
    assertEquals(r.stdout.trimEnd().split("\n").at(-1), `${files.length} passed, 0 failed`);
    // without the variable the redis script is skipped, not failed
    const skipped = await runCli(["test", "scripts/redis.wire"]);
    assertEquals(skipped.code, 0);
    assertEquals(skipped.stdout.trimEnd().split("\n").at(-1), "0 passed, 0 failed, 1 skipped");
  },
});

Deno.test({
  name: "redis-server: captures across statements, and a wrong reply fails with the reply shown",
  ...needs("redis-server"),
  async fn() {
    await using peer = await startRedis();
    const port = peer.port;
    const vars = { redis: `tcp://127.0.0.1:${port}` };
    const r = await passes(
      `connect \${redis} as r
send r "SET visits 10\\r\\n"
expect r line "+OK"
send r "INCR visits\\r\\n"
expect r /:(?<n>\\d+)\\r\\n/ as v
send r "INCRBY visits \${v.n}\\r\\n"
expect r line /^:(\\d+)$/ as w
assert \${w.1} == 22
send r "CLIENT SETNAME wireplay-\${v.n}\\r\\n"
expect r line "+OK"
send r "CLIENT GETNAME\\r\\n"
expect r line "$11"
expect r bytes 11 as name
expect r "\\r\\n"
print \${name}`,
      { vars },
    );
    assertEquals(r.output, ["wireplay-11"]);
    const f = await fails(
      `connect \${redis} as r\nsend r "GET nothing-here\\r\\n"\nexpect r line "+OK"`,
      {
        vars,
      },
    );
    assertEquals(f.reason, "line differs");
    assertEquals(f.where, "inline.wire:3");
    assertEquals(f.details.received, new TextEncoder().encode("$-1"));
  },
});
