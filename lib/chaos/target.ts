/**
 * The server under test of `chaos` and `fuzz`: its address, whether it still accepts,
 * and (with `--restart COMMAND`) bringing it back after a crash or a hang. A process
 * started here is owned here: killed before a restart and at the end.
 *
 * @module
 */
import { type Address, formatAddress } from "../address/address.ts";
import { openDuplex } from "../transport/connect.ts";

/** How long a restarted target gets to accept connections. */
export const RESTART_TIMEOUT_MS = 15_000;

/** The target of a campaign. */
export class Target implements AsyncDisposable {
  #child: Deno.ChildProcess | undefined;
  /** How many times it was (re)started here. */
  restarts = 0;

  constructor(readonly address: Address, readonly restartCommand?: string) {}

  /** `tcp://host:port`. */
  get label(): string {
    return formatAddress(this.address);
  }

  /** True when a connection is accepted within `ms`. */
  async accepts(ms: number): Promise<boolean> {
    try {
      const c = await openDuplex(this.address, {}, AbortSignal.timeout(ms));
      c.close();
      return true;
    } catch {
      return false;
    }
  }

  /** Kills the process started here, if any, and waits for it. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  }

  /**
   * Starts the target again with the restart command (killing the one started before);
   * false without a command, or when it does not accept within {@linkcode RESTART_TIMEOUT_MS}.
   */
  async restart(): Promise<boolean> {
    if (!this.restartCommand) return false;
    await this.stop();
    this.#child = new Deno.Command("sh", {
      args: ["-c", `exec ${this.restartCommand}`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.restarts++;
    const deadline = performance.now() + RESTART_TIMEOUT_MS;
    while (performance.now() < deadline) {
      if (await this.accepts(500)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
