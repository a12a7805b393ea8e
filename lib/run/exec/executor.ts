/**
 * How a statement kind is run.
 *
 * @module
 */
import type { StatementBase } from "../../script/ast.ts";
import type { Session } from "../session.ts";

/** Runs one statement node in a session; throws `ExpectationError` on failure. */
// deno-lint-ignore no-explicit-any
export type Executor<N extends StatementBase = any> = (node: N, session: Session) => Promise<void>;
