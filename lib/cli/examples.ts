/**
 * One example per command and subcommand, shown at the end of its `--help` (added by
 * {@linkcode addExamples}); a test checks that every command has one.
 *
 * @module
 */
import type { Command } from "commander";

/** Examples by command path (`udp send`), each a command line and what it does. */
export const EXAMPLES: Record<string, [string, string][]> = {
  run: [[
    "run scripts/redis.wire --var redis=tcp://127.0.0.1:6379 --trace t.html",
    "run a script, draw its exchanges",
  ]],
  serve: [["serve echo tcp://127.0.0.1:7000", "an echo server until Ctrl-C"]],
  "serve echo": [["serve echo udp://127.0.0.1:7000", "echo datagrams"]],
  "serve discard": [["serve discard tcp://127.0.0.1:9000", "read and drop everything"]],
  "serve chargen": [["serve chargen tcp://127.0.0.1:1919", "stream the RFC 864 pattern"]],
  "serve http": [[
    "serve http http://127.0.0.1:8080 --root ./public",
    "httpbin endpoints and static files",
  ]],
  "serve rules": [[
    "serve rules tcp://127.0.0.1:7000",
    "no rules yet (mock FILE serves a rules file)",
  ]],
  "serve chat": [["serve chat tcp://127.0.0.1:7777 --welcome 'hi'", "a chat room for nc"]],
  "serve exec": [["serve exec tcp://127.0.0.1:7000 'cat -n'", "run a program per client"]],
  "serve files": [["serve files tcp://127.0.0.1:7001 --dir inbox", "receive files from send-file"]],
  test: [
    ["test tests/ --parallel 4", "every .wire file under tests/"],
    [
      "test --reporter pretty --reporter junit:junit.xml --reporter html:report.html",
      "three reports at once",
    ],
    ["test --shard 2/4 --reporter json:shard-2.json", "one CI machine's share"],
  ],
  cert: [["cert --out certs --host localhost", "cert.pem and key.pem for localhost"]],
  "send-file": [["send-file backup.tar tcp://127.0.0.1:7001", "send a file to recv-file"]],
  "recv-file": [["recv-file tcp://127.0.0.1:7001 --dir inbox", "receive one file"]],
  scan: [["scan 127.0.0.1 --ports 1-1024 --banner", "open ports and their banners"]],
  ping: [["ping tcp://127.0.0.1:6379", "TCP connect latency"]],
  udp: [["udp listen 0.0.0.0:5000", "print datagrams"]],
  "udp listen": [["udp listen 0.0.0.0:5000 --join 239.1.2.3", "a multicast group's datagrams"]],
  "udp send": [["udp send 127.0.0.1:5000 'hello'", "one datagram"]],
  dns: [["dns example.com --type MX", "mail servers, with TTLs"]],
  ifaces: [["ifaces 10.0.0.1", "interfaces, and the source address towards 10.0.0.1"]],
  watch: [["watch tcp://127.0.0.1:6379 https://example.com --every 5s", "a live up/down table"]],
  bench: [[
    "bench http://127.0.0.1:8080/ --conns 64 --duration 10s",
    "HTTP load, latency percentiles",
  ]],
  "bench script": [[
    "bench script session.wire --conns 10 --duration 30s",
    "load from a recording",
  ]],
  "bench merge": [["bench merge host1.json host2.json", "exact percentiles over machines"]],
  proxy: [[
    "proxy --listen tcp://127.0.0.1:7000 --upstream tcp://127.0.0.1:6379 --latency 100ms",
    "a slow link to redis",
  ]],
  record: [[
    "record --listen tcp://127.0.0.1:7000 --upstream tcp://127.0.0.1:6379 --out redis.wire",
    "record every connection as a script",
  ]],
  replay: [["replay redis.wire --listen tcp://127.0.0.1:7000", "a mock server from a recording"]],
  mock: [["mock rules.wire --listen tcp://127.0.0.1:7000", "answer by rules"]],
  toxiproxy: [["toxiproxy 127.0.0.1:8474", "Toxiproxy's API for its clients"]],
  chaos: [[
    "chaos rec.wire --target tcp://127.0.0.1:6390 --reporter html --out chaos.html",
    "one fault per message boundary",
  ]],
  fuzz: [["fuzz rec.wire --target tcp://127.0.0.1:6390", "mutated client messages"]],
  repl: [["repl --record session.wire", "talk, and keep what you typed as a script"]],
  completions: [
    ["completions bash > ~/.local/share/bash-completion/completions/wireplay", "bash"],
    ["completions fish > ~/.config/fish/completions/wireplay.fish", "fish"],
  ],
  report: [["report merge shard-*.json --reporter junit:junit.xml", "shards into one JUnit file"]],
  "report merge": [[
    "report merge shard-*.json --reporter junit:junit.xml --reporter html:report.html",
    "shards into one JUnit and one HTML report",
  ]],
};

/** Adds each command's examples to the end of its help, for the commands present. */
export function addExamples(program: Command, prefix = ""): void {
  for (const c of program.commands as Command[]) {
    const path = prefix ? `${prefix} ${c.name()}` : c.name();
    const examples = EXAMPLES[path];
    if (examples) {
      const lines = examples.map(([line, what]) => {
        const cmd = `  $ wireplay ${line}`;
        return cmd.length + what.length + 4 <= 100
          ? `${cmd}  # ${what}`
          : `${cmd}\n      # ${what}`;
      });
      c.addHelpText("after", `\nExample${examples.length > 1 ? "s" : ""}:\n${lines.join("\n")}`);
    }
    addExamples(c, path);
  }
}
