/**
 * `lookupDns`: one name, one or more record types, through the system resolver or a
 * given server; TTLs for A and AAAA (the only types whose TTL Deno exposes, via node:dns).
 *
 * @module
 */
import { formatHostPort } from "../../address/address.ts";
import { Resolver } from "node:dns/promises";
import { reverseName } from "./reverse.ts";
import { UsageError } from "../../errors.ts";
import { roundMs } from "../common/stats.ts";

import { RECORD_TYPES, type RecordType } from "./record_types.ts";

export { RECORD_TYPES, type RecordType };

/**
 * One answer record: its type, a display value, TTL when known, and the raw data.
 *
 * @example With its time to live
 * ```ts
 * import type { DnsRecord } from "@wireplay/wireplay/tools";
 * function line(r: DnsRecord): string {
 *   return `${r.type} ${r.value}${r.ttl === undefined ? "" : ` ttl ${r.ttl}`}`;
 * }
 * ```
 */
export interface DnsRecord {
  /** The record type. */
  type: RecordType;
  /** The record as a zone file would show its data: `10 mail.example.`, `"v=spf1 …"`. */
  value: string;
  /** Seconds to live, where the resolver reports it (A, AAAA). */
  ttl?: number;
  /** The record as Deno returns it. */
  data: unknown;
}

/**
 * A DNS server: `{ipAddr, port}`.
 *
 * @example A local resolver
 * ```ts
 * import type { NameServer } from "@wireplay/wireplay/tools";
 * const server: NameServer = { ipAddr: "127.0.0.1", port: 53 };
 * ```
 */
export interface NameServer {
  /** The server's IP address. */
  ipAddr: string;
  /** Its port (53 by default). */
  port: number;
}

/**
 * Options of {@linkcode lookupDns}.
 *
 * @example Ask a given server for MX records
 * ```ts
 * import type { DnsOptions } from "@wireplay/wireplay/tools";
 * const options: DnsOptions = { types: ["MX"], server: { ipAddr: "127.0.0.1", port: 5353 }, timeout: 1000 };
 * // await lookupDns("example.test", options)
 * ```
 */
export interface DnsOptions {
  /** Types to ask for (default: PTR for an IP address, else A and AAAA). */
  /** Types to ask for (default: PTR for an IP address, else A and AAAA). */
  types?: readonly RecordType[];
  /** Ask this server instead of the system's. */
  server?: NameServer;
  /** Milliseconds before giving up (default 5000). */
  timeout?: number;
}

/**
 * The answers for one type, or why there are none.
 *
 * @example Records or the error
 * ```ts
 * import type { DnsAnswer } from "@wireplay/wireplay/tools";
 * function line(a: DnsAnswer): string {
 *   return a.error ? `${a.type}: ${a.error}` : `${a.type}: ${a.records.map((r) => r.value).join(", ")}`;
 * }
 * ```
 */
export interface DnsAnswer {
  /** The record type asked. */
  type: RecordType;
  /** The records found. */
  records: DnsRecord[];
  /** `NXDOMAIN`-like "no records", `timeout`, or another failure. */
  error?: string;
  /** How long the answer took (ms). */
  ms: number;
}

/**
 * The result of {@linkcode lookupDns}.
 *
 * @example Every record of a lookup
 * ```ts
 * import type { DnsResult } from "@wireplay/wireplay/tools";
 * function values(r: DnsResult): string[] {
 *   return r.answers.flatMap((a) => a.records.map((rec) => rec.value));
 * }
 * ```
 */
export interface DnsResult {
  /** The name asked (the PTR name for a reverse lookup). */
  name: string;
  /** The IP address given, for a reverse lookup. */
  reverseOf?: string;
  /** The server asked (`IP:PORT`), when not the system's. */
  server?: string;
  /** One answer per type asked. */
  answers: DnsAnswer[];
}

/**
 * Looks up `name` (or the PTR of an IP address).
 *
 * @returns Answers per type; failures are in `error`, never thrown.
 *
 * @example Ask a tiny DNS server on loopback
 * ```ts
 * import { lookupDns } from "@wireplay/wireplay/tools";
 * import { assertEquals } from "@std/assert";
 * // A one-answer DNS server on loopback: every A question gets 127.0.0.1.
 * const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * const answering = (async () => {
 *   const [q, peer] = await udp.receive();
 *   let end = 12;
 *   while (q[end]) end += q[end]! + 1; // the question's name: length-prefixed labels
 *   end += 5; // the name's last 0, type, class
 *   const header = [q[0]!, q[1]!, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
 *   const answer = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1];
 *   await udp.send(new Uint8Array([...header, ...q.subarray(12, end), ...answer]), peer);
 * })();
 * const r = await lookupDns("wireplay.test", {
 *   types: ["A"],
 *   server: { ipAddr: "127.0.0.1", port: (udp.addr as Deno.NetAddr).port },
 *   timeout: 2000,
 * });
 * await answering;
 * udp.close();
 * assertEquals(r.answers[0]!.records.map((rec) => rec.value), ["127.0.0.1"]);
 * ```
 */
