/**
 * A UDP proxy with per-datagram faults. Each client (keyed by its source address) gets
 * its own upstream socket, so replies find their way back; a client silent for the
 * idle timeout is forgotten. Faults per direction (`up` client → upstream, `down`
 * back): loss, duplicate, reorder (held back behind the next `window` datagrams),
 * corrupt (one bit flipped), latency + jitter, and a rate limit in bytes per second
 * (over it, datagrams queue up to a bound, then are dropped as a router would).
 *
 * @module
 */
import { type Address, formatAddress, formatHostPort } from "../address/address.ts";
import type { Direction } from "./faults.ts";

/** The faults of one direction; an absent field is no fault. */
export interface UdpDirectionFaults {
  /** Probability (0–1) a datagram is dropped. */
  loss?: number;
  /** Probability a datagram is sent twice. */
  duplicate?: number;
  /** Probability a datagram is held back behind the next `reorderWindow` ones. */
  reorder?: number;
  /** How many datagrams overtake a reordered one (default 3). */
  reorderWindow?: number;
  /** Probability one bit of a datagram is flipped. */
  corrupt?: number;
  /** Delay every datagram by this many ms. */
  latencyMs?: number;
  /** Add a random 0…jitter ms on top (datagrams may overtake each other). */
  jitterMs?: number;
  /** Bytes per second. */
  rate?: number;
}

/** Faults of both directions. */
export interface UdpFaults {
  up: UdpDirectionFaults;
  down: UdpDirectionFaults;
}

/** Counters of one direction. */
export interface UdpDirectionStats {
  received: number;
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Dropped because the rate limit's queue was full. */
  overflowed: number;
}

/** Counters of a UDP proxy. */
export interface UdpProxyStats {
  clients: number;
  clientsTotal: number;
  up: UdpDirectionStats;
  down: UdpDirectionStats;
}

/** Options of {@linkcode startUdpProxy}. */
export interface UdpProxyOptions {
  listen: Address & { scheme: "udp" };
  upstream: Address & { scheme: "udp" };
  faults?: UdpFaults;
  /** Forget a client after this long without a datagram either way (default 60 s). */
  idleTimeoutMs?: number;
  /** Bytes a rate-limited direction queues before dropping (default 1 MiB). */
  maxQueued?: number;
  /** Told when a client appears or is forgotten. */
  onClient?: (event: "new" | "idle", client: string) => void;
  onError?: (message: string) => void;
  /** The random source (tests may seed it). */
  random?: () => number;
}

const emptyStats = (): UdpDirectionStats => ({
  received: 0,
  sent: 0,
  lost: 0,
  duplicated: 0,
  reordered: 0,
  corrupted: 0,
  overflowed: 0,
});

/** Applies one direction's faults to datagrams and sends what survives. */
class FaultLane {
  #held: { data: Uint8Array; left: number }[] = [];
  #nextSend = 0;
  #queued = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #sending: Promise<unknown> = Promise.resolve();

  constructor(
    readonly faults: () => UdpDirectionFaults,
    readonly stats: UdpDirectionStats,
    readonly send: (data: Uint8Array) => Promise<unknown>,
    readonly random: () => number,
    readonly maxQueued: number,
  ) {}

  push(data: Uint8Array): void {
    const f = this.faults();
    this.stats.received++;
    if (f.loss && this.random() < f.loss) {
      this.stats.lost++;
      return;
    }
    if (f.corrupt && this.random() < f.corrupt && data.byteLength) {
      data = data.slice();
      const bit = Math.floor(this.random() * data.byteLength * 8);
      data[bit >> 3] = data[bit >> 3]! ^ (1 << (bit & 7));
      this.stats.corrupted++;
    }
    const copies = f.duplicate && this.random() < f.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    // held datagrams are released after `window` later ones went by
    const release: Uint8Array[] = [];
    for (const h of this.#held) if (--h.left <= 0) release.push(h.data);
    this.#held = this.#held.filter((h) => h.left > 0);
    if (f.reorder && this.random() < f.reorder) {
      this.stats.reordered++;
      this.#held.push({ data, left: f.reorderWindow ?? 3 });
      // never held for ever: flushed after a short while if nothing follows
      this.#later(200, () => {
        const i = this.#held.findIndex((h) => h.data === data);
        if (i >= 0) this.#schedule(this.#held.splice(i, 1)[0]!.data, f);
      });
    } else for (let i = 0; i < copies; i++) this.#schedule(data, f);
    for (const r of release) this.#schedule(r, f);
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #schedule(data: Uint8Array, f: UdpDirectionFaults): void {
    let wait = (f.latencyMs ?? 0) + (f.jitterMs ? this.random() * f.jitterMs : 0);
    if (f.rate && f.rate > 0) {
      if (this.#queued + data.byteLength > this.maxQueued) {
        this.stats.overflowed++;
        return;
      }
      const now = performance.now();
      const start = Math.max(now, this.#nextSend);
      this.#nextSend = start + (data.byteLength / f.rate) * 1000;
      wait += start - now;
      this.#queued += data.byteLength;
      const n = data.byteLength;
      this.#later(wait, () => {
        this.#queued -= n;
        this.#out(data);
      });
      return;
    }
    if (wait >= 1) this.#later(wait, () => this.#out(data));
    else this.#out(data);
  }

  #out(data: Uint8Array): void {
    this.stats.sent++;
    // one send at a time: concurrent sends may leave in any order
    this.#sending = this.#sending.then(() => this.send(data)).catch(() => {});
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#held = [];
  }
}

