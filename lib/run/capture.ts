/**
 * Captures a session's exchanges for `--pcap`: every byte sent and received on TCP, TLS
 * (the plaintext) and UDP channels, with the channel's real addresses and the time it
 * happened, as flows {@linkcode pcapng} writes. Unix sockets and processes have no
 * addresses and are left out (counted in `skipped`).
 *
 * @module
 */
import type { ChannelEvent } from "../transport/events.ts";
import type { Session } from "./session.ts";
import { SecretStreamMask } from "../secrets/secrets.ts";
import type { Endpoint, Flow } from "../report/pcapng.ts";

/** Microseconds since the epoch, now. */
function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** `tcp://127.0.0.1:80`, `udp://[::1]:53` or `[::1]:53` as host and port. */
export function endpointOf(address: string): Endpoint | undefined {
  const m = /^(?:[a-z]+:\/\/)?\[?([0-9a-fA-F:.]+?)\]?:(\d+)$/.exec(address);
  if (!m || !/^[\d.]+$|:/.test(m[1]!)) return undefined;
  return { host: m[1]!, port: Number(m[2]) };
}

interface Tracked {
  flow: Flow;
  /** True when the script's side is the client (it connected; UDP: always). */
  localIsClient: boolean;
  masks: { sent: SecretStreamMask; received: SecretStreamMask };
}

/** Records a session's traffic as flows until stopped. */
export class CaptureRecorder {
  /** Flows in the order they started. */
  readonly flows: Flow[] = [];
  /** Channels left out (no IP addresses: Unix sockets, processes, WebSocket messages). */
  readonly skipped = new Set<string>();
  readonly #streams = new Map<string, Tracked>();
  readonly #datagrams = new Map<string, Tracked>();
  /** Remote addresses of accepted connections (the script is the server there). */
  readonly #accepted = new Set<string>();
  readonly #stop: () => void;

  constructor(readonly session: Session) {
    this.#stop = session.events.on((e) => this.#add(e));
  }

  /** Events of channels not yet in the session (bytes that came before it was added). */
  readonly #pending = new Map<string, { e: ChannelEvent; timeUs: number }[]>();

  #add(e: ChannelEvent): void {
    const timeUs = nowUs();
    if (e.type !== "sent" && e.type !== "data" && e.type !== "closed") {
      this.#record(e, timeUs);
      return;
    }
    const known = this.session.resources.has(e.channel) || this.#streams.has(e.channel);
    const waiting = this.#pending.get(e.channel);
    if (!known) {
      if (waiting) waiting.push({ e, timeUs });
      else this.#pending.set(e.channel, [{ e, timeUs }]);
      return;
    }
    if (waiting) {
      this.#pending.delete(e.channel);
      for (const w of waiting) this.#record(w.e, w.timeUs);
    }
    this.#record(e, timeUs);
  }

  #record(e: ChannelEvent, timeUs: number): void {
    switch (e.type) {
      case "accepted":
        this.#accepted.add(e.remote.replace(/^[a-z]+:\/\//, ""));
        return;
      case "sent":
      case "data": {
        const sent = e.type === "sent";
        const peer = sent ? (e as { to?: string }).to : (e as { from?: string }).from;
        const t = this.#track(e.channel, peer);
        if (!t) return;
        const fromClient = sent === t.localIsClient;
        const bytes = t.masks[sent ? "sent" : "received"].push(e.bytes);
        if (bytes.byteLength) t.flow.events.push({ kind: "data", timeUs, fromClient, bytes });
        return;
      }
      case "closed": {
        const t = this.#streams.get(e.channel);
        if (!t) return;
        this.#flush(t, timeUs);
        // who closed first: the script (local), else the peer
        const localFirst = e.reason === "local";
        t.flow.events.push({ kind: "fin", timeUs, fromClient: localFirst === t.localIsClient });
        t.flow.events.push({ kind: "fin", timeUs, fromClient: localFirst !== t.localIsClient });
        this.#streams.delete(e.channel);
        return;
      }
    }
  }

  /** The flow `channel` (and, for UDP, `peer`) belongs to, started on first sight. */
  #track(channel: string, peer: string | undefined): Tracked | undefined {
    const r = this.session.resources.get(channel);
    if (r?.datagram) {
      const remote = peer ?? r.datagram.remote;
      const key = `${channel} ${remote}`;
      let t = this.#datagrams.get(key);
      if (!t) {
        const local = endpointOf(r.datagram.local);
        const other = endpointOf(remote);
        if (!local || !other) return this.#skip(channel);
        t = this.#start("udp", local, other, true);
        this.#datagrams.set(key, t);
      }
      return t;
    }
    let t = this.#streams.get(channel);
    if (t) return t;
    if (!r?.stream || r.messages || (r.stream.kind !== "tcp" && r.stream.kind !== "tls")) {
      return this.#skip(channel);
    }
    const local = endpointOf(r.stream.local);
    const remote = endpointOf(r.stream.remote);
    if (!local || !remote) return this.#skip(channel);
    const accepted = this.#accepted.has(r.stream.remote.replace(/^[a-z]+:\/\//, ""));
    t = this.#start("tcp", local, remote, !accepted);
    this.#streams.set(channel, t);
    return t;
  }

  #start(
    protocol: "tcp" | "udp",
    local: Endpoint,
    remote: Endpoint,
    localIsClient: boolean,
  ): Tracked {
    const [client, server] = localIsClient ? [local, remote] : [remote, local];
    const flow: Flow = { protocol, client, server, events: [] };
    this.flows.push(flow);
    return {
      flow,
      localIsClient,
      masks: { sent: new SecretStreamMask(), received: new SecretStreamMask() },
    };
  }

  #skip(channel: string): undefined {
    this.skipped.add(channel);
    return undefined;
  }

  /** Adds what the secret masks held back. */
  #flush(t: Tracked, timeUs: number): void {
    for (const dir of ["sent", "received"] as const) {
      const bytes = t.masks[dir].flush();
      const fromClient = (dir === "sent") === t.localIsClient;
      if (bytes.byteLength) t.flow.events.push({ kind: "data", timeUs, fromClient, bytes });
    }
  }

  /** Stops recording; returns the flows. */
  stop(): Flow[] {
    this.#stop();
    for (const [channel, waiting] of this.#pending) {
      // never added to the session: no addresses to draw them with
      if (!this.session.resources.has(channel)) {
        if (waiting.some((w) => w.e.type !== "closed")) this.skipped.add(channel);
      } else for (const w of waiting) this.#record(w.e, w.timeUs);
    }
    this.#pending.clear();
    const timeUs = nowUs();
    for (const t of [...this.#streams.values(), ...this.#datagrams.values()]) {
      this.#flush(t, timeUs);
    }
    return this.flows;
  }
}
