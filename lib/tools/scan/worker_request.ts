/**
 * The message a scan sends to its worker (`_worker.ts`). Kept apart from the worker so that
 * `scan.ts` can name it without bringing the worker's `deno.worker` globals into the graph.
 *
 * @module
 */
import type { ChunkOptions } from "./engine.ts";

/** The message the parent sends: a chunk of ports and which engine scans them. */
export type WorkerRequest = Omit<ChunkOptions, "onProgress" | "signal"> & {
  engine: "deno" | "ffi";
};
