/**
 * A token bucket: `rate` tokens per second, holding at most `burst`.
 *
 * @module
 */

/** A token bucket rate limiter with an injectable clock. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  /**
   * @param rate Tokens added per second.
   * @param burst Capacity; the bucket starts full.
   * @param now The clock in milliseconds (default `performance.now`).
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0) || !(burst >= 1)) {
      throw new RangeError(`Cannot make a token bucket with rate ${rate}, burst ${burst}`);
    }
    this.#tokens = burst;
    this.#last = now();
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
  }

  /** Takes one token if there is one; returns whether it did. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until a token will be available (0 if one is now). */
  waitMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.rate) * 1000);
  }
}
