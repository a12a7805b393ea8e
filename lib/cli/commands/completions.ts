/**
 * `wireplay completions bash|zsh|fish`: prints the shell's completion script.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { completionScript, SHELLS } from "../completions.ts";

/** The `completions` command. */
export function completionsCommand() {
  return new Command("completions")
    .description(`Print the shell completion script (${SHELLS.join(", ")}) for wireplay`)
    .argument("<shell>", SHELLS.join(" | "))
    .action(async (shell) => {
      const known = SHELLS.find((s) => s === shell);
      if (!known) {
        throw new UsageError(`"${shell}" is not a shell we complete for (${SHELLS.join(", ")})`, {
          where: "completions",
        });
      }
      // every command, with its options (this loads them all)
      const { buildProgram } = await import("../main.ts");
      console.log(completionScript(known, await buildProgram()));
    });
}
