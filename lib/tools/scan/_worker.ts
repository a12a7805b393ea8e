/**
 * Worker entry for a scan: runs {@linkcode scanChunk} on the ports it is sent and posts
 * progress and the result back. Private to `lib/tools/scan`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { scanChunk } from "./engine.ts";
import { scanChunkFfi } from "./ffi_engine.ts";
import type { WorkerRequest } from "./worker_request.ts";

// Refused connects throw; without stack capture they cost a third less CPU.
Error.stackTraceLimit = 0;

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const onProgress = (done: number, open: number) =>
    self.postMessage({ kind: "progress", done, open });
  // The parent terminates this worker when the result arrives, cancelling any connect
  // still pending, so no abort signals are needed.
  const result = e.data.engine === "ffi"
    ? scanChunkFfi({ ...e.data, onProgress })
    : await scanChunk({ ...e.data, abandonLate: true, onProgress });
  self.postMessage({ kind: "result", result });
};
