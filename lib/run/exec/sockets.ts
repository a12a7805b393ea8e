/**
 * Socket options at run time: a TCP connection's (`connect … nodelay off ttl 7`), a
 * listener's (`listen … reuseport`), a bound UDP socket's broadcast, multicast groups, TTL
 * and loop flag (`bind … join GROUP`), and the `join` / `leave` statements.
 *
 * @module
 */
import type {
  JoinNode,
  JoinSpec,
  LeaveNode,
  SocketOptionsNode,
} from "../../script/grammar/socket_options.ts";
import type { DatagramChannel, DatagramSocketOptions } from "../../transport/datagram_channel.ts";
import type { TcpSocketOptions } from "../../transport/tcp_options.ts";
import type { Session } from "../session.ts";
import { evalText } from "../values.ts";
import type { Executor } from "./executor.ts";

/** The options of `connect … nodelay … ttl …`, for `connectStream`; tcp:// only. */
export async function tcpSocketOptions(
  session: Session,
  socket: SocketOptionsNode | undefined,
  scheme: string,
): Promise<TcpSocketOptions | undefined> {
  if (!socket) return undefined;
  if (scheme !== "tcp") {
    return session.fail(
      `socket options (${
        Object.keys(socket).join(", ")
      }) are for tcp:// connections, not ${scheme}://`,
    );
  }
  const { nodelay, keepalive, ttl, sndbuf, rcvbuf } = socket;
  const bindSource = socket.bindSource ? await evalText(session, socket.bindSource) : undefined;
  return { nodelay, keepalive, ttl, sndbuf, rcvbuf, bindSource };
}

/** The options of `listen … reuseport`, and what `${NAME.options}` shows of them. */
export function listenSocketOptions(
  session: Session,
  socket: SocketOptionsNode | undefined,
  scheme: string,
): { reusePort: boolean; shown: Record<string, boolean> } {
  if (socket?.v6only) {
    return session.fail(
      "v6only is not possible here: Deno's listeners on [::] always take IPv4 clients too, " +
        "and IPV6_V6ONLY must be set before bind, which Deno does not let wireplay do",
    );
  }
  if (socket && scheme !== "tcp" && scheme !== "tls") {
    return session.fail(`reuseaddr and reuseport are for tcp:// and tls:// listeners`);
  }
  const reusePort = socket?.reuseport ?? false;
  // Deno sets SO_REUSEADDR on every TCP listener: `reuseaddr` is always true
  return { reusePort, shown: scheme === "unix" ? {} : { reuseaddr: true, reuseport: reusePort } };
}

/** The options `bindDatagram` takes, from a `bind` statement's. */
export function datagramOptions(socket: SocketOptionsNode | undefined): DatagramSocketOptions {
  return {
    broadcast: socket?.broadcast ?? false,
    loopback: socket?.loopback ?? true,
    reuseaddr: Boolean(socket?.reuseaddr || socket?.reuseport),
  };
}

/** Joins the groups of `bind … join GROUP`, then sets `ttl N` (it may need a membership). */
export async function applyBindOptions(
  session: Session,
  channel: DatagramChannel,
  socket: SocketOptionsNode | undefined,
): Promise<void> {
  for (const spec of socket?.join ?? []) await joinGroup(session, channel, spec);
  if (socket?.ttl !== undefined) {
    try {
      await channel.setTtl(socket.ttl);
    } catch (e) {
      return session.fail(`cannot set ttl on "${channel.name}": ${(e as Error).message}`);
    }
  }
}

async function joinGroup(session: Session, channel: DatagramChannel, spec: JoinSpec) {
  const group = await evalText(session, spec.group);
  const iface = spec.iface ? await evalText(session, spec.iface) : undefined;
  try {
    await channel.join(group, iface);
  } catch (e) {
    return session.fail(
      `cannot join ${group}${iface ? ` on ${iface}` : ""}: ${(e as Error).message}`,
    );
  }
}

function datagramOf(session: Session, name: string): DatagramChannel {
  const r = session.get(name);
  if (!r.datagram) return session.fail(`"${name}" is a ${r.kind}, not a UDP socket (bind)`);
  return r.datagram;
}

/** `${NAME.options}` again after the groups changed. */
function refreshVars(session: Session, name: string): void {
  session.vars.set(name, session.get(name).vars());
}

const join: Executor<JoinNode> = async (node, session) => {
  await joinGroup(session, datagramOf(session, node.socket), node);
  refreshVars(session, node.socket);
};

const leave: Executor<LeaveNode> = async (node, session) => {
  const channel = datagramOf(session, node.socket);
  const group = await evalText(session, node.group);
  try {
    await channel.leave(group);
  } catch (e) {
    return session.fail(`cannot leave ${group}: ${(e as Error).message}`);
  }
  refreshVars(session, node.socket);
};

/** The executors of `join` and `leave`. */
export const SOCKET_EXECUTORS: Record<string, Executor> = { join, leave };