interface UdpClient {
  key: string;
  addr: Deno.NetAddr;
  socket: Deno.DatagramConn;
  lastSeen: number;
  up: FaultLane;
  down: FaultLane;
  loop: Promise<void>;
}

/** A running UDP proxy. */
export class UdpProxy implements AsyncDisposable {
  #listener: Deno.DatagramConn;
  #o: UdpProxyOptions;
  #clients = new Map<string, UdpClient>();
  #faults: UdpFaults;
  #loop: Promise<void>;
  #sweeper: ReturnType<typeof setInterval>;
  #closed = false;
  readonly stats: UdpProxyStats = {
    clients: 0,
    clientsTotal: 0,
    up: emptyStats(),
    down: emptyStats(),
  };

  constructor(listener: Deno.DatagramConn, options: UdpProxyOptions) {
    this.#listener = listener;
    this.#o = options;
    this.#faults = options.faults ?? { up: {}, down: {} };
    const idle = options.idleTimeoutMs ?? 60_000;
    this.#sweeper = setInterval(() => this.#sweep(idle), Math.max(10, Math.min(1000, idle / 4)));
    this.#loop = this.#serve();
  }

  /** `udp://host:port`, port 0 resolved. */
  get address(): string {
    const a = this.#listener.addr as Deno.NetAddr;
    return `udp://${formatHostPort(a.hostname, a.port)}`;
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  get upstream(): string {
    return formatAddress(this.#o.upstream);
  }

  get faults(): UdpFaults {
    return this.#faults;
  }

  /** Replaces the faults; the next datagram sees them. */
  setFaults(faults: UdpFaults): void {
    this.#faults = { up: { ...faults.up }, down: { ...faults.down } };
  }

  #sweep(idle: number): void {
    const now = performance.now();
    for (const c of [...this.#clients.values()]) {
      if (now - c.lastSeen >= idle) this.#forget(c, "idle");
    }
  }

  #forget(c: UdpClient, why: "idle" | "closed"): void {
    if (!this.#clients.delete(c.key)) return;
    this.stats.clients--;
    c.up.close();
    c.down.close();
    try {
      c.socket.close();
    } catch { /* closed */ }
    if (why === "idle") this.#o.onClient?.("idle", c.key);
  }

  #client(addr: Deno.NetAddr): UdpClient {
    const key = `udp://${formatHostPort(addr.hostname, addr.port)}`;
    const c = this.#clients.get(key);
    if (c) return c;
    const up = this.#o.upstream;
    const socket = Deno.listenDatagram({
      transport: "udp",
      hostname: up.host.includes(":") ? "::" : "0.0.0.0",
      port: 0,
    });
    const target: Deno.NetAddr = { transport: "udp", hostname: up.host, port: up.port };
    const random = this.#o.random ?? Math.random;
    const maxQueued = this.#o.maxQueued ?? 1024 * 1024;
    const client: UdpClient = {
      key,
      addr,
      socket,
      lastSeen: performance.now(),
      up: new FaultLane(
        () => this.#faults.up,
        this.stats.up,
        (d) => socket.send(d, target),
        random,
        maxQueued,
      ),
      down: new FaultLane(
        () => this.#faults.down,
        this.stats.down,
        (d) => this.#listener.send(d, addr),
        random,
        maxQueued,
      ),
      loop: Promise.resolve(),
    };
    client.loop = (async () => {
      try {
        for await (const [data] of socket) {
          client.lastSeen = performance.now();
          client.down.push(data);
        }
      } catch { /* closed */ }
    })();
    this.#clients.set(key, client);
    this.stats.clients++;
    this.stats.clientsTotal++;
    this.#o.onClient?.("new", key);
    return client;
  }

  async #serve(): Promise<void> {
    try {
      for await (const [data, addr] of this.#listener) {
        if (addr.transport !== "udp") continue;
        let c: UdpClient;
        try {
          c = this.#client(addr);
        } catch (e) {
          this.#o.onError?.(`cannot open an upstream socket: ${(e as Error).message}`);
          continue;
        }
        c.lastSeen = performance.now();
        c.up.push(data);
      }
    } catch (e) {
      if (!this.#closed) this.#o.onError?.(`listener failed: ${(e as Error).message}`);
    }
  }

  /** Stops: closes the listener and every client's socket, and waits for their loops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    try {
      this.#listener.close();
    } catch { /* closed */ }
    await this.#loop;
    const loops = [...this.#clients.values()].map((c) => c.loop);
    for (const c of [...this.#clients.values()]) this.#forget(c, "closed");
    await Promise.all(loops);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Starts a UDP proxy (port 0 picks one). */
export function startUdpProxy(options: UdpProxyOptions): UdpProxy {
  const listener = Deno.listenDatagram({
    transport: "udp",
    hostname: options.listen.host,
    port: options.listen.port,
  });
  return new UdpProxy(listener, options);
}

/** The names of the UDP fault flags, with the field each sets. */
export const UDP_FAULT_FIELDS = {
  loss: "loss",
  duplicate: "duplicate",
  reorder: "reorder",
  "reorder-window": "reorderWindow",
  corrupt: "corrupt",
  rate: "rate",
} as const satisfies Record<string, keyof UdpDirectionFaults>;

/** Sets one field on the chosen directions. */
export function withUdpFault(
  f: UdpFaults,
  field: keyof UdpDirectionFaults,
  value: number,
  direction: Direction | "both",
): UdpFaults {
  const next = { up: { ...f.up }, down: { ...f.down } };
  if (direction !== "down") next.up[field] = value;
  if (direction !== "up") next.down[field] = value;
  return next;
}
