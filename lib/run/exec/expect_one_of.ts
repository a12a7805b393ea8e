/**
 * Runs `expect NAME one of { … }`: one wait on the connection's receive buffer for every
 * arm at once; the first arm whose matcher completes (in arm order, when several could
 * on the same bytes) consumes its match and runs its block.
 *
 * @module
 */
import type { ExpectArmNode, ExpectOneOfNode } from "../../script/grammar/expect_one_of.ts";
import { eofMatcher, exactMatcher, regexMatcher } from "../../transport/matchers.ts";
import { type Matcher, MatchError, type MatchStep } from "../../transport/stream_buffer.ts";
import { runBody } from "../interpreter.ts";
import type { Session } from "../session.ts";
import { evalMatch } from "../values.ts";
import type { Var } from "../vars.ts";
import { captureVars, textOrBytes } from "./core.ts";
import type { Executor } from "./executor.ts";

interface Won {
  arm: ExpectArmNode;
  received?: Uint8Array;
  value?: Var;
}

/** A matcher over several: done when one is, failed when all are. */
function firstOf(
  arms: { arm: ExpectArmNode; matcher: Matcher<Won> }[],
  describe: string,
): Matcher<Won> {
  const out = new Set<number>();
  const reasons: string[] = [];
  return {
    describe: () => describe,
    async prepare() {
      await Promise.all(arms.map((a) => a.matcher.prepare?.()));
    },
    check(buffer, look, deadline): MatchStep<Won> {
      let defer: number | undefined;
      for (let i = 0; i < arms.length; i++) {
        if (out.has(i)) continue;
        const step = arms[i]!.matcher.check(buffer, look, deadline);
        if (step && "done" in step) return step;
        if (step && "fail" in step) {
          out.add(i);
          reasons.push(`${arms[i]!.matcher.describe()}: ${step.fail}`);
        } else if (step && "defer" in step) defer = Math.min(defer ?? step.defer, step.defer);
      }
      if (out.size === arms.length) return { fail: reasons.join("; ") };
      return defer === undefined ? undefined : { defer };
    },
  };
}

/** The matcher of one arm, giving what the arm's `as` captures. */
async function armMatcher(
  session: Session,
  arm: ExpectArmNode,
): Promise<Matcher<Won>> {
  if (arm.match.type === "eof") {
    const m = eofMatcher();
    return { describe: m.describe, check: (b, l, d) => map(m.check(b, l, d), () => ({ arm })) };
  }
  if (arm.match.type === "timeout") throw new Error("a timeout arm has no matcher");
  const want = await evalMatch(session, arm.match.value);
  if ("bytes" in want) {
    const m = exactMatcher(want.bytes, { shareExpected: true });
    return {
      describe: m.describe,
      check: (b, l, d) =>
        map(m.check(b, l, d), (got) => ({ arm, received: got, value: textOrBytes(got) })),
    };
  }
  const m = regexMatcher(want.regex, { settleMs: session.settleMs });
  return {
    describe: m.describe,
    prepare: m.prepare,
    check: (b, l, d) =>
      map(m.check(b, l, d), (got) => ({
        arm,
        received: got.whole,
        value: captureVars(got.whole, got.groups, got.named),
      })),
  };
}

function map<A, B>(step: MatchStep<A>, f: (a: A) => B): MatchStep<B> {
  if (step && "done" in step) return { done: f(step.done) };
  return step;
}

const expectOneOf: Executor<ExpectOneOfNode> = async (node, session) => {
  const r = session.get(node.channel);
  if (!r.stream) {
    return session.fail(`"one of" waits on a stream connection; "${node.channel}" is a ${r.kind}`);
  }
  if (node.arms.length === 0) return session.fail("one of needs at least one arm");
  const onTimeout = node.arms.find((a) => a.match.type === "timeout");
  const waiting = [];
  for (const arm of node.arms) {
    if (arm.match.type !== "timeout") {
      waiting.push({ arm, matcher: await armMatcher(session, arm) });
    }
  }
  const expected = `one of ${waiting.map((w) => w.matcher.describe()).join(", ")}`;
  const timeoutMs = node.withinMs ?? session.timeoutMs;
  let won: Won;
  try {
    if (!waiting.length) {
      throw new MatchError("nothing to wait for", "timeout", 0, new Uint8Array());
    }
    won = await r.stream.buffer.until(firstOf(waiting, expected), {
      timeoutMs,
      signal: session.signal,
    });
  } catch (e) {
    if (!(e instanceof MatchError)) throw e;
    if (e.reason === "timeout" && onTimeout) {
      session.done(node);
      return await runBody(onTimeout.body, session);
    }
    const reason = e.reason === "timeout"
      ? `timed out waiting for ${expected}`
      : e.reason === "mismatch"
      ? `received data matches none of the arms (${e.message})`
      : e.reason === "aborted"
      ? "cancelled"
      : e.message;
    return session.fail(
      reason,
      { expected, received: e.received, waitedMs: e.waitedMs, timeoutMs },
      e,
    );
  }
  if (won.arm.as) session.vars.set(won.arm.as, won.value);
  session.done(node, { received: won.received });
  await runBody(won.arm.body, session);
};

/** The executor of `expect NAME one of`, by kind. */
export const EXPECT_ONE_OF_EXECUTORS: Record<string, Executor> = {
  "expect-one-of": expectOneOf,
};
