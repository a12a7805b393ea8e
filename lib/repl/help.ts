/**
 * `:help` text, read at run time from the statement registry (so statements other
 * modules add appear) and from the meta commands.
 *
 * @module
 */
import { EXPECT_STATEMENT, findStatement, STATEMENTS } from "../script/grammar/mod.ts";
import type { StatementSyntax } from "../script/grammar/syntax.ts";
import { findMeta, META_COMMANDS } from "./meta_commands.ts";

/** Multi-line input, as shown by `:help` and `:help multiline`. */
export const MULTILINE_HELP = [
  "Multi-line entry (typed or piped):",
  '  a line ending in \\ continues on the next:   send c "part one, " \\',
  '                                              "part two"',
  "  <<TAG takes the next lines, up to a line holding only TAG, as one literal text",
  "  value (each line ends with \\n; <<crlf TAG ends them with \\r\\n; no escapes or",
  "  ${var} inside):                              send web <<crlf END",
  "                                              GET / HTTP/1.1",
  "                                              Host: localhost",
  "                                              ",
  "                                              END",
].join("\n");

/** Broadcast, multicast, socket options and workers, as shown by `:help sockets`. */
export const SOCKETS_HELP = [
  "Sockets (:help bind, connect, listen, serve for every option), one statement a line:",
  "  broadcast        bind udp://0.0.0.0:0 as b broadcast",
  '                   send b "hello" to 10.0.0.255:5000',
  "  multicast        bind udp://0.0.0.0:5000 as m reuseaddr join 239.1.2.3 iface 10.0.0.1",
  "                   bind udp://0.0.0.0:0 as s ttl 4 loopback off",
  '                   send s "hi group" to 239.1.2.3:5000',
  "                   leave m 239.1.2.3",
  "  TCP options      connect tcp://127.0.0.1:6379 as r nodelay off keepalive 30s ttl 16",
  "                   connect tcp://127.0.0.1:6379 as q bind-source 127.0.0.2 sndbuf 256KiB",
  '                   print "${r.options.nodelay}"',
  "  listeners        listen tcp://0.0.0.0:8080 as l reuseport",
  "  workers          serve http tcp://0.0.0.0:8080 as web workers 2",
  "  (ttl, sndbuf, rcvbuf and keepalive D need --allow-ffi; :conns shows an OPTIONS column)",
].join("\n");

function all(): StatementSyntax[] {
  const list = [...STATEMENTS];
  const i = list.findIndex((s) => s.keyword === "send");
  list.splice(i < 0 ? list.length : i + 1, 0, EXPECT_STATEMENT);
  return list;
}

/**
 * The help text: everything for no topic, or one statement or meta command.
 *
 * @returns The text, or a "no help" line naming what exists.
 */
export function helpText(topic?: string): string {
  if (!topic) return overview();
  const t = topic.trim();
  if (t === "multiline" || t === "heredoc") return MULTILINE_HELP;
  if (t === "sockets") return SOCKETS_HELP;
  const meta = findMeta(t);
  if (t.startsWith(":") || (meta && !findStatement(t))) {
    if (!meta) return `no meta command "${t}" (try :help)`;
    return [
      `${meta.usage}`,
      `  ${meta.summary}`,
      ...(meta.aliases ? [`  aliases: ${meta.aliases.join(", ")}`] : []),
      `  example: ${meta.example}`,
      ...(meta.details ? ["", meta.details] : []),
    ].join("\n");
  }
  const s = findStatement(t);
  if (!s) return `no statement "${t}" (try :help)`;
  return [
    s.usage,
    `  ${s.summary}`,
    ...(s.aliases?.length ? [`  aliases: ${s.aliases.join(", ")}`] : []),
    `  example: ${s.example}`,
    ...(s.details ? ["", s.details] : []),
  ].join("\n");
}

function overview(): string {
  const lines = ["Statements (the same as in .wire scripts; :help NAME for details):"];
  for (const s of all()) {
    lines.push(`  ${s.usage}`);
    lines.push(`      ${s.summary}   e.g. ${s.example}`);
  }
  lines.push("", "Meta commands:");
  for (const m of META_COMMANDS) {
    lines.push(`  ${m.usage.padEnd(30)} ${m.summary}   e.g. ${m.example}`);
  }
  lines.push(
    "",
    MULTILINE_HELP,
    "",
    "Keys: Tab completes; Up/Down walk the history; Ctrl-C cancels a waiting statement",
    "or clears the line; Ctrl-C twice on an empty line, or Ctrl-D, leaves.",
    ":help sockets: broadcast, multicast, socket options and workers, by example.",
    "The command line has more: deno task wireplay --help",
  );
  return lines.join("\n");
}
