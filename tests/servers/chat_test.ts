import { assert, assertEquals } from "@std/assert";
import { startChatServer } from "../../lib/servers/chat/server.ts";
import { ChatTestClient, liveHeapBytes } from "./_chat_client.ts";

const CLIENTS = 1000;
const ROOMS = 20;
const MESSAGES = 10;

Deno.test({
  name:
    "chat: 1,000 clients, every message reaches every other room member once and in order; a stuck reader is dropped",
  async fn() {
    const heapBefore = liveHeapBytes();
    await using server = await startChatServer({
      address: "tcp://127.0.0.1:0",
      maxQueueBytes: 64 * 1024,
      ratePerSecond: 100000,
      burst: 100000,
    });
    const port = (server.addr as Deno.NetAddr).port;
    const clients: ChatTestClient[] = [];
    try {
      const roomOf = (i: number) => `#r${i % ROOMS}`;
      // check each message as it arrives instead of keeping half a million lines
      const next = Array.from({ length: CLIENTS }, () => new Map<number, number>());
      const problems: string[][] = Array.from({ length: CLIENTS }, () => []);
      const keeper = (i: number) => (line: string): boolean => {
        // notices are only counted, except the one each client waits for
        if (line.startsWith("*** ")) return line.startsWith(`*** c${i} joined`);
        const m = /^<c(\d+)> m (\d+) (\d+)$/.exec(line);
        if (!m) return true;
        const from = Number(m[1]), sender = Number(m[2]), seq = Number(m[3]);
        const want = next[i]!.get(from) ?? 0;
        if (from !== sender) problems[i]!.push(`nick c${from} carried c${sender}'s message`);
        if (from === i) problems[i]!.push("got its own message");
        if (roomOf(from) !== roomOf(i)) {
          problems[i]!.push(`got c${from}'s message from ${roomOf(from)}`);
        }
        if (seq !== want) {
          problems[i]!.push(`c${from}'s message ${seq} arrived when ${want} was due`);
        }
        next[i]!.set(from, seq + 1);
        return false;
      };
      // connect in batches so the listen backlog never overflows
      for (let i = 0; i < CLIENTS; i += 100) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(100, CLIENTS - i) }, async (_, k) => {
            const c = await ChatTestClient.connect(port);
            c.keep = keeper(i + k);
            return c;
          }),
        );
        clients.push(...batch);
      }
      await Promise.all(clients.map(async (c, i) => {
        await c.send(`/nick c${i}\n/join ${roomOf(i)}\n`);
        await c.waitFor(`*** c${i} joined ${roomOf(i)}`);
      }));
      assertEquals(server.clients, CLIENTS);
      assertEquals(
        server.rooms().filter((r) => r.room.startsWith("#r")).map((r) => r.members),
        Array(ROOMS).fill(CLIENTS / ROOMS),
      );

      // a stuck client in its own room, with a flooder and a watcher next to it
      const stuck = await ChatTestClient.connect(port, { reading: false });
      const flooder = await ChatTestClient.connect(port);
      const watcher = await ChatTestClient.connect(port);
      clients.push(stuck, flooder, watcher);
      watcher.keep = (l) => !l.startsWith("<flooder>");
      for (
        const [c, nick] of [[stuck, "stuck"], [flooder, "flooder"], [watcher, "watcher"]] as const
      ) {
        await c.send(`/nick ${nick}\n/join #slow\n`);
      }
      await watcher.waitFor("*** flooder joined #slow");
      await watcher.waitFor("*** stuck joined #slow").catch(() => {}); // may have joined first
      let dropped = false;
      const dropNotice = watcher.waitFor(
        (l) => l.startsWith("*** stuck left #slow (dropped"),
        50000,
      )
        .then((l) => (dropped = true, l));
      let flooded = 0;
      const flood = (async () => {
        const line = "x".repeat(1900) + "\n";
        const chunk = line.repeat(16); // ~30 KiB, paced by the watcher so only `stuck` falls behind
        let lines = 0;
        while (!dropped && flooded < 256 * 1024 * 1024) {
          await flooder.send(chunk);
          flooded += chunk.length;
          lines += 16;
          await watcher.waitUntil(() => watcher.skipped >= lines || dropped, 30000);
        }
      })();

      // everyone talks at once, while the flood goes on
      const started = performance.now();
      await Promise.all(
        clients.slice(0, CLIENTS).map((c, i) => {
          let text = "";
          for (let j = 0; j < MESSAGES; j++) text += `m ${i} ${j}\n`;
          return c.send(text);
        }),
      );
      const expected = (CLIENTS / ROOMS - 1) * MESSAGES;
      await Promise.all(
        clients.slice(0, CLIENTS).map(async (c, i) => {
          await c.waitUntil(() => c.messages >= expected, 40000).catch(() => {
            throw new Error(`c${i} got ${c.messages} of ${expected} messages`);
          });
        }),
      );
      const elapsed = performance.now() - started;

      const notice = await dropNotice;
      await flood;
      assert(notice.includes("too slow"), notice);
      assertEquals(server.rooms().find((r) => r.room === "#slow")?.members, 2);

      // exactly once, in each sender's order, only from the own room (checked as lines arrived)
      for (let i = 0; i < CLIENTS; i++) {
        assertEquals(problems[i], [], `c${i}`);
        assertEquals(next[i]!.size, CLIENTS / ROOMS - 1, `c${i} heard from too few members`);
        for (const n of next[i]!.values()) assertEquals(n, MESSAGES);
        assertEquals(clients[i]!.messages, expected, `c${i} got extra messages`);
      }
      const heapAfter = liveHeapBytes();
      const grown = (heapAfter - heapBefore) / 1024 / 1024;
      console.log(
        `  ${CLIENTS} clients, ${CLIENTS * MESSAGES} messages, ${
          CLIENTS * expected
        } deliveries in ${elapsed.toFixed(0)} ms; stuck reader dropped after ${
          (flooded / 1048576).toFixed(1)
        } MiB of flood; heap +${grown.toFixed(1)} MiB`,
      );
      // the stuck client's 64 KiB queue is all the server keeps for it, whatever the flood
      assert(grown < 64, `heap grew by ${grown.toFixed(1)} MiB`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  },
});
