/**
 * Banner grabbing: what a service says first, or answers to a small probe.
 *
 * @module
 */
import { DeadlineReader } from "../common/read_within.ts";
import { utf8 } from "../../bytes/text.ts";

/** The probe sent when a service says nothing first. */
export const DEFAULT_PROBE = "HEAD / HTTP/1.0\r\n\r\n";

/**
 * Options of {@linkcode grabBanner}.
 *
 * @example Ask an HTTP server
 * ```ts
 * import type { BannerOptions } from "@wireplay/wireplay/tools";
 * const options: BannerOptions = { wait: 500, probe: "HEAD / HTTP/1.0\r\n\r\n", limit: 256 };
 * // await grabBanner("127.0.0.1", 8080, options)
 * ```
 */
export interface BannerOptions {
  /** How long to wait for the service to speak first, and for a reply to the probe (ms). */
  wait?: number;
  /** Bytes sent when the service says nothing first; `""` to send nothing. */
  probe?: string | Uint8Array;
  /** Most bytes kept. */
  limit?: number;
}

/**
 * A banner: the bytes and whether they came unprompted or answered the probe.
 *
 * @example The banner as text
 * ```ts
 * import type { Banner } from "@wireplay/wireplay/tools";
 * function text(b: Banner): string {
 *   return new TextDecoder().decode(b.bytes).trim();
 * }
 * ```
 */
export interface Banner {
  /** What the service sent. */
  bytes: Uint8Array;
  /** True when it answered our probe rather than spoke first. */
  probed: boolean;
}

/**
 * Connects to `address:port`, reads what the service says within `wait`, or sends the
 * probe and reads the reply.
 *
 * @returns The banner, or `undefined` when the service said nothing at all.
 *
 * @example Read what a server says first
 * ```ts
 * import { grabBanner } from "@wireplay/wireplay/tools";
 * import { listen } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using l = await listen("tcp://127.0.0.1:0");
 * const banner = grabBanner("127.0.0.1", l.port, { wait: 2000 });
 * await using peer = await l.accept({ timeoutMs: 2000 });
 * await peer.send("SSH-2.0-doc\r\n");
 * assertEquals(new TextDecoder().decode((await banner)?.bytes), "SSH-2.0-doc\r\n");
 * ```
 */
export async function grabBanner(
  address: string,
  port: number,
  options: BannerOptions = {},
): Promise<Banner | undefined> {
  const wait = options.wait ?? 500;
  const limit = options.limit ?? 1024;
  const probe = options.probe ?? DEFAULT_PROBE;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(wait, 1000));
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: address, port, signal: abort.signal });
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
  try {
    const reader = new DeadlineReader(conn);
    const first = await reader.read(wait, limit);
    if (first.byteLength > 0) return { bytes: first, probed: false };
    if (reader.eof) return undefined;
    const bytes = typeof probe === "string" ? utf8(probe) : probe;
    if (bytes.byteLength === 0) return undefined;
    await conn.write(bytes);
    const reply = await reader.read(wait, limit);
    return reply.byteLength > 0 ? { bytes: reply, probed: true } : undefined;
  } catch {
    return undefined;
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}
