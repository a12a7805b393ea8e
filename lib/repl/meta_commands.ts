/**
 * The REPL's meta commands (lines starting with `:`): their names and help. The
 * implementations live in `repl_core.ts`.
 *
 * @module
 */
import { suggest } from "../script/parser.ts";

/** The declaration of one meta command. */
export interface MetaCommand {
  name: string;
  aliases?: string[];
  usage: string;
  summary: string;
  example: string;
  details?: string;
  /** Words completed after the command (besides file paths for `file: true`). */
  completions?: string[];
  /** The argument is a file path (completed from the file system). */
  file?: boolean;
}

/** Every meta command, in help order. */
export const META_COMMANDS: MetaCommand[] = [
  {
    name: ":help",
    aliases: [":h", ":?"],
    usage: ":help [STATEMENT | :COMMAND]",
    summary: "lists statements and meta commands, or details one",
    example: ":help connect",
  },
  {
    name: ":conns",
    usage: ":conns",
    summary: "shows open connections, listeners and servers: name, kind, addresses, bytes, age",
    example: ":conns",
  },
  {
    name: ":save",
    usage: ":save FILE [--exact]",
    summary: "writes the session as a .wire test script",
    example: ":save redis_ping.wire",
    file: true,
    completions: ["--exact"],
    details: [
      "Writes the statements that succeeded (not meta commands). After each send, the data",
      "that came back on that connection and was not consumed by an expect becomes expect",
      "lines (a text literal per line, or hex for binary), so replaying waits for the same",
      "bytes. An http statement is followed by expect status, content-type and its JSON",
      "fields (or a short text body). A port asked for as 0 (listen/serve/bind …:0), or a",
      "connection's local port, is written as ${NAME.port} wherever it appears. Relative",
      "paths are rewritten to resolve from the saved file's folder. Dates, ISO timestamps,",
      "UUIDs and epoch times become /regex/ matchers; --exact keeps every byte literal.",
      "The file is written atomically (temporary file, then rename).",
    ].join("\n"),
  },
  {
    name: ":load",
    usage: ":load FILE",
    summary: "runs a .wire script into the live session (stops at its first failure)",
    example: ":load setup.wire",
    file: true,
  },
  {
    name: ":record",
    usage: ":record [on | off]",
    summary: "turns recording for :save and --record on or off (shows the state without a word)",
    example: ":record off",
    completions: ["on", "off"],
    details: "Statements run while recording is off are left out of the saved script, and so is\n" +
      "the data their sends provoked.",
  },
  {
    name: ":hex",
    usage: ":hex [on | off | auto]",
    summary: "shows arriving data as a hex dump: always, never, or for binary data (auto)",
    example: ":hex on",
    completions: ["on", "off", "auto"],
  },
  {
    name: ":vars",
    usage: ":vars",
    summary: "lists variables and the fields of open connections, listeners and servers",
    example: ":vars",
  },
  {
    name: ":echo",
    usage: ":echo [on | off]",
    summary: "shows what is sent (c > PING\\r\\n), like socat -v",
    example: ":echo off",
    completions: ["on", "off"],
  },
  {
    name: ":time",
    usage: ":time [on | off]",
    summary: "prefixes arriving data and announcements with the time",
    example: ":time on",
    completions: ["on", "off"],
  },
  {
    name: ":clear",
    usage: ":clear",
    summary: "clears the screen (also Ctrl-L)",
    example: ":clear",
  },
  {
    name: ":flush",
    usage: ":flush NAME…",
    summary: "discards a connection's unread data (and resumes reading if it was paused)",
    example: ":flush r",
    details: [
      "The REPL keeps at most 1 MiB unread per connection (or its `buffer SIZE`): past that",
      "it stops reading, so the peer waits (backpressure), and says so. An expect consumes",
      "what it matches; :flush throws the rest away. :conns shows the unread bytes.",
    ].join("\n"),
  },
  {
    name: ":quit",
    aliases: [":q", ":exit"],
    usage: ":quit",
    summary: "closes every connection and server and leaves (also Ctrl-D, or Ctrl-C twice)",
    example: ":quit",
  },
];

/** Finds a meta command by name or alias (`:q`, `quit` and `:quit` all find `:quit`). */
export function findMeta(word: string): MetaCommand | undefined {
  const w = word.startsWith(":") ? word.toLowerCase() : `:${word.toLowerCase()}`;
  return META_COMMANDS.find((m) => m.name === w || m.aliases?.includes(w));
}

/**
 * The meta command a mistyped word most likely meant: a unique prefix (`:sav`) or the
 * closest name within two edits (`:sve`).
 */
export function suggestMeta(word: string): string | undefined {
  const w = word.startsWith(":") ? word.toLowerCase() : `:${word.toLowerCase()}`;
  const names = META_COMMANDS.map((m) => m.name);
  const prefixed = names.filter((n) => n.startsWith(w));
  if (prefixed.length === 1) return prefixed[0];
  return suggest(w, names);
}
