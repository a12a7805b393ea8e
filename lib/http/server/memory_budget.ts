/**
 * One budget of bytes per server for what it holds in memory on a client's behalf: request
 * bodies being read, and answers built in memory (echoes) until the client has taken them.
 * A request that would go over it gets `503` with the reason instead of growing the
 * process without bound; generated bodies (`/bytes`, `/drip`, files) are streamed with
 * pull-based backpressure and hold only the chunk in flight.
 *
 * @module
 */

/** A count of bytes held against a cap. */
export class MemoryBudget {
  #used = 0;

  /** @param cap The most bytes held at once. */
  constructor(readonly cap: number) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Takes `n` bytes when they fit under the cap; false (nothing taken) when not. */
  tryTake(n: number): boolean {
    if (n > 0 && this.#used + n > this.cap) return false;
    this.#used += n;
    return true;
  }

  /** Gives back `n` bytes taken before. */
  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }

  /** The answer when the budget is spent: 503, why, and a hint to retry. */
  refusal(): Response {
    return new Response(
      `server busy: ${this.cap} bytes of request and response bodies are held in memory ` +
        `for clients (the max-buffered cap); retry later\n`,
      {
        status: 503,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          "retry-after": "1",
          connection: "close",
        },
      },
    );
  }
}

/** The size of the pieces a held body is handed out in. */
const PIECE = 64 * 1024;

/**
 * A body over bytes already in memory, handed out one piece per pull (so the server's
 * writer takes only what the socket accepts), that gives its `held` bytes back to the
 * budget once everything was pulled or the client went away.
 */
export function heldBody(
  bytes: Uint8Array<ArrayBuffer>,
  budget: MemoryBudget,
  held: number,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  let given = false;
  const giveBack = () => {
    if (given) return;
    given = true;
    budget.give(held);
  };
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(c) {
      if (at >= bytes.byteLength) {
        giveBack();
        return c.close();
      }
      const end = Math.min(bytes.byteLength, at + PIECE);
      c.enqueue(bytes.subarray(at, end));
      at = end;
    },
    cancel: giveBack,
  }, { highWaterMark: 0 });
}
