/**
 * Reliability: 200 concurrent connections through `wireplay proxy` (a subprocess, as a
 * user runs it) carrying 1 GiB in all, both directions, with three half-close patterns
 * mixed at random (both stream at once; request then response; server first). For every
 * connection the sha256 of what each side sent must equal what the other side received.
 * A deadline (AbortSignal) turns a hang into a failure.
 *
 * The same through `wireplay record` (issue 17): the traffic must pass intact while it is
 * recorded, and the recording must hold every byte of every connection exactly (checked
 * through the replay plan, which reads its side files as `replay` does).
 *
 * WIREPLAY_RELIABILITY_BYTES overrides the total (default 1 GiB).
 */
import { assert, assertEquals } from "@std/assert";
import { planReplay } from "../../lib/proxy/replay_plan.ts";
import { tempDir } from "../helpers/mod.ts";
import { createHash } from "node:crypto";
import { freePort, serve, startCli, writeAll } from "./_helpers.ts";
import { seededRandom } from "../helpers/random.ts";

const CONNECTIONS = 200;
const TOTAL = Number(Deno.env.get("WIREPLAY_RELIABILITY_BYTES") ?? 1024 ** 3);
const DEADLINE_MS = 120_000;

type Mode = "both" | "request" | "server-first";

interface Plan {
  id: number;
  up: number;
  down: number;
  mode: Mode;
}

const POOL = new Uint8Array(4 * 1024 * 1024);
for (let i = 0; i < POOL.length; i += 65536) crypto.getRandomValues(POOL.subarray(i, i + 65536));

/** Sends `size` pseudo-random bytes in random-sized writes; returns their sha256. */
async function sendData(conn: Deno.Conn, size: number, seed: number): Promise<string> {
  const hash = createHash("sha256");
  const rand = seededRandom(seed);
  let offset = Math.floor(rand() * POOL.length);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, 1 + Math.floor(rand() * 256 * 1024), POOL.length - offset);
    const piece = POOL.subarray(offset, offset + n);
    hash.update(piece);
    await writeAll(conn, piece);
    left -= n;
    offset = (offset + n) % POOL.length;
  }
  return hash.digest("hex");
}

/** Reads to the end; returns the sha256 and byte count. */
async function receiveAll(
  conn: Deno.Conn,
  buf: Uint8Array,
): Promise<{ hash: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    bytes += n;
  }
  return { hash: hash.digest("hex"), bytes };
}

async function readHeader(conn: Deno.Conn): Promise<Uint8Array> {
  const head = new Uint8Array(12);
  let got = 0;
  while (got < 12) {
    const n = await conn.read(head.subarray(got));
    if (n === null) throw new Error("EOF in header");
    got += n;
  }
  return head;
}

for (const command of ["proxy", "record"] as const) {
  Deno.test({
    name: `${command} reliability: ${CONNECTIONS} connections, ${
      (TOTAL / 1024 ** 2).toFixed(0)
    } MiB, sha256 both ways`,
    sanitizeResources: true,
    fn: () => reliability(command),
  });
}

