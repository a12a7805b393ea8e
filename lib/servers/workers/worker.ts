/// <reference lib="deno.worker" />
/**
 * One worker of `serve KIND ADDR --workers N`: its own isolate and event loop (a core of
 * its own), running one server of the kind on the shared port (SO_REUSEPORT).
 *
 * @module
 */
import { parseAddress } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { SERVER_STARTERS, type ServerHandle } from "../mod.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

let handle: ServerHandle | undefined;
const tell = (m: FromWorker) => self.postMessage(m);

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "start") {
    try {
      handle = await SERVER_STARTERS.get(m.kind)!(parseAddress(m.address), m.options);
      handle.watch?.((line) => tell({ type: "line", line }));
      tell({ type: "started", address: handle.address, host: handle.host, port: handle.port });
    } catch (err) {
      tell({
        type: "failed",
        message: (err as Error).message,
        usage: err instanceof UsageError,
      });
    }
  } else {
    await handle?.close();
    tell({ type: "closed" });
  }
};
