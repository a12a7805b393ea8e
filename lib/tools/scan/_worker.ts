/**
 * Worker entry for a scan: runs {@linkcode scanChunk} on the ports it is sent and posts
 * progress and the result back. Private to `lib/tools/scan`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type ChunkOptions, scanChunk } from "./engine.ts";

/** The message the parent sends. */
export type WorkerRequest = Omit<ChunkOptions, "onProgress" | "signal">;

// Refused connects throw; without stack capture they cost a third less CPU.
Error.stackTraceLimit = 0;

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  // The parent terminates this worker when the result arrives, cancelling any connect
  // still pending, so no abort signals are needed.
  const result = await scanChunk({
    ...e.data,
    abandonLate: true,
    onProgress: (done, open) => self.postMessage({ kind: "progress", done, open }),
  });
  self.postMessage({ kind: "result", result });
};
