/**
 * Option parsers shared by the commands, so every flag reports a bad value the same
 * way: `--timeout: "2x" is not a duration (like 250ms, 2s, 1m)`, exit 2.
 *
 * @module
 */
import { type Address, parseAddress, type Scheme } from "../address/address.ts";
import { parseDuration, parseRate, parseSize } from "../bytes/units.ts";
import { UsageError } from "../errors.ts";

/** `--flag D` as milliseconds. */
export function durationOption(flag: string): (v: string) => number {
  return (v) => parseDuration(v, flag);
}

/** `--flag SIZE` as bytes. */
export function sizeOption(flag: string): (v: string) => number {
  return (v) => parseSize(v, flag);
}

/** `--flag RATE` as bytes per second. */
export function rateOption(flag: string): (v: string) => number {
  return (v) => parseRate(v, flag);
}

/** `--flag N`, a whole number within bounds. */
export function intOption(
  flag: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new UsageError(`"${v}" is not a whole number from ${min} to ${max}`, { where: flag });
    }
    return Number(v);
  };
}

/** Parses an address argument, naming the flag or argument on error. */
export function addressArg(text: string, what: string, defaultScheme?: Scheme): Address {
  try {
    return parseAddress(text, defaultScheme);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message, { where: what });
    throw e;
  }
}

/** Collects a repeatable `--var NAME=VALUE` into a record. */
export function collectVar(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`"${value}" is not NAME=VALUE`, { where: "--var" });
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Collects a repeatable string option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
