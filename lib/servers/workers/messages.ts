/**
 * The messages between a server worker pool (`pool.ts`) and its workers (`worker.ts`).
 *
 * @module
 */
import type { ServeOptions } from "../server.ts";

/** To a worker: start a server, or close it. */
export type ToWorker =
  | { type: "start"; kind: string; address: string; options: ServeOptions }
  | { type: "close" };

/** From a worker: started (the bound port), a failure, a log line, or closed. */
export type FromWorker =
  | { type: "started"; address: string; host: string; port: number }
  | { type: "failed"; message: string; usage: boolean }
  | { type: "line"; line: string }
  | { type: "closed" };
