/**
 * Progress on a terminal, silence when output is piped (SPEC §7). Writes one
 * self-overwriting line to stderr at most every 100 ms.
 *
 * @module
 */
import { formatBytes } from "../bytes/units.ts";

const enc = new TextEncoder();

/** A progress line; all methods are no-ops when stderr is not a terminal. */
export class Progress {
  #enabled: boolean;
  #last = 0;
  #started = performance.now();
  #shown = false;
  constructor(readonly label: string, enabled = Deno.stderr.isTerminal() && !Deno.env.get("CI")) {
    this.#enabled = enabled;
  }

  /** Shows `label  done/total (percent) rate eta` for byte counts. */
  bytes(done: number, total?: number): void {
    if (!this.#tick()) return;
    const secs = (performance.now() - this.#started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    let text = `${this.label} ${formatBytes(done)}`;
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (done / total) * 100);
      const bar = "█".repeat(Math.round(pct / 5)).padEnd(20, "░");
      const eta = rate > 0 ? (total - done) / rate : 0;
      text = `${this.label} ${bar} ${pct.toFixed(1)}% ${formatBytes(done)}/${formatBytes(total)} ${
        formatBytes(rate)
      }/s ${eta.toFixed(0)}s left`;
    } else {
      text += ` ${formatBytes(rate)}/s`;
    }
    this.#write(text);
  }

  /** Shows `label  done/total  extra` for item counts. */
  count(done: number, total: number, extra = ""): void {
    if (!this.#tick()) return;
    const pct = total > 0 ? (done / total) * 100 : 100;
    this.#write(`${this.label} ${done}/${total} (${pct.toFixed(0)}%) ${extra}`);
  }

  /** Clears the line. */
  done(): void {
    if (this.#enabled && this.#shown) Deno.stderr.writeSync(enc.encode("\r\x1b[2K"));
    this.#shown = false;
  }

  #tick(): boolean {
    if (!this.#enabled) return false;
    const now = performance.now();
    if (now - this.#last < 100) return false;
    this.#last = now;
    return true;
  }

  #write(text: string): void {
    this.#shown = true;
    Deno.stderr.writeSync(enc.encode(`\r\x1b[2K${text}`));
  }
}
