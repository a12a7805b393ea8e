// Types for npm:range-parser (the package ships none).
declare namespace rangeParser {
  interface Range {
    start: number;
    end: number;
  }
  interface Ranges extends Array<Range> {
    type: string;
  }
  interface Options {
    combine?: boolean;
  }
}
/** Parses a `Range` header: the ranges, -1 when unsatisfiable, -2 when malformed. */
declare function rangeParser(
  size: number,
  header: string,
  options?: rangeParser.Options,
): rangeParser.Ranges | -1 | -2;
export default rangeParser;
