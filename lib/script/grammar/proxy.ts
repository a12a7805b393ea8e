/**
 * Statements of the proxy area (issue 5): `proxy … as p` starts a fault-injecting (and
 * optionally recording) proxy, `fault p …` changes its faults while it runs, and
 * `default NAME = VALUE` sets a variable unless `--var` already did (recordings use it
 * for `${target}`).
 *
 * @module
 */
import type { StatementBase, ValueNode } from "../ast.ts";
import type { LineReader } from "../reader.ts";
import {
  type DirectionChoice,
  FAULT_NAMES,
  type FaultName,
  parseFaultValue,
  parseProbability,
} from "../../proxy/faults.ts";
import type { StatementSyntax } from "./syntax.ts";

/** `default NAME = VALUE` */
export interface DefaultNode extends StatementBase {
  kind: "default";
  name: string;
  value: ValueNode;
}

/** One fault setting: a per-direction fault, or drop-connect. */
export type FaultSetting =
  | { name: FaultName; value: number; direction: DirectionChoice }
  | { name: "drop-connect"; value: number };

/** `proxy ADDR to ADDR as NAME [record FILE] [insecure | ca FILE] [FAULT VALUE [up|down]]…` */
export interface ProxyNode extends StatementBase {
  kind: "proxy";
  listen: ValueNode;
  upstream: ValueNode;
  name: string;
  record?: ValueNode;
  ca?: ValueNode;
  insecure: boolean;
  faults: FaultSetting[];
}

/** `fault NAME clear` or `fault NAME FAULT VALUE [up|down|both]` */
export interface FaultNode extends StatementBase {
  kind: "fault";
  proxy: string;
  clear: boolean;
  setting?: FaultSetting;
}

const FAULT_WORDS = [...FAULT_NAMES, "drop-connect"];

/** Reads `FAULT VALUE [up|down|both]` (the fault word already peeked). */
function faultSetting(r: LineReader): FaultSetting {
  const w = r.word("a fault");
  const name = w.text.toLowerCase();
  if (!FAULT_WORDS.includes(name)) {
    return r.fail(`unknown fault "${w.text}" (faults: ${FAULT_WORDS.join(", ")}, clear)`, w.span);
  }
  const v = r.word(`a value for ${name}`);
  try {
    if (name === "drop-connect") return { name, value: parseProbability(v.text, name) };
    const value = parseFaultValue(name as FaultName, v.text, name);
    let direction: DirectionChoice = "both";
    const d = r.peekWord()?.toLowerCase();
    if (d === "up" || d === "down" || d === "both") {
      r.word("a direction");
      direction = d;
    }
    return { name: name as FaultName, value, direction };
  } catch (e) {
    return r.fail((e as Error).message, v.span);
  }
}

/** The proxy-area statements. */
export const PROXY_STATEMENTS: StatementSyntax[] = [
  {
    keyword: "default",
    usage: "default NAME = VALUE",
    summary: "sets a variable unless it is already set (by --var or earlier)",
    example: 'default target = "tcp://127.0.0.1:6379"',
    parse(r, base): DefaultNode {
      const name = r.name("variable name").text;
      r.expectKeyword("=", "after the variable name");
      const value = r.value("a value");
      r.end();
      return { ...base, kind: "default", name, value };
    },
  },
  {
    keyword: "proxy",
    usage: "proxy ADDR to ADDR as NAME [record FILE] [ca FILE | insecure] [FAULT VALUE [up|down]]…",
    summary: "starts a proxy that can inject faults (and record); change them with `fault`",
    example: "proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:6379 as p latency 50ms",
    completions: ["to", "as", "record", "ca", "insecure", ...FAULT_WORDS],
    details: `Faults: ${FAULT_WORDS.join(", ")}. A fault applies to both directions unless ` +
      "followed by up (client → upstream) or down. `${NAME.port}` is the bound port.",
    parse(r, base): ProxyNode {
      const listen = r.value("the address to listen on");
      r.expectKeyword("to", "after the listen address");
      const upstream = r.value("the upstream address");
      r.expectKeyword("as", "after the upstream address");
      const name = r.name("proxy name").text;
      const node: ProxyNode = {
        ...base,
        kind: "proxy",
        listen,
        upstream,
        name,
        insecure: false,
        faults: [],
      };
      while (!r.atEnd()) {
        if (r.keyword("record")) node.record = r.value("a file to record into");
        else if (r.keyword("ca")) node.ca = r.value("a CA file");
        else if (r.keyword("insecure")) node.insecure = true;
        else node.faults.push(faultSetting(r));
      }
      return node;
    },
  },
  {
    keyword: "fault",
    usage: "fault NAME (FAULT VALUE [up|down|both] | clear)",
    summary: "changes a running proxy's faults",
    example: "fault p latency 100ms",
    completions: ["clear", "up", "down", "both", ...FAULT_WORDS],
    parse(r, base): FaultNode {
      const proxy = r.name("proxy name").text;
      if (r.keyword("clear")) {
        r.end();
        return { ...base, kind: "fault", proxy, clear: true };
      }
      const setting = faultSetting(r);
      r.end();
      return { ...base, kind: "fault", proxy, clear: false, setting };
    },
  },
];
