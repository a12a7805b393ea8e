/**
 * `wireplay completions bash|zsh|fish`, sourced in bash and asked what it completes; and
 * the help text: every command's summary starts with a capital, every `--help` shows an
 * example.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Command } from "commander";
import { buildProgram } from "../../lib/cli/main.ts";
import { runCli } from "../helpers/cli.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";

/** What bash completes for the words (the last one is being typed). */
async function complete(script: string, cwd: string, ...words: string[]): Promise<string[]> {
  const line = ["wireplay", ...words].map((w) => `'${w}'`).join(" ");
  const r = await output("bash", {
    args: [
      "-c",
      `source ${script} && COMP_WORDS=(${line}) && COMP_CWORD=${words.length} && _wireplay && printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    cwd,
    deadlineMs: 10_000,
  });
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).split("\n").filter(Boolean).sort();
}

Deno.test("completions bash: sourced in bash, it completes commands, subcommands, flags, values, files", async () => {
  await using dir = await tempDir();
  const r = await runCli(["completions", "bash"]);
  assertEquals(r.code, 0, r.stderr);
  const script = await dir.write("wireplay.bash", r.stdout);
  await dir.write("talk.wire", "");
  const check = await output("bash", { args: ["-n", script], deadlineMs: 10_000 });
  assertEquals(check.code, 0, new TextDecoder().decode(check.stderr));
  assertEquals(await complete(script, dir.path, "te"), ["test"]);
  assertEquals(await complete(script, dir.path, "re"), [
    "record",
    "recv-file",
    "repl",
    "replay",
    "report",
  ]);
  assertEquals(await complete(script, dir.path, "udp", "l"), ["listen"]);
  assertEquals(await complete(script, dir.path, "report", ""), ["merge"]);
  assertEquals(await complete(script, dir.path, "test", "--rep"), ["--reporter"]);
  assertEquals(await complete(script, dir.path, "test", "--reporter", "j"), ["json", "junit"]);
  assertEquals(await complete(script, dir.path, "run", "--p"), ["--pcap"]);
  assertEquals(await complete(script, dir.path, "udp", "send", "--b"), ["--broadcast"]);
  assertEquals(await complete(script, dir.path, "run", "ta"), ["talk.wire"]);
});

Deno.test("completions zsh and fish: every command is named; a wrong shell is exit 2", async () => {
  const program = await buildProgram();
  const names = (program.commands as Command[]).map((c) => c.name());
  for (const shell of ["zsh", "fish"]) {
    const r = await runCli(["completions", shell]);
    assertEquals(r.code, 0, r.stderr);
    for (const n of names) assertStringIncludes(r.stdout, n);
  }
  const zsh = await runCli(["completions", "zsh"]);
  assertStringIncludes(zsh.stdout, "bashcompinit");
  const fish = await runCli(["completions", "fish"]);
  assertStringIncludes(
    fish.stdout,
    "complete -c wireplay -n '__fish_seen_subcommand_from test' -l reporter",
  );
  const bad = await runCli(["completions", "tcsh"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "tcsh");
});

function everyCommand(c: Command, path: string[] = []): { path: string; c: Command }[] {
  return (c.commands as Command[]).flatMap((s) => [
    { path: [...path, s.name()].join(" "), c: s },
    ...everyCommand(s, [...path, s.name()]),
  ]);
}

Deno.test("help: every command's summary starts with a capital, and its --help has an example", async () => {
  const program = await buildProgram();
  const all = everyCommand(program);
  assert(all.length > 30, `${all.length} commands`);
  for (const { path, c } of all) {
    assert(/^[A-Z]/.test(c.description()), `${path}: "${c.description()}" starts lower-case`);
    let help = "";
    c.configureOutput({ writeOut: (s) => (help += s) });
    c.outputHelp();
    assert(/\nExamples?:\n {2}\$ wireplay /.test(help), `${path} --help has no example:\n${help}`);
    const example = help.slice(help.indexOf("$ wireplay "));
    assertStringIncludes(example, `$ wireplay ${path}`);
  }
});
