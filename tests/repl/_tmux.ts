/**
 * Drives a program on a real pseudo-terminal through tmux (on a private tmux socket):
 * type keys, read the screen, wait until text appears (polling the screen with a
 * deadline: waiting on an event, not sleeping for a guessed time).
 *
 * @module
 */
import { REPO_ROOT } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";

/** A tmux session running one command. */
export interface Terminal extends AsyncDisposable {
  /** Types keys (tmux key names like `Enter`, `Tab`, `C-c`, or literal text with `literal`). */
  keys(...keys: string[]): Promise<void>;
  /** Types text literally (no key-name interpretation). */
  type(text: string): Promise<void>;
  /**
   * The visible screen (and scrollback), trailing blank lines removed; dim text (the
   * REPL's argument hints) and colour codes left out.
   */
  screen(): Promise<string>;
  /** The screen with its colour escape sequences. */
  rawScreen(): Promise<string>;
  /** Like {@linkcode waitFor}, on the screen with its colour escape sequences. */
  waitForRaw(test: (raw: string) => boolean, deadlineMs?: number): Promise<string>;
  /** Waits until the screen matches; returns the screen. Throws with the screen on timeout. */
  waitFor(
    what: string | RegExp | ((screen: string) => boolean),
    deadlineMs?: number,
  ): Promise<string>;
}

async function tmux(socket: string, ...args: string[]): Promise<string> {
  const out = await output("tmux", { args: ["-L", socket, ...args], deadlineMs: 10_000 });
  if (out.signal !== null) throw new Error(`tmux ${args[0]} did not answer within 10 s`);
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Removes dim spans (hints) and then every other SGR escape from a captured screen. */
export function plainScreen(raw: string): string {
  return raw
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[2m[^\x1b\n]*(\x1b\[(0|22)?m)?/g, "")
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/\n+$/, "");
}

/**
 * Starts `command` (a shell command line, run from the repository root) in a terminal of
 * `width`×`height` (default 200×50).
 */
export async function startTerminal(
  command: string,
  size: { width?: number; height?: number } = {},
): Promise<Terminal> {
  const socket = `wireplay-test-${crypto.randomUUID().slice(0, 8)}`;
  await tmux(
    socket,
    "new-session",
    "-d",
    "-x",
    String(size.width ?? 200),
    "-y",
    String(size.height ?? 50),
    "-c",
    REPO_ROOT,
    // a terminal as a user has it: colours on unless the command asks otherwise (CI exports
    // NO_COLOR); keep the pane after the program exits, so its last words can be read
    `unset NO_COLOR; ${command}; echo "[exited $?]"; sleep 60`,
  );
  await tmux(socket, "set-option", "-g", "history-limit", "5000");
  const rawScreen = async () =>
    (await tmux(socket, "capture-pane", "-p", "-e", "-J", "-S", "-2000")).replace(/\n+$/, "");
  const screen = async () => plainScreen(await rawScreen());
  const term: Terminal = {
    keys: async (...keys) => void await tmux(socket, "send-keys", ...keys),
    type: async (text) => void await tmux(socket, "send-keys", "-l", text),
    screen,
    rawScreen,
    async waitForRaw(test, deadlineMs = 20_000) {
      const deadline = performance.now() + deadlineMs;
      let last = "";
      while (performance.now() < deadline) {
        last = await rawScreen();
        if (test(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting on the raw screen:\n${JSON.stringify(last)}`);
    },
    async waitFor(what, deadlineMs = 20_000) {
      const test = typeof what === "function"
        ? what
        : typeof what === "string"
        ? (s: string) => s.includes(what)
        : (s: string) => what.test(s);
      const deadline = performance.now() + deadlineMs;
      let last = "";
      while (performance.now() < deadline) {
        last = await screen();
        if (test(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${String(what)}; screen:\n${last}`);
    },
    async [Symbol.asyncDispose]() {
      await tmux(socket, "kill-server").catch(() => {});
    },
  };
  return term;
}

/** True when tmux is installed (tests say `...needs("tmux")`; this is the same check). */
export function hasTmux(): boolean {
  return !needs("tmux").ignore;
}
