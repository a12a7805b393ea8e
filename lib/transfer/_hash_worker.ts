/**
 * Worker side of {@linkcode HashPipeline}: keeps one incremental hash (the kind named by
 * the first message) and answers each message in order. Private to `lib/transfer`.
 *
 * @module
 */
import { createIntegrityHash, type IntegrityHash } from "./integrity_hash.ts";

type Message =
  | { op: "init"; algorithm: string }
  | { op: "update"; buf: ArrayBuffer; length: number }
  | { op: "peek" }
  | { op: "digest" }
  | { op: "reset" };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Message>) => void) | null;
  postMessage(data: unknown, transfer?: Transferable[]): void;
};

let hash: IntegrityHash | undefined;
// messages are handled one after another, also while `init` awaits the hash's module
let queue: Promise<void> = Promise.resolve();

function handle(m: Message): Promise<void> | void {
  if (m.op === "init") {
    return createIntegrityHash(m.algorithm).then((h) => {
      hash = h;
      scope.postMessage({});
    });
  }
  switch (m.op) {
    case "update":
      hash!.update(new Uint8Array(m.buf, 0, m.length));
      scope.postMessage({ buf: m.buf }, [m.buf]);
      break;
    case "peek":
      scope.postMessage({ digest: hash!.peek() });
      break;
    case "digest":
      scope.postMessage({ digest: hash!.digest() });
      break;
    case "reset":
      hash!.reset();
      scope.postMessage({});
      break;
  }
}

scope.onmessage = (e) => {
  queue = queue.then(() => handle(e.data));
};
