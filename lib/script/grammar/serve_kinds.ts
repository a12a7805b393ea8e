/**
 * The server kinds `serve KIND ADDR as NAME [OPTION VALUE]…` knows, and the options
 * each accepts, so that a script with a wrong option fails to parse. Servers themselves
 * live in `lib/servers/`; add a kind there and here.
 *
 * @module
 */

/** How an option of a server kind is written. */
export type ServeOptionKind = "value" | "flag";

/** The declaration of one server kind. */
export interface ServeKind {
  summary: string;
  /** Schemes it can listen on. */
  schemes: string[];
  options: Record<string, ServeOptionKind>;
  /** A value written right after the address (`serve exec ADDR "COMMAND"`), kept as this option. */
  argument?: { option: string; what: string };
}

/** Every server kind, by name. */
export const SERVE_KINDS: Record<string, ServeKind> = {
  echo: {
    summary: "sends back every byte (or datagram, or WebSocket message on ws://) it receives",
    schemes: ["tcp", "tls", "unix", "udp", "ws", "wss"],
    options: { cert: "value", key: "value", "handshake-timeout": "value", workers: "value" },
  },
  discard: {
    summary: "reads and drops everything",
    schemes: ["tcp", "tls", "unix", "udp"],
    options: { cert: "value", key: "value", "handshake-timeout": "value", workers: "value" },
  },
  chargen: {
    summary: "sends the RFC 864 character pattern until the client closes",
    schemes: ["tcp", "tls", "unix", "udp"],
    options: { cert: "value", key: "value", "handshake-timeout": "value", workers: "value" },
  },
  http: {
    summary: "HTTP: httpbin-style endpoints, static files under root, scripted routes",
    schemes: ["http", "https", "tcp", "tls"],
    options: {
      root: "value",
      cert: "value",
      key: "value",
      "header-timeout": "value",
      "max-buffered": "value",
      workers: "value",
    },
  },
  rules: {
    summary: "a mock answering by rules: on NAME line|bytes MATCH reply …, connect, default",
    schemes: ["tcp", "tls", "unix"],
    options: { cert: "value", key: "value", "handshake-timeout": "value" },
  },
  chat: {
    summary:
      "a line-based chat room (/nick, /join #room, /msg, /me, /who, /quit) for nc and the REPL",
    schemes: ["tcp", "tls", "unix"],
    options: {
      cert: "value",
      key: "value",
      "handshake-timeout": "value",
      "max-line": "value",
      "max-queue": "value",
      rate: "value",
      burst: "value",
      "max-clients": "value",
      welcome: "value",
      log: "flag",
      workers: "value",
    },
  },
  exec: {
    summary:
      "runs COMMAND for each client, wired to its stdin and stdout (ncat -e); needs --allow-run",
    schemes: ["tcp", "tls", "unix"],
    options: { cert: "value", key: "value", "handshake-timeout": "value" },
    argument: { option: "command", what: 'the command to run per client, in quotes: "cat"' },
  },
  files: {
    summary: "receives files sent with send-file (verified by SHA-256, resumable) into dir",
    schemes: ["tcp", "tls", "unix"],
    options: {
      dir: "value",
      force: "flag",
      "max-size": "value",
      "max-concurrent": "value",
      timeout: "value",
      log: "flag",
      cert: "value",
      key: "value",
      "handshake-timeout": "value",
    },
  },
};
