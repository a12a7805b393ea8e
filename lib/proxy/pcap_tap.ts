/**
 * A proxy tap that keeps every proxied connection for `record --pcap`: each one as a TCP
 * flow from the client's real address to the upstream's, with the real times (the proxy
 * in between is left out of the picture, as if the client had talked to the upstream).
 *
 * @module
 */
import type { Endpoint, Flow } from "../report/pcapng.ts";
import { endpointOf } from "../run/capture.ts";
import { SecretStreamMask } from "../secrets/secrets.ts";
import type { ProxyTap, TapConnection } from "./tap.ts";

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

/** Collects flows; {@linkcode flows} returns them in the order connections opened. */
export class PcapTap implements ProxyTap {
  readonly #flows = new Map<number, Flow>();
  /** Secrets never reach the file: each direction is masked as a stream. */
  readonly #masks = new Map<string, SecretStreamMask>();
  /** Connections whose addresses are not IP (Unix sockets), left out. */
  skipped = 0;

  open(conn: TapConnection): void {
    const client = endpointOf(conn.client);
    const server = endpointOf(conn.upstream) ?? localhost(conn.upstream);
    if (!client || !server) {
      this.skipped++;
      return;
    }
    this.#flows.set(conn.id, {
      protocol: "tcp",
      client,
      server,
      events: [{ kind: "open", timeUs: nowUs() }],
    });
  }

  data(conn: TapConnection, direction: "up" | "down", bytes: Uint8Array): void {
    const flow = this.#flows.get(conn.id);
    if (!flow) return;
    const key = `${conn.id} ${direction}`;
    let mask = this.#masks.get(key);
    if (!mask) this.#masks.set(key, mask = new SecretStreamMask());
    this.#push(flow, direction, mask.push(bytes).slice());
  }

  #push(flow: Flow, direction: "up" | "down", bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    flow.events.push({ kind: "data", timeUs: nowUs(), fromClient: direction === "up", bytes });
  }

  /** What the masks of `id` held back. */
  #release(id: number, flow: Flow, directions: ("up" | "down")[] = ["up", "down"]): void {
    for (const d of directions) {
      const mask = this.#masks.get(`${id} ${d}`);
      if (!mask) continue;
      this.#masks.delete(`${id} ${d}`);
      this.#push(flow, d, mask.flush());
    }
  }

  eof(conn: TapConnection, direction: "up" | "down"): void {
    const flow = this.#flows.get(conn.id);
    if (!flow) return;
    this.#release(conn.id, flow, [direction]);
    flow.events.push({
      kind: "fin",
      timeUs: nowUs(),
      fromClient: direction === "up",
    });
  }

  close(conn: TapConnection): void {
    const f = this.#flows.get(conn.id);
    if (!f) return;
    this.#release(conn.id, f);
    const t = nowUs();
    f.events.push({ kind: "fin", timeUs: t, fromClient: true });
    f.events.push({ kind: "fin", timeUs: t, fromClient: false });
  }

  /** Every flow so far. */
  flows(): Flow[] {
    return [...this.#flows.values()];
  }
}

/** `tcp://localhost:6379` is drawn as 127.0.0.1 (other host names are left out). */
function localhost(address: string): Endpoint | undefined {
  const m = /^(?:[a-z]+:\/\/)?localhost:(\d+)$/.exec(address);
  return m ? { host: "127.0.0.1", port: Number(m[1]) } : undefined;
}

/** Both taps see every event; a data call waits for both. */
export function teeTap(a: ProxyTap, b: ProxyTap): ProxyTap {
  return {
    open: (c) => {
      a.open(c);
      b.open(c);
    },
    data: (c, d, bytes) => {
      const x = a.data(c, d, bytes);
      const y = b.data(c, d, bytes);
      if (x || y) return Promise.all([x, y]).then(() => {});
    },
    eof: (c, d) => {
      a.eof(c, d);
      b.eof(c, d);
    },
    close: (c, how) => {
      a.close(c, how);
      b.close(c, how);
    },
  };
}
