/**
 * UDP request/reply latency: send a datagram, wait for the answer from the target.
 *
 * @module
 */
import type { ProbeOptions, ProbeOutcome } from "./probe.ts";
import { describeError } from "./probe.ts";
import { resolveHost } from "../common/resolve.ts";
import { escapeForDisplay } from "../../bytes/escape.ts";

/** Most bytes of a reply we look at. */
const MAX_REPLY = 64 * 1024;

/**
 * Sends `options.payload` to `host:port` from a fresh socket and waits for a datagram
 * from that address; with `options.expect`, the reply must contain those bytes.
 */
export async function probeUdp(
  host: string,
  port: number,
  options: ProbeOptions & { timeout: number },
): Promise<ProbeOutcome> {
  const t0 = performance.now();
  let address: string;
  try {
    address = await resolveHost(host);
  } catch (e) {
    return { ok: false, ms: 0, error: describeError(e) };
  }
  const v6 = address.includes(":");
  const sock = Deno.listenDatagram({ transport: "udp", hostname: v6 ? "::" : "0.0.0.0", port: 0 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sock.close();
  }, options.timeout);
  try {
    const start = performance.now();
    await sock.send(options.payload ?? new Uint8Array(), {
      transport: "udp",
      hostname: address,
      port,
    });
    for (;;) {
      const [data, from] = await sock.receive(new Uint8Array(MAX_REPLY));
      const f = from as Deno.NetAddr;
      if (f.port !== port || !sameHost(f.hostname, address)) continue;
      const ms = performance.now() - start;
      if (options.expect && !contains(data, options.expect)) {
        return { ok: false, ms, error: `unexpected reply "${escapeForDisplay(data, 60)}"` };
      }
      return { ok: true, ms };
    }
  } catch (e) {
    const ms = performance.now() - t0;
    return { ok: false, ms, error: timedOut ? "timeout" : describeError(e) };
  } finally {
    clearTimeout(timer);
    if (!timedOut) sock.close();
  }
}

function sameHost(a: string, b: string): boolean {
  const strip = (h: string) => h.replace(/^::ffff:/, "");
  return strip(a) === strip(b);
}

/** True when `needle` occurs in `hay`. */
export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.byteLength === 0) return true;
  outer: for (let i = 0; i + needle.byteLength <= hay.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
