/**
 * Statements of the network tools (issue 6): `scan`, `ping`, `dns` and `bench`, each
 * binding its figures to a variable with `as NAME` so a script can assert on them.
 *
 * @module
 */
import { parseThreshold, type Threshold } from "../../tools/bench/threshold.ts";
import { RECORD_TYPES } from "../../tools/dns/record_types.ts";
import type { StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import type { StatementSyntax } from "./syntax.ts";

/** `scan HOST [ports SPEC] [timeout D] [banner] [as NAME]` */
export interface ScanNode extends StatementBase {
  kind: "scan";
  host: ValueNode;
  ports?: ValueNode;
  timeoutMs?: number;
  banner: boolean;
  as?: string;
}

/** `ping ADDR [count N] [interval D] [timeout D] [tls] [ca FILE | insecure] [payload V] [reply V] [as NAME]` */
export interface PingNode extends StatementBase {
  kind: "ping";
  target: ValueNode;
  count: number;
  intervalMs: number;
  timeoutMs?: number;
  tls: boolean;
  ca?: ValueNode;
  insecure: boolean;
  payload?: ValueNode;
  reply?: ValueNode;
  as?: string;
}

/** `dns NAME [type T[,T…]] [server IP[:PORT]] [as VAR]` */
export interface DnsNode extends StatementBase {
  kind: "dns";
  name: ValueNode;
  types?: string[];
  server?: ValueNode;
  as?: string;
}

/** `bench ADDR [conns N] [duration D] [warmup D] [rate N] [size SIZE] [stream] [threshold EXPR]… [as NAME]` */
export interface BenchNode extends StatementBase {
  kind: "bench";
  target: ValueNode;
  conns: number;
  durationMs: number;
  warmupMs: number;
  rate?: number;
  size?: number;
  stream: boolean;
  /** k6-style pass/fail criteria (`p99<5ms`); the statement fails when one is crossed. */
  thresholds: Threshold[];
  as?: string;
}

/** Reads a bench statement's `threshold EXPR` (no `{…}`: that names a statement of bench script). */
function benchThreshold(r: LineReader): Threshold {
  const w = r.word("a threshold (like p99<5ms)");
  let t: Threshold | undefined;
  try {
    t = parseThreshold(w.text, "threshold");
  } catch (e) {
    return r.fail((e as Error).message, w.span);
  }
  if (t.scope) return r.fail(`"${w.text}": {…} names a statement of bench script`, w.span);
  return t;
}

/** Reads a trailing `as NAME` if present. */
function asName(r: LineReader): string | undefined {
  return r.keyword("as") ? r.name("variable name").text : undefined;
}

/** The tools statements. */
export const TOOLS_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "scan",
    usage: "scan HOST [ports SPEC] [timeout D] [banner] [as NAME]",
    summary: "TCP connect scan; ${NAME} is the open ports (80,443), ${NAME.count} how many",
    example: 'scan 127.0.0.1 ports "1-1024" as s',
    completions: ["ports", "timeout", "banner", "as"],
    details: "Fields: open (list), count, closed, filtered, banners.PORT (with banner).",
    parse(r, base): ScanNode {
      const node: ScanNode = { ...base, kind: "scan", host: r.value("a host"), banner: false };
      while (!r.atEnd()) {
        if (r.keyword("ports")) node.ports = r.value("a port list (1-1024,8080)");
        else if (r.keyword("timeout")) node.timeoutMs = r.duration("a timeout").ms;
        else if (r.keyword("banner")) node.banner = true;
        else if (r.peekWord()?.toLowerCase() === "as") node.as = asName(r);
        else r.fail(`unexpected "${r.peekWord()}" (expected ports, timeout, banner or as)`);
      }
      return node;
    },
  },
  {
    keyword: "ping",
    usage:
      "ping ADDR [count N] [interval D] [timeout D] [tls] [ca FILE | insecure] [payload V] [reply V] [as NAME]",
    summary: "connect (tcp/tls), request/reply (udp) or HTTP latency; fails when nothing answers",
    example: "ping tcp://127.0.0.1:6379 count 3 interval 100ms as p",
    completions: [
      "count",
      "interval",
      "timeout",
      "tls",
      "ca",
      "insecure",
      "payload",
      "reply",
      "as",
    ],
    details: "${NAME} is the median in ms; fields sent, received, loss, min, median, p99, max.",
    parse(r, base): PingNode {
      const node: PingNode = {
        ...base,
        kind: "ping",
        target: r.value("an address"),
        count: 3,
        intervalMs: 200,
        tls: false,
        insecure: false,
      };
      while (!r.atEnd()) {
        if (r.keyword("count")) node.count = r.integer("a count", 1, 100_000).value;
        else if (r.keyword("interval")) node.intervalMs = r.duration("an interval").ms;
        else if (r.keyword("timeout")) node.timeoutMs = r.duration("a timeout").ms;
        else if (r.keyword("tls")) node.tls = true;
        else if (r.keyword("ca")) node.ca = r.value("a CA file");
        else if (r.keyword("insecure")) node.insecure = true;
        else if (r.keyword("payload")) node.payload = r.value("a payload");
        else if (r.keyword("reply")) node.reply = r.value("the expected reply");
        else if (r.peekWord()?.toLowerCase() === "as") node.as = asName(r);
        else r.fail(`unexpected "${r.peekWord()}"`);
      }
      return node;
    },
  },
  {
    keyword: "dns",
    usage: "dns NAME [type A|AAAA|CNAME|MX|NS|TXT|SRV|PTR|SOA|CAA] [server IP[:PORT]] [as VAR]",
    summary: "DNS lookup (an IP address: reverse); fails when there are no records",
    example: "dns localhost type A as d",
    completions: ["type", "server", "as"],
    details: "${VAR} is the first record; fields values (list), ttl, count, records.",
    parse(r, base): DnsNode {
      const node: DnsNode = { ...base, kind: "dns", name: r.value("a name") };
      while (!r.atEnd()) {
        if (r.keyword("type")) {
          const w = r.word("a record type");
          node.types = w.text.toUpperCase().split(",");
          const known: readonly string[] = RECORD_TYPES;
          const bad = node.types.find((t) => !known.includes(t));
          if (bad) r.fail(`unknown record type "${bad}" (one of ${known.join(", ")})`, w.span);
        } else if (r.keyword("server")) node.server = r.value("a server IP[:PORT]");
        else if (r.peekWord()?.toLowerCase() === "as") node.as = asName(r);
        else r.fail(`unexpected "${r.peekWord()}" (expected type, server or as)`);
      }
      return node;
    },
  },
  {
    keyword: "bench",
    usage:
      "bench ADDR [conns N] [duration D] [warmup D] [rate N] [size SIZE] [stream] [threshold EXPR]… [as NAME]",
    summary:
      "load test (fails when a threshold like p99<5ms is crossed); ${NAME} is requests/s, fields p50, p90, p99, max (ms), errors",
    example: "bench tcp://127.0.0.1:7 conns 4 duration 1s threshold p99<50ms as b",
    completions: ["conns", "duration", "warmup", "rate", "size", "stream", "threshold", "as"],
    parse(r, base): BenchNode {
      const node: BenchNode = {
        ...base,
        kind: "bench",
        target: r.value("an address"),
        conns: 4,
        durationMs: 2000,
        warmupMs: 200,
        stream: false,
        thresholds: [],
      };
      while (!r.atEnd()) {
        if (r.keyword("conns")) node.conns = r.integer("a connection count", 1, 10_000).value;
        else if (r.keyword("duration")) node.durationMs = r.duration("a duration").ms;
        else if (r.keyword("warmup")) node.warmupMs = r.duration("a warm-up").ms;
        else if (r.keyword("rate")) node.rate = r.integer("a rate (requests/s)", 1).value;
        else if (r.keyword("size")) node.size = r.size("a request size").bytes;
        else if (r.keyword("stream")) node.stream = true;
        else if (r.keyword("threshold")) node.thresholds.push(benchThreshold(r));
        else if (r.peekWord()?.toLowerCase() === "as") node.as = asName(r);
        else r.fail(`unexpected "${r.peekWord()}"`);
      }
      return node;
    },
  },
];
