/**
 * The `@std/assert` seam. JSR is not reachable from our machines, so this maps the
 * name to `npm:deno-std` (a registry copy of the Deno standard library, JavaScript
 * only) and gives it the standard library's types from `assert.d.ts`.
 *
 * @module
 */
// @ts-types="./assert.d.ts"
export * from "npm:deno-std@1.4.0/assert/mod.js";
