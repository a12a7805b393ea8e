/**
 * A finding of `chaos` or `fuzz` as a `.wire` script: the client's side up to the
 * fault, then a fresh client that must still get the recorded answer. It fails while
 * the server has the defect and passes once it is fixed, so it doubles as the
 * regression test.
 *
 * @module
 */
import { type Address, formatAddress } from "../address/address.ts";
import { atomicWrite } from "../fs/atomic_write.ts";
import { formatPayload } from "../script/format.ts";
import type { ReplayConnection } from "../proxy/replay_plan.ts";

/** What the reproducer does with its first connection after sending `messages`. */
export type ReproducerEnd = "close" | "stall" | "keep";

/** Builds the reproducer's text. */
export function reproducerText(o: {
  title: string;
  target: Address;
  /** The client messages to send, in order (the last may be cut short). */
  messages: Uint8Array[];
  end: ReproducerEnd;
  /** The connection whose first exchange is the probe. */
  probe: ReplayConnection;
  /** How long the probe waits for its answer (ms). */
  timeoutMs: number;
  stallMs?: number;
}): string {
  const lines = [
    `# ${o.title}`,
    `# fails while the server has the defect: wireplay run FILE --var target=ADDR`,
    `default target = "${formatAddress(o.target).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`,
    `timeout ${Math.max(1, Math.round(o.timeoutMs))}ms`,
    "connect ${target} as c1",
  ];
  for (const m of o.messages) if (m.byteLength) lines.push(`send c1 ${formatPayload(m)}`);
  if (o.end === "close") lines.push("close c1");
  if (o.end === "stall") lines.push(`sleep ${o.stallMs ?? 1000}ms`);
  lines.push("# a new client must still be served as recorded", "connect ${target} as probe");
  for (const step of o.probe.steps) {
    if (step.kind === "receive") lines.push(`send probe ${formatPayload(step.bytes)}`);
    else if (step.kind === "reply") {
      lines.push(`expect probe ${formatPayload(step.bytes)}`);
      break; // the first answer is enough
    }
  }
  lines.push("close probe");
  if (o.end !== "close") lines.push("close c1");
  return lines.join("\n") + "\n";
}

/** Writes a reproducer to `dir/name.wire` (atomically); returns its path. */
export async function saveReproducer(dir: string, name: string, text: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir.replace(/\/+$/, "")}/${name}.wire`;
  await atomicWrite(path, text);
  return path;
}
