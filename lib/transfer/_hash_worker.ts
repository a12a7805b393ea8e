/**
 * Worker side of {@linkcode HashPipeline}: keeps one incremental SHA-256 and answers
 * each message in order. Private to `lib/transfer`.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

type Message =
  | { op: "update"; buf: ArrayBuffer; length: number }
  | { op: "peek" }
  | { op: "digest" }
  | { op: "reset" };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Message>) => void) | null;
  postMessage(data: unknown, transfer?: Transferable[]): void;
};

let hash: Hash = createHash("sha256");

scope.onmessage = (e) => {
  const m = e.data;
  switch (m.op) {
    case "update":
      hash.update(new Uint8Array(m.buf, 0, m.length));
      scope.postMessage({ buf: m.buf }, [m.buf]);
      break;
    case "peek":
      scope.postMessage({ digest: new Uint8Array(hash.copy().digest()) });
      break;
    case "digest":
      scope.postMessage({ digest: new Uint8Array(hash.digest()) });
      hash = createHash("sha256");
      break;
    case "reset":
      hash = createHash("sha256");
      scope.postMessage({});
      break;
  }
};