export async function lookupDns(name: string, options: DnsOptions = {}): Promise<DnsResult> {
  const ptr = reverseName(name);
  const qname = ptr ?? name;
  const types = options.types ?? (ptr ? ["PTR"] : ["A", "AAAA"]);
  const server = options.server;
  const answers = await Promise.all(
    types.map((t) => ask(qname, t, server, options.timeout ?? 5000)),
  );
  return {
    name: qname,
    ...(ptr ? { reverseOf: name } : {}),
    ...(server ? { server: formatServer(server) } : {}),
    answers,
  };
}

async function ask(
  name: string,
  type: RecordType,
  server: NameServer | undefined,
  timeout: number,
): Promise<DnsAnswer> {
  const t0 = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  try {
    const records = type === "A" || type === "AAAA"
      ? await withTtl(name, type, server, abort.signal)
      : (await Deno.resolveDns(name, type as Deno.RecordType, {
        ...(server ? { nameServer: server } : {}),
        signal: abort.signal,
      }) as unknown[]).map((d) => ({ type, value: display(type, d), data: plain(d) }));
    return { type, records, ms: roundMs(performance.now() - t0) };
  } catch (e) {
    const error = abort.signal.aborted ? "timeout" : describe(e);
    return { type, records: [], error, ms: roundMs(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

async function withTtl(
  name: string,
  type: "A" | "AAAA",
  server: NameServer | undefined,
  signal: AbortSignal,
): Promise<DnsRecord[]> {
  const resolver = new Resolver({ timeout: 5000, tries: 1 });
  if (server) resolver.setServers([formatServer(server)]);
  const onAbort = () => resolver.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const found = type === "A"
      ? await resolver.resolve4(name, { ttl: true })
      : await resolver.resolve6(name, { ttl: true });
    return found.map((r) => ({ type, value: r.address, ttl: r.ttl, data: r.address }));
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  if (
    e instanceof Deno.errors.NotFound || code === "ENOTFOUND" || code === "ENODATA" ||
    /no records found/i.test(msg)
  ) {
    return "no records";
  }
  if (code === "ECONNREFUSED" || /connection refused/i.test(msg)) return "server refused";
  if (code === "ETIMEOUT" || /timed out|timeout/i.test(msg)) return "timeout";
  return msg.split("\n")[0]!;
}

function plain(d: unknown): unknown {
  return d !== null && typeof d === "object" && !Array.isArray(d) ? { ...d } : d;
}

function display(type: RecordType, d: unknown): string {
  const r = d as Record<string, unknown>;
  switch (type) {
    case "MX":
      return `${r.preference} ${r.exchange}`;
    case "SRV":
      return `${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case "TXT":
      return (d as string[]).map((s) => JSON.stringify(s)).join(" ");
    case "SOA":
      return `${r.mname} ${r.rname} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
    case "CAA":
      return `${r.critical ? 128 : 0} ${r.tag} ${JSON.stringify(r.value)}`;
    case "NAPTR":
      return `${r.order} ${r.preference} ${JSON.stringify(r.flags)} ${JSON.stringify(r.services)} ${
        JSON.stringify(r.regexp)
      } ${r.replacement}`;
    default:
      return String(d);
  }
}

/** `IP`, `IP:PORT`, `[IPv6]:PORT` → a name server (port 53 by default). */
export function parseServer(text: string, where = "--server"): NameServer {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const ip = m ? m[1]! : text.includes(":") ? text : "";
  const port = m?.[2] ? Number(m[2]) : 53;
  if (!ip || !/^[\d.]+$|:/.test(ip)) throw new UsageError(`"${text}" is not IP[:PORT]`, { where });
  if (port < 1 || port > 65535) throw new UsageError(`port ${port} out of range`, { where });
  return { ipAddr: ip, port };
}

/** Formats a server as `IP:PORT` (`[IPv6]:PORT`). */
export function formatServer(s: NameServer): string {
  return formatHostPort(s.ipAddr, s.port);
}
