/**
 * Writes exchanges as a pcapng file Wireshark reads: synthesised Ethernet, IPv4/IPv6 and
 * TCP or UDP headers around the real payloads, at their real times. A TCP connection
 * gets a three-way handshake, sequence and acknowledgement numbers that add up, segments
 * of at most one MSS, and a FIN each way when it closed. Pure: bytes in, bytes out.
 *
 * @module
 */
import { concatBytes } from "../bytes/text.ts";

/** One endpoint: an IPv4 or IPv6 address (text) and a port. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Something that happened on a captured flow, at `timeUs` (microseconds since the epoch). */
export type FlowEvent =
  /** The client opened the connection (TCP: SYN, SYN-ACK, ACK). */
  | { kind: "open"; timeUs: number }
  /** Payload from the client (`fromClient`) or the server. */
  | { kind: "data"; timeUs: number; fromClient: boolean; bytes: Uint8Array }
  /** One side closed (TCP: FIN, acknowledged). */
  | { kind: "fin"; timeUs: number; fromClient: boolean };

/** A TCP connection or a UDP conversation, with its events in time order. */
export interface Flow {
  protocol: "tcp" | "udp";
  client: Endpoint;
  server: Endpoint;
  events: FlowEvent[];
}

const MSS = 1460;
const LINKTYPE_ETHERNET = 1;

/** The pcapng file of `flows` (packets of all flows merged in time order). */
export function pcapng(flows: Flow[]): Uint8Array {
  const packets: { timeUs: number; order: number; frame: Uint8Array }[] = [];
  let order = 0;
  flows.forEach((flow, i) => {
    for (const p of flowPackets(flow, i)) packets.push({ ...p, order: order++ });
  });
  packets.sort((a, b) => a.timeUs - b.timeUs || a.order - b.order);
  const blocks = [sectionHeader(), interfaceDescription()];
  for (const p of packets) blocks.push(enhancedPacket(p.timeUs, p.frame));
  return concatBytes(blocks);
}

