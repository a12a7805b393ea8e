/**
 * Runs the proxy-area statements: `default`, `proxy … as p`, `fault p …`.
 *
 * @module
 */
import { formatAddress, parseAddress } from "../../address/address.ts";
import { noFaults, withFault } from "../../proxy/faults.ts";
import { type Proxy, startProxy } from "../../proxy/proxy.ts";
import { WireRecorder } from "../../proxy/recorder.ts";
import { openRecordingFile, type RecordingFile } from "../../proxy/recording_file.ts";
import { WsRecordTap } from "../../proxy/ws_record.ts";
import type {
  DefaultNode,
  FaultNode,
  FaultSetting,
  ProxyNode,
} from "../../script/grammar/proxy.ts";
import type { Session } from "../session.ts";
import { evalPemFile, evalText, evalVar } from "../values.ts";
import type { Executor } from "./executor.ts";

const defaultStatement: Executor<DefaultNode> = async (node, session) => {
  if (!session.vars.has(node.name)) session.vars.set(node.name, await evalVar(session, node.value));
};

function applySetting(p: Proxy, s: FaultSetting): void {
  if (s.name === "drop-connect") p.setFault("drop-connect", s.value);
  else p.setFault(s.name, s.value, s.direction);
}

async function addressOf(session: Session, node: ProxyNode["listen"], what: string) {
  const text = await evalText(session, node);
  try {
    const a = parseAddress(text, "tcp");
    if (a.scheme !== "tcp" && a.scheme !== "tls" && a.scheme !== "unix") {
      return session.fail(`${what}: only tcp://, tls:// and unix:// are proxied`);
    }
    return a;
  } catch (e) {
    return session.fail(`${what}: ${(e as Error).message}`);
  }
}

const proxyStatement: Executor<ProxyNode> = async (node, session) => {
  session.claim(node.name);
  const listen = await addressOf(session, node.listen, "listen address");
  const upstream = await addressOf(session, node.upstream, "upstream");
  let faults = noFaults();
  for (const s of node.faults) {
    faults = s.name === "drop-connect"
      ? { ...faults, dropConnect: s.value }
      : withFault(faults, s.name, s.value, s.direction);
  }
  const caCerts = node.ca ? [(await evalPemFile(session, node.ca))!] : undefined;
  let file: RecordingFile | undefined;
  let recorder: WireRecorder | undefined;
  if (node.record) {
    const path = session.path(await evalText(session, node.record));
    try {
      file = openRecordingFile(path);
    } catch (e) {
      return session.fail(`cannot write "${path}": ${(e as Error).message}`);
    }
    const f = file;
    recorder = new WireRecorder({
      upstream: formatAddress(upstream),
      write: (text) => f.write(text),
      sideFiles: f.sideFiles,
    });
  }
  let proxy: Proxy;
  try {
    proxy = await startProxy({
      listen: { address: listen },
      upstream: { address: upstream, caCerts, insecure: node.insecure },
      faults,
      tap: recorder && new WsRecordTap(recorder),
      onError: (m) => session.print(`proxy ${node.name}: ${m}`),
    });
  } catch (e) {
    await file?.close().catch(() => {});
    return session.fail(`cannot start proxy on ${formatAddress(listen)}: ${(e as Error).message}`);
  }
  const p = proxy;
  session.add({
    name: node.name,
    kind: "proxy",
    openedAt: Date.now(),
    local: () => p.address,
    remote: () => p.upstream,
    bytesIn: () => p.stats.bytesDown,
    bytesOut: () => p.stats.bytesUp,
    vars: () => ({
      $: p.address,
      address: p.address,
      port: p.port,
      upstream: p.upstream,
      connections: p.stats.accepted,
      ...(p.certPath ? { cert: p.certPath } : {}),
    }),
    close: async () => {
      await p.close();
      recorder?.finish();
      try {
        await file?.close();
      } catch (e) {
        session.print(`proxy ${node.name}: ${(e as Error).message}`);
      }
    },
    handle: p,
  });
};

const faultStatement: Executor<FaultNode> = (node, session) => {
  const r = session.get(node.proxy);
  if (r.kind !== "proxy") return session.fail(`"${node.proxy}" is a ${r.kind}, not a proxy`);
  const p = r.handle as Proxy;
  if (node.clear) p.clearFaults();
  else if (node.setting) applySetting(p, node.setting);
  return Promise.resolve();
};

/** Executors of the proxy-area statements, by kind. */
export const PROXY_EXECUTORS: Record<string, Executor> = {
  default: defaultStatement,
  proxy: proxyStatement,
  fault: faultStatement,
};
