/**
 * Waits for Ctrl-C or SIGTERM (or an abort), the way long-running commands stop.
 *
 * @module
 */

/** Resolves with the signal's name on SIGINT or SIGTERM, or "abort" when `signal` aborts. */
export function untilSignal(signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const names: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    const handlers = names.map((name) => {
      const fn = () => done(name);
      Deno.addSignalListener(name, fn);
      return [name, fn] as const;
    });
    const done = (why: string) => {
      for (const [name, fn] of handlers) Deno.removeSignalListener(name, fn);
      signal?.removeEventListener("abort", onAbort);
      resolve(why);
    };
    const onAbort = () => done("abort");
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
