import { assertEquals, assertStringIncludes } from "@std/assert";
import {
  type BenchRow,
  goalText,
  markdownTable,
  met,
  parseRows,
  ROW_MARKER,
} from "../../bench/_summary.ts";

const faster: BenchRow = {
  bench: "stream_bench",
  row: "receive via a channel vs a bare read loop",
  ours: "1.10 s",
  peer: "bare read loop 1.00 s",
  ratio: 1.1,
  goal: { op: "<=", value: 1.3 },
};
const parse: BenchRow = {
  bench: "parse_bench",
  row: "parse a 100 MB recording",
  ours: "42 MB/s",
  peer: "—",
  ratio: 42,
  unit: "MB/s",
  goal: { op: ">=", value: 50 },
};

Deno.test("a goal is met in its own direction", () => {
  assertEquals(met(faster), true);
  assertEquals(met({ ...faster, ratio: 1.31 }), false);
  assertEquals(met(parse), false);
  assertEquals(met({ ...parse, ratio: 50 }), true);
  assertEquals(met({ ...parse, goal: undefined }), undefined);
  assertEquals(goalText(parse), "≥ 50 MB/s");
  assertEquals(goalText(faster), "≤ 1.3×");
});

Deno.test("rows are read from a benchmark's output, torn lines skipped", () => {
  const out = [
    "some human line",
    ROW_MARKER + JSON.stringify(faster),
    ROW_MARKER + '{"bench": "torn',
    "  " + ROW_MARKER + JSON.stringify(parse), // not at the start of a line: not a row
    ROW_MARKER + JSON.stringify(parse),
  ].join("\n");
  assertEquals(parseRows(out), [faster, parse]);
});

Deno.test("the summary table has a line per row with its verdict", () => {
  const table = markdownTable([faster, parse, { ...parse, goal: undefined, row: "report" }]);
  const lines = table.split("\n");
  assertEquals(lines.length, 5);
  assertStringIncludes(lines[2]!, "1.10×");
  assertStringIncludes(lines[2]!, "| yes");
  assertStringIncludes(lines[3]!, "42.0 MB/s");
  assertStringIncludes(lines[3]!, "**no**");
  assertStringIncludes(lines[4]!, "report");
  // every line has the same number of cells
  assertEquals(new Set(lines.map((l) => l.split("|").length)).size, 1);
});

Deno.test("a cell holding a pipe does not break the table", () => {
  const table = markdownTable([{ ...faster, peer: "nc | openssl sha256" }]);
  assertStringIncludes(table, "nc \\| openssl sha256");
});
