/**
 * The worker behind `regex_exec.ts`: runs one regex at a time and writes the match's
 * offsets, as JSON, into the shared buffer it was given, then wakes the caller.
 *
 * @module
 */

interface Job {
  source: string;
  flags: string;
  text: string;
  sab: SharedArrayBuffer;
}

const cache = new Map<string, RegExp>();

/** The worker's global scope, typed for what this module uses. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Job | "ping">) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => {
  if (e.data === "ping") {
    scope.postMessage("ready");
    return;
  }
  const { source, flags, text, sab } = e.data;
  const key = `${flags}/${source}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 64) cache.clear();
    re = new RegExp(source, flags.replace(/[gy]/g, "") + "d");
    cache.set(key, re);
  }
  const m = re.exec(text);
  const named = m?.indices?.groups;
  const out = m
    ? JSON.stringify({
      indices: m.indices,
      // an unmatched named group must stay a key (JSON drops undefined values)
      named: named
        ? Object.fromEntries(Object.entries(named).map(([k, v]) => [k, v ?? null]))
        : null,
    })
    : "null";
  const ctl = new Int32Array(sab, 0, 2);
  const body = new Uint8Array(sab, 8);
  const bytes = new TextEncoder().encode(out);
  if (bytes.byteLength > body.byteLength) {
    ctl[1] = -1;
  } else {
    body.set(bytes);
    ctl[1] = bytes.byteLength;
  }
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
};
