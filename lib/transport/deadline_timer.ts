/**
 * One timer for the deadlines of every pending wait. A `setTimeout` and `clearTimeout`
 * per wait cost several microseconds, a tenth of a round trip on loopback; here a wait
 * that ends before its deadline costs two set operations. The timer is armed for the
 * earliest deadline; it keeps the process alive only while a wait is pending (it is
 * unreferenced, not cleared, when the last one ends, so the next wait does not pay for
 * a new timer).
 *
 * @module
 */

interface Entry {
  readonly at: number;
  readonly fire: () => void;
}

/** The longest delay a timer holds (2³¹−1 ms). */
const MAX_DELAY = 2 ** 31 - 1;
const pending = new Set<Entry>();
let timer: ReturnType<typeof setTimeout> | undefined;
let armedAt = Infinity;
let referenced = false;

/**
 * Calls `fire` once `performance.now()` reaches `at` (a timer's lateness aside), unless
 * the returned function is called first.
 */
export function onDeadline(at: number, fire: () => void): () => void {
  const entry: Entry = { at, fire };
  pending.add(entry);
  if (timer === undefined || at < armedAt) arm(at);
  else if (!referenced) {
    Deno.refTimer(timer);
    referenced = true;
  }
  return () => {
    if (pending.delete(entry) && pending.size === 0 && timer !== undefined && referenced) {
      Deno.unrefTimer(timer);
      referenced = false;
    }
  };
}

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer);
  armedAt = at;
  referenced = true;
  // (a longer delay than a timer holds fires early: `due` arms again)
  timer = setTimeout(due, Math.min(MAX_DELAY, Math.max(0, at - performance.now())));
}

function due(): void {
  timer = undefined;
  armedAt = Infinity;
  referenced = false;
  const now = performance.now();
  for (const entry of [...pending]) {
    if (entry.at <= now && pending.delete(entry)) entry.fire();
  }
  let next = Infinity;
  for (const entry of pending) if (entry.at < next) next = entry.at;
  if (next < armedAt) arm(next);
}
