/**
 * Adversarial chunkings of a message, for testing that matchers see one stream
 * whatever the network's chunking.
 *
 * @module
 */

/**
 * Every way to cut `bytes` once (each split point), twice at every pair of points when
 * the message is short (≤ 40 bytes), and into 1-byte chunks.
 */
export function chunkings(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes]];
  for (let i = 1; i < bytes.byteLength; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  if (bytes.byteLength <= 40) {
    for (let i = 1; i < bytes.byteLength; i++) {
      for (let j = i + 1; j < bytes.byteLength; j++) {
        out.push([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
      }
    }
  }
  out.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return out;
}

/** Pushes `chunks` into a buffer one at a time, yielding to the event loop between pushes. */
export async function feedChunks(
  push: (chunk: Uint8Array) => void,
  chunks: Uint8Array[],
): Promise<void> {
  for (const c of chunks) {
    push(c);
    await Promise.resolve();
  }
}

/** Cuts `bytes` at the given points (taken modulo its length; repeats and 0 ignored). */
export function cutAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...at, bytes.byteLength]) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}
