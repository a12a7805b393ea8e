/**
 * Worker entry for `bench --workers N`: runs its share of the connections and posts the
 * result. Private to `lib/tools/bench`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runLocal } from "./run_local.ts";
import type { BenchSpec } from "./spec.ts";

const stop = new AbortController();
self.onmessage = async (e: MessageEvent<{ kind: "run"; spec: BenchSpec } | { kind: "stop" }>) => {
  if (e.data.kind === "stop") return stop.abort();
  const result = await runLocal(e.data.spec, stop.signal, (live) => {
    self.postMessage({ kind: "tick", live });
  });
  self.postMessage({ kind: "result", result });
};
