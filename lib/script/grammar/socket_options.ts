/**
 * Socket options written after `connect`, `listen` and `bind` (`nodelay off`,
 * `keepalive 30s`, `bind-source 127.0.0.2`, `ttl 4`, `sndbuf 64KiB`, `reuseport`,
 * `broadcast`, `join 239.1.2.3 iface 10.0.0.1`, `loopback off`…), and the `join` /
 * `leave` statements of a bound UDP socket.
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import type { StatementSyntax } from "./syntax.ts";

/** A multicast group to join, and the interface to join it on. */
export interface JoinSpec {
  group: ValueNode;
  iface?: ValueNode;
}

/** The socket options a statement was given. */
export interface SocketOptionsNode {
  nodelay?: boolean;
  /** `keepalive D` (idle time in ms before probes), `on` (true) or `off` (false). */
  keepalive?: number | boolean;
  /** `bind-source ADDR[:PORT]`: the local address (and port) to connect from. */
  bindSource?: ValueNode;
  ttl?: number;
  sndbuf?: number;
  rcvbuf?: number;
  reuseaddr?: boolean;
  reuseport?: boolean;
  v6only?: boolean;
  broadcast?: boolean;
  loopback?: boolean;
  join?: JoinSpec[];
}

/** The options each statement takes, with how they are written (for errors and help). */
export const SOCKET_OPTION_USAGE = {
  connect: [
    "nodelay [on|off]",
    "keepalive D|on|off",
    "bind-source ADDR[:PORT]",
    "ttl N",
    "sndbuf SIZE",
    "rcvbuf SIZE",
  ],
  listen: ["reuseaddr", "reuseport", "v6only"],
  bind: [
    "broadcast",
    "join GROUP [iface ADDR]",
    "ttl N",
    "loopback on|off",
    "reuseaddr",
    "reuseport",
  ],
} as const;

/** The statements that take socket options. */
export type SocketOptionsOf = keyof typeof SOCKET_OPTION_USAGE;

/** The option keywords of a statement (for completion). */
export function socketOptionWords(of: SocketOptionsOf): string[] {
  return SOCKET_OPTION_USAGE[of].map((u) => u.split(" ")[0]!);
}

function onOff(r: LineReader, what: string, bare?: boolean): boolean {
  if (r.keyword("on")) return true;
  if (r.keyword("off")) return false;
  if (bare !== undefined) return bare;
  return r.fail(`${what} takes on or off, not "${r.peekWord() ?? "nothing"}"`);
}

/**
 * Reads one socket option of statement `of` into `into`; false (nothing read) when the
 * next word is not one of its options.
 */
export function parseSocketOption(
  r: LineReader,
  of: SocketOptionsOf,
  into: SocketOptionsNode,
): boolean {
  const word = r.peekWord();
  if (word === undefined || !socketOptionWords(of).includes(word)) return false;
  r.word(word);
  switch (word) {
    case "nodelay":
      into.nodelay = onOff(r, "nodelay", true);
      break;
    case "keepalive":
      if (r.peekWord() === "on" || r.peekWord() === "off") into.keepalive = onOff(r, "keepalive");
      else into.keepalive = r.duration("a duration (keepalive 30s), on or off").ms;
      break;
    case "bind-source":
      into.bindSource = r.value("a source address (127.0.0.2 or 127.0.0.2:40000)");
      break;
    case "ttl":
      into.ttl = r.integer("a TTL", 0, 255).value;
      break;
    case "sndbuf":
    case "rcvbuf":
      into[word] = r.size().bytes;
      break;
    case "loopback":
      into.loopback = onOff(r, "loopback");
      break;
    case "join": {
      const group = r.value("a multicast group (239.1.2.3, ff02::1234)");
      const iface = r.keyword("iface")
        ? r.value("an interface address (IPv4) or name (IPv6)")
        : undefined;
      (into.join ??= []).push(iface ? { group, iface } : { group });
      break;
    }
    default:
      into[word as "reuseaddr" | "reuseport" | "v6only" | "broadcast"] = true;
  }
  return true;
}

/** The "(options: …)" list for an error about statement `of`. */
export function socketOptionList(of: SocketOptionsOf): string {
  return SOCKET_OPTION_USAGE[of].join(", ");
}

/** `join NAME GROUP [iface ADDR]` */
export interface JoinNode extends StatementBase, JoinSpec {
  kind: "join";
  socket: string;
}
/** `leave NAME GROUP` */
export interface LeaveNode extends StatementBase {
  kind: "leave";
  socket: string;
  group: ValueNode;
}

/** `join` and `leave`. */
export const MULTICAST_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "join",
    usage: "join NAME GROUP [iface ADDR]",
    summary: "joins a bound UDP socket to a multicast group (IPv4, or IPv6 with iface NAME)",
    example: "join m 239.1.2.3",
    completions: ["iface"],
    parse(r, base): JoinNode {
      const socket = r.name("socket name").text;
      const group = r.value("a multicast group (239.1.2.3, ff02::1234)");
      const iface = r.keyword("iface") ? r.value("an interface address or name") : undefined;
      r.end();
      return { ...base, kind: "join", socket, group, ...(iface ? { iface } : {}) };
    },
  },
  {
    keyword: "leave",
    usage: "leave NAME GROUP",
    summary: "leaves a multicast group joined with join (or bind … join)",
    example: "leave m 239.1.2.3",
    parse(r, base): LeaveNode {
      const socket = r.name("socket name").text;
      const group = r.value("a multicast group");
      r.end();
      return { ...base, kind: "leave", socket, group };
    },
  },
];
