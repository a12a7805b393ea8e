/**
 * Shell completion scripts for bash, zsh and fish, generated from the program's own
 * commands and options (so they never drift from `--help`).
 *
 * @module
 */
import type { Command } from "commander";
import { REPORTERS } from "../report/mod.ts";

/** The shells `wireplay completions` writes for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

interface Node {
  /** `""` for the program, `udp listen` for a subcommand. */
  path: string;
  summary: string;
  subcommands: string[];
  options: { flag: string; summary: string; takesValue: boolean; values?: readonly string[] }[];
}

/** Values a flag takes that the script offers (the reporters; options with choices). */
function valuesOf(
  flag: string,
  choices: readonly string[] | undefined,
): readonly string[] | undefined {
  if (flag === "--reporter") return REPORTERS;
  return choices;
}

function walk(c: Command, prefix: string, out: Node[]): void {
  const subs = c.commands as Command[];
  out.push({
    path: prefix,
    summary: c.description(),
    subcommands: subs.map((s) => s.name()),
    options: c.options.filter((o) => o.long).map((o) => ({
      flag: o.long!,
      summary: o.description,
      takesValue: o.required || o.optional,
      values: valuesOf(o.long!, o.argChoices),
    })),
  });
  for (const s of subs) walk(s, prefix ? `${prefix} ${s.name()}` : s.name(), out);
}

function nodes(program: Command): Node[] {
  const out: Node[] = [];
  walk(program, "", out);
  return out;
}

const sq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The bash script (zsh loads it through bashcompinit). */
function bash(program: Command): string {
  const all = nodes(program);
  const words = all.filter((n) => n.subcommands.length).map((n) =>
    `    ${sq(n.path)}) echo ${sq(n.subcommands.join(" "))} ;;`
  );
  const opts = all.map((n) =>
    `    ${sq(n.path)}) echo ${sq([...n.options.map((o) => o.flag), "--help"].join(" "))} ;;`
  );
  const flags = new Map<string, readonly string[]>();
  for (const n of all) for (const o of n.options) if (o.values) flags.set(o.flag, o.values);
  const values = [...flags].map(([f, v]) => `    ${sq(f)}) echo ${sq(v.join(" "))} ;;`);
  return `# wireplay completion for bash: source <(wireplay completions bash)
_wireplay_subcommands() {
  case "$1" in
${words.join("\n")}
  esac
}
_wireplay_options() {
  case "$1" in
${opts.join("\n")}
  esac
}
_wireplay_values() {
  case "$1" in
${values.join("\n")}
  esac
}
_wireplay() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" i w subs vals
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    subs=" $(_wireplay_subcommands "$path") "
    if [[ "$w" != -* && "$subs" == *" $w "* ]]; then path="\${path:+$path }$w"; fi
  done
  vals="$(_wireplay_values "$prev")"
  if [[ -n "$vals" && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "$vals" -- "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_wireplay_options "$path")" -- "$cur"))
  else
    subs="$(_wireplay_subcommands "$path")"
    if [[ -n "$subs" ]]; then
      COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
  fi
}
complete -o default -F _wireplay wireplay
`;
}

function zsh(program: Command): string {
  return `#compdef wireplay
# wireplay completion for zsh: source <(wireplay completions zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(program).split("\n").slice(1).join("\n")}`;
}

function fish(program: Command): string {
  const lines = ["# wireplay completion for fish: wireplay completions fish | source"];
  lines.push("complete -c wireplay -f");
  const esc = (s: string) => sq(s.split("\n")[0] ?? "");
  const all = nodes(program);
  for (const n of all) {
    const parts = n.path ? n.path.split(" ") : [];
    const seen = parts.map((p) => `__fish_seen_subcommand_from ${p}`);
    const here = parts.length ? seen.join("; and ") : "__fish_use_subcommand";
    const notDeeper = n.subcommands.length
      ? `; and not __fish_seen_subcommand_from ${n.subcommands.join(" ")}`
      : "";
    for (const s of n.subcommands) {
      const child = all.find((c) => c.path === (n.path ? `${n.path} ${s}` : s));
      lines.push(
        `complete -c wireplay -n ${sq(here + notDeeper)} -a ${sq(s)} -d ${
          esc(child?.summary ?? "")
        }`,
      );
    }
    for (const o of n.options) {
      const values = o.values ? ` -a ${sq(o.values.join(" "))}` : "";
      lines.push(
        `complete -c wireplay -n ${sq(here)} -l ${o.flag.slice(2)}${
          o.takesValue ? " -r -F" : ""
        }${values} -d ${esc(o.summary)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The completion script for `shell`. */
export function completionScript(shell: typeof SHELLS[number], program: Command): string {
  return shell === "bash" ? bash(program) : shell === "zsh" ? zsh(program) : fish(program);
}
