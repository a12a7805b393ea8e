/**
 * The executor of `secret` (see `lib/script/grammar/secrets.ts`): sets the variable and
 * registers its value with the masking every output applies.
 *
 * @module
 */
import type { SecretNode } from "../../script/grammar/secrets.ts";
import { addSecret } from "../../secrets/secrets.ts";
import { varToText } from "../vars.ts";
import { evalText } from "../values.ts";
import type { Executor } from "./executor.ts";

const secret: Executor<SecretNode> = async (node, session) => {
  let value: string;
  if ("value" in node.from) value = await evalText(session, node.from.value);
  else if ("env" in node.from) {
    let env: string | undefined;
    try {
      env = Deno.env.get(node.name);
    } catch {
      return session.fail(
        `cannot read the environment variable ${node.name}: start with --allow-env`,
      );
    }
    if (env === undefined) return session.fail(`the environment variable ${node.name} is not set`);
    value = env;
  } else {
    const given = session.vars.get(node.name);
    if (given === undefined) {
      return session.fail(
        `secret "${node.name}" has no value: pass --secret ${node.name}=VALUE`,
      );
    }
    value = varToText(given);
  }
  const span = "value" in node.from ? node.from.value.span : node.span;
  addSecret(node.name, value, `${session.file}:${span.line}:${span.col}`);
  session.vars.set(node.name, value);
};

/** Executors of the secrets statement, by kind. */
export const SECRET_EXECUTORS: Record<string, Executor> = { secret };
