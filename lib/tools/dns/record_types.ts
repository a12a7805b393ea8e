/**
 * The DNS record types `dns` asks for (kept apart from the resolver so the CLI can list
 * them without loading it).
 *
 * @module
 */

/**
 * The record types `dns` asks for.
 *
 * @example The record types a lookup can ask for
 * ```ts
 * import { RECORD_TYPES } from "@wireplay/wireplay/tools";
 * import { assert } from "@std/assert";
 * assert(RECORD_TYPES.includes("MX"));
 * ```
 */
export const RECORD_TYPES = [
  "A",
  "AAAA",
  "CNAME",
  "MX",
  "NS",
  "TXT",
  "SRV",
  "PTR",
  "SOA",
  "CAA",
  "NAPTR",
] as const;
/**
 * One of {@linkcode RECORD_TYPES}.
 *
 * @example Only the types Deno resolves
 * ```ts
 * import { RECORD_TYPES, type RecordType } from "@wireplay/wireplay/tools";
 * function recordType(flag: string): RecordType | undefined {
 *   return RECORD_TYPES.find((t) => t === flag.toUpperCase());
 * }
 * ```
 */
export type RecordType = typeof RECORD_TYPES[number];
