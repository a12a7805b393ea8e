/**
 * Mutations of a conversation's client messages, from a seeded generator so that a
 * case is reproduced by its seed: truncate, extend, flip bytes, inflate a length field,
 * inflate a number in the text, repeat a message, shuffle two. Pure.
 *
 * @module
 */

/** A seeded generator (mulberry32): the same seed gives the same cases. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** The mutation kinds. */
export const MUTATIONS = [
  "truncate",
  "extend",
  "flip",
  "length",
  "number",
  "repeat",
  "shuffle",
] as const;

/** A mutation kind. */
export type Mutation = typeof MUTATIONS[number];

/** A mutated conversation. */
export interface Mutated {
  messages: Uint8Array[];
  mutation: Mutation;
  /** The index of the message changed (in `messages`). */
  index: number;
  /** For people: `length field at byte 0 of message 2 → 65535`. */
  description: string;
}

const BIG_NUMBERS = ["4294967296", "99999999999", "-1", "2147483648", "0"];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Offsets of big-endian 16- and 32-bit fields that look like lengths: equal to the
 * bytes after them, to the whole message, or small and non-zero ahead of data.
 */
function lengthFields(m: Uint8Array): { at: number; width: 2 | 4 }[] {
  const found: { at: number; width: 2 | 4 }[] = [];
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  for (let i = 0; i + 2 <= m.byteLength; i++) {
    const v16 = view.getUint16(i);
    if (v16 > 0 && (v16 === m.byteLength - i - 2 || v16 === m.byteLength)) {
      found.push({ at: i, width: 2 });
    }
    if (i + 4 <= m.byteLength) {
      const v32 = view.getUint32(i);
      if (v32 > 0 && (v32 === m.byteLength - i - 4 || v32 === m.byteLength)) {
        found.push({ at: i, width: 4 });
      }
    }
  }
  return found;
}

function describeIndex(i: number): string {
  return `message ${i + 1}`;
}

/** Applies one mutation, chosen by `rng` unless `kind` is given. */
export function mutate(messages: Uint8Array[], rng: Rng, kind?: Mutation): Mutated {
  const msgs: Uint8Array[] = messages.map((m) => m.slice());
  const mutation = kind ?? rng.pick(MUTATIONS);
  const index = rng.int(msgs.length);
  const m = msgs[index]!;
  const where = describeIndex(index);
  switch (mutation) {
    case "truncate": {
      const at = rng.int(Math.max(1, m.byteLength));
      msgs[index] = m.subarray(0, at);
      return { messages: msgs, mutation, index, description: `${where} cut to ${at} bytes` };
    }
    case "extend": {
      const n = 1 + rng.int(64);
      const extra = new Uint8Array(n).map(() => rng.int(256));
      msgs[index] = concat(m, extra);
      return { messages: msgs, mutation, index, description: `${where} + ${n} random bytes` };
    }
    case "flip": {
      const flips = Math.min(m.byteLength, 1 + rng.int(4));
      const at: number[] = [];
      for (let k = 0; k < flips; k++) {
        const i = rng.int(m.byteLength);
        m[i] = m[i]! ^ (1 + rng.int(255));
        at.push(i);
      }
      return {
        messages: msgs,
        mutation,
        index,
        description: `${where}: bytes ${at.join(",")} flipped`,
      };
    }
    case "length": {
      const fields = msgs.flatMap((x, i) => lengthFields(x).map((f) => ({ ...f, i })));
      if (fields.length === 0) return mutate(messages, rng, "number");
      const f = rng.pick(fields);
      const target = msgs[f.i]!;
      const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
      const value = f.width === 2
        ? rng.pick([0xffff, 0x8000, 0])
        : rng.pick([0x7fffffff, 0xffffffff, 0]);
      if (f.width === 2) view.setUint16(f.at, value);
      else view.setUint32(f.at, value);
      return {
        messages: msgs,
        mutation,
        index: f.i,
        description: `${describeIndex(f.i)}: ${f.width * 8}-bit length at byte ${f.at} → ${value}`,
      };
    }
    case "number": {
      const texts = msgs.map((x) => new TextDecoder("latin1").decode(x));
      const spots = texts.flatMap((t, i) => [...t.matchAll(/\d+/g)].map((x) => ({ i, x })));
      if (spots.length === 0) return mutate(messages, rng, "extend");
      const { i, x } = rng.pick(spots);
      const big = rng.pick(BIG_NUMBERS);
      const t = texts[i]!;
      const next = t.slice(0, x.index) + big + t.slice(x.index! + x[0].length);
      msgs[i] = Uint8Array.from(next, (ch) => ch.charCodeAt(0) & 0xff);
      return {
        messages: msgs,
        mutation,
        index: i,
        description: `${describeIndex(i)}: number ${x[0]} → ${big}`,
      };
    }
    case "repeat": {
      const times = 2 + rng.int(9);
      msgs.splice(index + 1, 0, ...Array.from({ length: times - 1 }, () => m.slice()));
      return { messages: msgs, mutation, index, description: `${where} sent ${times} times` };
    }
    case "shuffle": {
      if (msgs.length < 2) return mutate(messages, rng, "repeat");
      let j = rng.int(msgs.length - 1);
      if (j >= index) j++;
      [msgs[index], msgs[j]] = [msgs[j]!, msgs[index]!];
      return {
        messages: msgs,
        mutation,
        index: Math.min(index, j),
        description: `${where} swapped with ${describeIndex(j)}`,
      };
    }
  }
}
