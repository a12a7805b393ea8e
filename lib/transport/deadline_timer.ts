/**
 * One timer for the deadlines of every pending wait. A `setTimeout` and `clearTimeout`
 * per wait cost several microseconds, a tenth of a round trip on loopback; here a wait
 * that ends before its deadline costs two set operations. The timer is armed for the
 * earliest deadline and is never cleared early (the next wait would pay for a new one);
 * it keeps the process alive only while a deadline that asks to (`keepAlive`) is
 * pending. A wait on a channel need not ask: the channel's pending read keeps the
 * process alive, and then no wait touches the timer's reference either.
 *
 * @module
 */

interface Entry {
  readonly at: number;
  readonly fire: () => void;
  readonly keepAlive: boolean;
}

/** The longest delay a timer holds (2³¹−1 ms). */
const MAX_DELAY = 2 ** 31 - 1;
const pending = new Set<Entry>();
let timer: ReturnType<typeof setTimeout> | undefined;
let armedAt = Infinity;
let referenced = false;
/** Pending entries that keep the process alive. */
let keepingAlive = 0;

/**
 * Calls `fire` once `performance.now()` reaches `at` (a timer's lateness aside), unless
 * the returned function is called first. With `keepAlive`, the process does not end
 * while it is pending; without, something else must keep it alive (a pending read).
 */
export function onDeadline(at: number, fire: () => void, keepAlive = true): () => void {
  const entry: Entry = { at, fire, keepAlive };
  pending.add(entry);
  if (keepAlive) keepingAlive++;
  if (timer === undefined || at < armedAt) arm(at);
  else reference();
  return () => {
    if (!pending.delete(entry) || !keepAlive) return;
    keepingAlive--;
    reference();
  };
}

/** Makes the timer keep the process alive exactly while an entry asks to. */
function reference(): void {
  const want = keepingAlive > 0;
  if (timer === undefined || want === referenced) return;
  if (want) Deno.refTimer(timer);
  else Deno.unrefTimer(timer);
  referenced = want;
}

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer);
  armedAt = at;
  // (a longer delay than a timer holds fires early: `due` arms again)
  timer = setTimeout(due, Math.min(MAX_DELAY, Math.max(0, at - performance.now())));
  referenced = true;
  reference();
}

function due(): void {
  timer = undefined;
  armedAt = Infinity;
  referenced = false;
  const now = performance.now();
  for (const entry of [...pending]) {
    if (entry.at <= now && pending.delete(entry)) {
      if (entry.keepAlive) keepingAlive--;
      entry.fire();
    }
  }
  let next = Infinity;
  for (const entry of pending) if (entry.at < next) next = entry.at;
  if (next < armedAt) arm(next);
}
