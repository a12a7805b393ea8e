/**
 * `secret NAME = VALUE`, `secret NAME` (given with `--secret NAME=VALUE`) and
 * `secret env NAME`: a variable whose value is never written anywhere (shown `***`).
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { StatementSyntax } from "./syntax.ts";

/** `secret NAME = VALUE` | `secret NAME` | `secret env NAME` */
export interface SecretNode extends StatementBase {
  kind: "secret";
  name: string;
  /** Where the value comes from: written here, the environment, or `--secret`. */
  from: { value: ValueNode } | { env: true } | { given: true };
}

/** The secrets statement. */
export const SECRET_STATEMENTS: StatementSyntax[] = [{
  keyword: "secret",
  usage: "secret NAME = VALUE | secret env NAME | secret NAME",
  summary: "a variable whose value is never shown or saved (***)",
  example: "secret env API_TOKEN",
  completions: ["env", "="],
  details: "`${NAME}` reads it like any variable. `secret env NAME` takes the environment " +
    "variable NAME; `secret NAME` alone requires `--secret NAME=VALUE` (what :save and " +
    "record write). Reports, traces, the REPL, :save, recordings and --update show it as " +
    "*** (or write ${NAME} in a script). A value needs at least 4 bytes.",
  parse(r, base): SecretNode {
    const rest = r.text.slice(r.pos).trim();
    if (/^env\s+[^=\s]/.test(rest)) {
      r.word("env");
      const name = r.name("environment variable name").text;
      r.end();
      return { ...base, kind: "secret", name, from: { env: true } };
    }
    const name = r.name("secret name").text;
    if (r.atEnd()) return { ...base, kind: "secret", name, from: { given: true } };
    r.expectKeyword("=", "after the secret name");
    const value = r.value("the secret's value");
    r.end();
    return { ...base, kind: "secret", name, from: { value } };
  },
}];
