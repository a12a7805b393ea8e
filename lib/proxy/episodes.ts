/**
 * New episodes (VCR's `new_episodes`): an HTTP request the recording has not seen is
 * forwarded to the real upstream, and the exchange is appended to the recording as a
 * new connection (`connect` / `send` / `expect` / `close`), written whole at once, so
 * the file stays parseable whenever the process is stopped.
 *
 * @module
 */
import { dialUpstream, type UpstreamSide } from "./endpoints.ts";
import { writeAll } from "../transport/duplex.ts";
import { frameResponse, type HttpRequest } from "./http_message.ts";
import { WireRecorder } from "./recorder.ts";
import { openRecordingFile, type RecordingFile } from "./recording_file.ts";
import type { ReplayConnection } from "./replay_plan.ts";

/** The highest `cN` number among recorded connections (0 when none). */
export function lastConnectionNumber(connections: ReplayConnection[]): number {
  let n = 0;
  for (const c of connections) {
    const m = /^c(\d+)$/.exec(c.name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

/** Sends one request upstream on a fresh connection and reads its whole response. */
export async function fetchUpstream(
  upstream: UpstreamSide,
  req: HttpRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ response: Uint8Array; close: boolean }> {
  const conn = await dialUpstream(upstream, signal);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await writeAll(conn, req.raw);
    let got = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(chunk);
      } catch (e) {
        throw new Error(`the upstream failed before a whole response: ${(e as Error).message}`);
      }
      if (n !== null) {
        const next = new Uint8Array(got.byteLength + n);
        next.set(got);
        next.set(chunk.subarray(0, n), got.byteLength);
        got = next;
      }
      const frame = frameResponse(got, req.method, n === null);
      if (frame) {
        return { response: got.slice(0, frame.length), close: frame.closes || frame.untilClose };
      }
      if (n === null) throw new Error("the upstream closed before a whole response");
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/** Appends exchanges to a recording as new connections. */
export class EpisodeWriter implements Disposable {
  #file: RecordingFile;
  #recorder: WireRecorder;
  #next = 1;
  /** Exchanges appended. */
  appended = 0;

  /**
   * Appends to the recording at `path` holding `connections` connections, or starts it
   * (with its header) when `connections` is undefined.
   */
  constructor(path: string, upstream: string, connections: number | undefined, exact = false) {
    this.#file = openRecordingFile(path, { append: connections !== undefined });
    this.#recorder = new WireRecorder({
      upstream,
      write: (text) => this.#file.write(text),
      exact,
      append: connections === undefined ? undefined : { connections },
    });
  }

  /** Writes one exchange (synchronously, whole). */
  append(client: string, upstream: string, request: Uint8Array, response: Uint8Array): void {
    const conn = { id: this.#next++, client: `${client} (new episode)`, upstream };
    this.#recorder.open(conn);
    this.#recorder.data(conn, "up", request);
    this.#recorder.data(conn, "down", response);
    this.#recorder.close(conn, "closed");
    this.appended++;
  }

  [Symbol.dispose](): void {
    this.#recorder.finish();
    // no side files: nothing is queued, so the file is closed before this returns
    void this.#file.close().catch(() => {});
  }
}
