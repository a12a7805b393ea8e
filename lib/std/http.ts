/**
 * The `@std/http` seam: ETag, cookie, status and content-negotiation helpers from
 * `npm:deno-std` (a registry copy of the Deno standard library), typed by `http.d.ts`,
 * plus `contentType` from its media-types module. The registry copy's `file_server.js`
 * does not load (it imports files the package does not ship), so static file serving
 * is ours: see `lib/http/`.
 *
 * @module
 */
// @ts-types="./http.d.ts"
export * from "./_http_impl.js";
