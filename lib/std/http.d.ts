// Types for the parts of the untyped registry copy of @std/http that we use.
export function eTag(
  entity: string | Uint8Array | Deno.FileInfo,
  options?: { weak?: boolean },
): Promise<string | undefined>;
export function ifNoneMatch(value: string | null, etag: string | undefined): boolean;
export function ifMatch(value: string | null, etag: string | undefined): boolean;
export interface Cookie {
  name: string;
  value: string;
  expires?: Date | number;
  maxAge?: number;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
}
export function getCookies(headers: Headers): Record<string, string>;
export function setCookie(headers: Headers, cookie: Cookie): void;
export function deleteCookie(
  headers: Headers,
  name: string,
  attributes?: { path?: string; domain?: string },
): void;
export function getSetCookies(headers: Headers): Cookie[];
export const STATUS_TEXT: Readonly<Record<number, string>>;
export function isRedirectStatus(status: number): boolean;
export function contentType(extensionOrType: string): string | undefined;
export function typeByExtension(extension: string): string | undefined;
export function accepts(request: Request, ...types: string[]): string | string[] | undefined;
export function acceptsEncodings(
  request: Request,
  ...encodings: string[]
): string | string[] | undefined;