async function reliability(command: "proxy" | "record"): Promise<void> {
  {
    const rand = seededRandom(42);
    const plans: Plan[] = [];
    const weights = Array.from({ length: CONNECTIONS }, () => 0.2 + rand());
    const wsum = weights.reduce((a, b) => a + b, 0);
    const modes: Mode[] = ["both", "request", "server-first"];
    for (let id = 0; id < CONNECTIONS; id++) {
      const bytes = Math.floor((TOTAL * weights[id]!) / wsum);
      const upShare = rand();
      const up = Math.floor(bytes * upShare);
      plans.push({ id, up, down: bytes - up, mode: modes[Math.floor(rand() * 3)]! });
    }
    const serverSide = new Map<number, { sent: string; received: string; receivedBytes: number }>();
    const serverDone = plans.map(() => Promise.withResolvers<void>());
    const deadline = AbortSignal.timeout(DEADLINE_MS);
    const open = new Set<Deno.Conn>();
    const onDeadline = () => {
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    };
    deadline.addEventListener("abort", onDeadline, { once: true });

    await using server = serve(async (conn) => {
      open.add(conn);
      const head = await readHeader(conn);
      const view = new DataView(head.buffer);
      const plan = plans[view.getUint32(0)]!;
      const buf = new Uint8Array(256 * 1024);
      const receiving = receiveAll(conn, buf);
      let sent: string;
      let received: { hash: string; bytes: number };
      if (plan.mode === "request") {
        received = await receiving;
        sent = await sendData(conn, plan.down, plan.id * 2 + 1);
        await conn.closeWrite();
      } else {
        sent = await sendData(conn, plan.down, plan.id * 2 + 1);
        await conn.closeWrite();
        received = await receiving;
      }
      serverSide.set(plan.id, { sent, received: received.hash, receivedBytes: received.bytes });
      serverDone[plan.id]!.resolve();
      open.delete(conn);
    });

    const port = freePort();
    await using dir = await tempDir();
    const out = dir.join("rec.wire");
    await using proxy = startCli([
      command,
      ...(command === "record" ? ["--out", out] : []),
      "--listen",
      `tcp://127.0.0.1:${port}`,
      "--upstream",
      server.address,
    ]);
    await proxy.waitFor(command === "record" ? /^recording /m : /^proxy /m);

    const t0 = performance.now();
    const results = await Promise.all(plans.map(async (plan) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      open.add(conn);
      try {
        const head = new Uint8Array(12);
        new DataView(head.buffer).setUint32(0, plan.id);
        const buf = new Uint8Array(256 * 1024);
        let sent: string;
        let received: { hash: string; bytes: number };
        await writeAll(conn, head);
        if (plan.mode === "server-first") {
          received = await receiveAll(conn, buf);
          sent = await sendData(conn, plan.up, plan.id * 2);
          await conn.closeWrite();
        } else {
          const receiving = receiveAll(conn, buf);
          sent = await sendData(conn, plan.up, plan.id * 2);
          await conn.closeWrite();
          received = await receiving;
        }
        return { id: plan.id, sent, received };
      } finally {
        open.delete(conn);
        conn.close();
      }
    }));
    // the server's side may still be receiving what the proxy forwards: wait for it
    const hung = Promise.withResolvers<void>();
    const onHang = () => hung.reject(new Error("the server side hung"));
    deadline.addEventListener("abort", onHang, { once: true });
    await Promise.race([Promise.all(serverDone.map((d) => d.promise)), hung.promise]);
    deadline.removeEventListener("abort", onHang);
    const seconds = (performance.now() - t0) / 1000;
    deadline.removeEventListener("abort", onDeadline);
    const code = await proxy.stop("SIGTERM");
    assertEquals(code, 0, proxy.stderr());

    let moved = 0;
    for (const r of results) {
      const plan = plans[r.id]!;
      const s = serverSide.get(r.id);
      if (!s) throw new Error(`connection ${r.id}: the server never finished`);
      assertEquals(s.receivedBytes, plan.up, `connection ${r.id} (${plan.mode}): bytes up`);
      assertEquals(s.received, r.sent, `connection ${r.id} (${plan.mode}): sha256 up`);
      assertEquals(r.received.bytes, plan.down, `connection ${r.id} (${plan.mode}): bytes down`);
      assertEquals(r.received.hash, s.sent, `connection ${r.id} (${plan.mode}): sha256 down`);
      moved += plan.up + plan.down + 12;
    }
    console.log(
      `  ${CONNECTIONS} connections, ${(moved / 1024 ** 2).toFixed(0)} MiB in ${
        seconds.toFixed(1)
      }s ` +
        `(${(moved / 1024 ** 2 / seconds).toFixed(0)} MiB/s through the ${command})`,
    );
    if (command === "record") {
      const recorded = await checkRecording(out, results, serverSide);
      console.log(`  recorded: ${recorded}`);
    }
  }
}

/** Every connection's bytes, both ways, are in the recording (read as `replay` reads it). */
async function checkRecording(
  out: string,
  clients: { id: number; sent: string; received: { hash: string; bytes: number } }[],
  servers: Map<number, { sent: string; received: string; receivedBytes: number }>,
): Promise<string> {
  const text = await Deno.readTextFile(out);
  const connections = await planReplay(text, out);
  assertEquals(connections.length, CONNECTIONS);
  const seen = new Set<number>();
  for (const c of connections) {
    const up = createHash("sha256");
    const down = createHash("sha256");
    let head: Uint8Array | undefined;
    for (const step of c.steps) {
      if (step.kind === "receive") {
        // the first 12 bytes up are the plan's header: its id first
        if (!head) {
          head = step.bytes.subarray(0, 12);
          up.update(step.bytes.subarray(12));
        } else up.update(step.bytes);
      } else if (step.kind === "reply") down.update(step.bytes);
    }
    assert(head && head.byteLength === 12, `${c.name}: no header recorded`);
    const id = new DataView(head.buffer, head.byteOffset).getUint32(0);
    seen.add(id);
    assertEquals(up.digest("hex"), clients.find((r) => r.id === id)!.sent, `${c.name}: up`);
    assertEquals(down.digest("hex"), servers.get(id)!.sent, `${c.name}: down`);
  }
  assertEquals(seen.size, CONNECTIONS);
  let sideFiles = 0;
  for await (const e of Deno.readDir(`${out.slice(0, -".wire".length)}.d`)) {
    assert(!e.name.endsWith(".tmp"), `a temporary file was left: ${e.name}`);
    sideFiles++;
  }
  return `${text.length} characters of .wire, ${sideFiles} side files`;
}
