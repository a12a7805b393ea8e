// Re-exports the working parts of the registry copy of @std/http (see http.ts).
export { eTag, ifMatch, ifNoneMatch } from "npm:deno-std@1.4.0/http/etag.js";
export {
  deleteCookie,
  getCookies,
  getSetCookies,
  setCookie,
} from "npm:deno-std@1.4.0/http/cookie.js";
export { isRedirectStatus, STATUS_TEXT } from "npm:deno-std@1.4.0/http/status.js";
export { accepts, acceptsEncodings } from "npm:deno-std@1.4.0/http/negotiation.js";
export { contentType, typeByExtension } from "npm:deno-std@1.4.0/media_types/mod.js";
