export * from "../script/line_joiner.ts";
