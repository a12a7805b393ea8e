/**
 * Registers every built-in server kind. Importing this module fills
 * {@linkcode SERVER_STARTERS}; each kind's option names are declared for the parser in
 * `lib/script/grammar/serve_kinds.ts`.
 *
 * @module
 */
import { SERVER_STARTERS } from "./server.ts";
import { startRulesServer } from "./rules/server.ts";
import { startSimpleServer } from "./simple.ts";
import { startHttpServerKind } from "../http/server/starter.ts";
import { startChatServerKind } from "./chat/starter.ts";
import { startFilesServerKind } from "../transfer/starter.ts";
import { startExecServer } from "./exec.ts";
import { startWsEchoServer } from "./ws_echo.ts";

SERVER_STARTERS.set("rules", startRulesServer);
// an echo on http(s):// (what serve turns ws:// and wss:// into) is a WebSocket echo
SERVER_STARTERS.set(
  "echo",
  (a, o) =>
    a.scheme === "http" || a.scheme === "https"
      ? startWsEchoServer(a, o)
      : startSimpleServer("echo", a, o),
);
SERVER_STARTERS.set("discard", (a, o) => startSimpleServer("discard", a, o));
SERVER_STARTERS.set("chargen", (a, o) => startSimpleServer("chargen", a, o));
SERVER_STARTERS.set("http", startHttpServerKind);
SERVER_STARTERS.set("chat", startChatServerKind);
SERVER_STARTERS.set("files", startFilesServerKind);
SERVER_STARTERS.set("exec", startExecServer);

export { SERVER_STARTERS };
export type { ServeOptions, ServerHandle, ServerStarter } from "./server.ts";
