/**
 * Registers every built-in server kind. Importing this module fills
 * {@linkcode SERVER_STARTERS}; each kind's option names are declared for the parser in
 * `lib/script/grammar/serve_kinds.ts`.
 *
 * @module
 */
import { SERVER_STARTERS } from "./server.ts";
import { startSimpleServer } from "./simple.ts";

SERVER_STARTERS.set("echo", (a, o) => startSimpleServer("echo", a, o));
SERVER_STARTERS.set("discard", (a, o) => startSimpleServer("discard", a, o));
SERVER_STARTERS.set("chargen", (a, o) => startSimpleServer("chargen", a, o));

export { SERVER_STARTERS };
export type { ServeOptions, ServerHandle, ServerStarter } from "./server.ts";