/** The frames of one flow. */
function flowPackets(flow: Flow, index: number): { timeUs: number; frame: Uint8Array }[] {
  const out: { timeUs: number; frame: Uint8Array }[] = [];
  const macs = [mac(index, 1), mac(index, 2)];
  const frame = (fromClient: boolean, l4: Uint8Array, timeUs: number) => {
    const [src, dst] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    const [srcMac, dstMac] = fromClient ? [macs[0]!, macs[1]!] : [macs[1]!, macs[0]!];
    out.push({
      timeUs,
      frame: ethernet(srcMac, dstMac, ip(src.host, dst.host, flow.protocol, l4)),
    });
  };
  if (flow.protocol === "udp") {
    for (const e of flow.events) {
      if (e.kind !== "data") continue;
      const [src, dst] = e.fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
      frame(e.fromClient, udp(src, dst, e.bytes), e.timeUs);
    }
    return out;
  }
  // TCP: next sequence number of each side; the ISNs are arbitrary but fixed
  const seq = { client: 0x1000_0000 + index * 0x10000, server: 0x6000_0000 + index * 0x10000 };
  const finSent = { client: false, server: false };
  let opened = false;
  const segment = (fromClient: boolean, flags: number, payload: Uint8Array, timeUs: number) => {
    const [src, dst] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    const mine = fromClient ? "client" : "server";
    const theirs = fromClient ? "server" : "client";
    const ack = flags & ACK ? seq[theirs] : 0;
    frame(fromClient, tcp(src, dst, seq[mine], ack, flags, payload), timeUs);
    seq[mine] = (seq[mine] + payload.byteLength + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
  };
  const open = (timeUs: number) => {
    if (opened) return;
    opened = true;
    segment(true, SYN, EMPTY, timeUs);
    segment(false, SYN | ACK, EMPTY, timeUs);
    segment(true, ACK, EMPTY, timeUs);
  };
  for (const e of flow.events) {
    open(e.timeUs);
    if (e.kind === "data") {
      for (let at = 0; at < e.bytes.byteLength; at += MSS) {
        const piece = e.bytes.subarray(at, Math.min(at + MSS, e.bytes.byteLength));
        const last = at + MSS >= e.bytes.byteLength;
        segment(e.fromClient, ACK | (last ? PSH : 0), piece, e.timeUs);
      }
      segment(!e.fromClient, ACK, EMPTY, e.timeUs);
    } else if (e.kind === "fin") {
      const side = e.fromClient ? "client" : "server";
      if (finSent[side]) continue;
      finSent[side] = true;
      segment(e.fromClient, FIN | ACK, EMPTY, e.timeUs);
      segment(!e.fromClient, ACK, EMPTY, e.timeUs);
    }
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;

/** A locally administered MAC per flow and side. */
function mac(flow: number, side: number): Uint8Array {
  return new Uint8Array([0x02, 0, (flow >> 16) & 0xff, (flow >> 8) & 0xff, flow & 0xff, side]);
}

function ethernet(src: Uint8Array, dst: Uint8Array, packet: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + packet.byteLength);
  f.set(dst, 0);
  f.set(src, 6);
  const v6 = (packet[0]! >> 4) === 6;
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  f.set(packet, 14);
  return f;
}

let ipId = 1;

/** An IPv4 or IPv6 packet (by the addresses' family) around `l4`, checksums filled in. */
function ip(src: string, dst: string, protocol: "tcp" | "udp", l4: Uint8Array): Uint8Array {
  const proto = protocol === "tcp" ? 6 : 17;
  const s = parseIp(src), d = parseIp(dst);
  const sum = protocol === "tcp" ? 16 : 6; // checksum offset in the L4 header
  if (s.byteLength !== d.byteLength) throw new Error(`address families differ: ${src} ${dst}`);
  const pseudo = new Uint8Array(s.byteLength * 2 + 8);
  pseudo.set(s, 0);
  pseudo.set(d, s.byteLength);
  const pv = new DataView(pseudo.buffer);
  pv.setUint32(s.byteLength * 2, l4.byteLength);
  pv.setUint32(s.byteLength * 2 + 4, proto);
  const segment = l4.slice();
  let c = checksum([pseudo, segment]);
  if (protocol === "udp" && c === 0) c = 0xffff;
  new DataView(segment.buffer).setUint16(sum, c);
  if (s.byteLength === 4) {
    const h = new Uint8Array(20 + segment.byteLength);
    const v = new DataView(h.buffer);
    h[0] = 0x45;
    v.setUint16(2, h.byteLength);
    v.setUint16(4, ipId++ & 0xffff);
    v.setUint16(6, 0x4000); // don't fragment
    h[8] = 64;
    h[9] = proto;
    h.set(s, 12);
    h.set(d, 16);
    v.setUint16(10, checksum([h.subarray(0, 20)]));
    h.set(segment, 20);
    return h;
  }
  const h = new Uint8Array(40 + segment.byteLength);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x6000_0000);
  v.setUint16(4, segment.byteLength);
  h[6] = proto;
  h[7] = 64;
  h.set(s, 8);
  h.set(d, 24);
  h.set(segment, 40);
  return h;
}

function tcp(
  src: Endpoint,
  dst: Endpoint,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const h = new Uint8Array(20 + payload.byteLength);
  const v = new DataView(h.buffer);
  v.setUint16(0, src.port);
  v.setUint16(2, dst.port);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  h[12] = 5 << 4;
  h[13] = flags;
  v.setUint16(14, 65535);
  h.set(payload, 20);
  return h;
}

function udp(src: Endpoint, dst: Endpoint, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(8 + payload.byteLength);
  const v = new DataView(h.buffer);
  v.setUint16(0, src.port);
  v.setUint16(2, dst.port);
  v.setUint16(4, h.byteLength);
  h.set(payload, 8);
  return h;
}

/** The Internet checksum of the concatenated parts. */
function checksum(parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.byteLength; i++) {
      if (odd === undefined) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** 4 or 16 bytes of an IPv4 or IPv6 address. */
export function parseIp(text: string): Uint8Array {
  const host = text.replace(/^\[|\]$/g, "");
  if (!host.includes(":")) {
    const parts = host.split(".").map(Number);
    if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255))) {
      throw new Error(`not an IP address: ${text}`);
    }
    return new Uint8Array(parts);
  }
  const zoneless = host.split("%")[0]!;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(zoneless);
  let groups: string[];
  const [head, tail] = zoneless.replace(v4tail ? v4tail[1]! : "", v4tail ? "0:0" : "").split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  if (tail === undefined) groups = h;
  else groups = [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new Error(`not an IP address: ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (v4tail) out.set(parseIp(v4tail[1]!), 12);
  return out;
}

function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.byteLength + 3) & ~3;
  const b = new Uint8Array(12 + padded);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, b.byteLength, true);
  b.set(body, 8);
  v.setUint32(b.byteLength - 4, b.byteLength, true);
  return b;
}

function sectionHeader(): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  v.setBigInt64(8, -1n, true); // section length unknown
  return block(0x0a0d0d0a, body);
}

function interfaceDescription(): Uint8Array {
  const body = new Uint8Array(8);
  const v = new DataView(body.buffer);
  v.setUint16(0, LINKTYPE_ETHERNET, true);
  v.setUint32(4, 0, true); // no snap length
  return block(1, body); // timestamps in microseconds (the default if_tsresol)
}

function enhancedPacket(timeUs: number, frame: Uint8Array): Uint8Array {
  const body = new Uint8Array(20 + frame.byteLength);
  const v = new DataView(body.buffer);
  const t = BigInt(Math.round(timeUs));
  v.setUint32(0, 0, true);
  v.setUint32(4, Number(t >> 32n), true);
  v.setUint32(8, Number(t & 0xffffffffn), true);
  v.setUint32(12, frame.byteLength, true);
  v.setUint32(16, frame.byteLength, true);
  body.set(frame, 20);
  return block(6, body);
}
