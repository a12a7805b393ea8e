/**
 * Form bodies for the client: `application/x-www-form-urlencoded` from `name=value`
 * pairs, and `multipart/form-data` from fields and files, as a browser (and curl's
 * `-F`) sends them.
 *
 * @module
 */

/**
 * One part of a multipart body: a field, or a file with its name and bytes.
 *
 * @example Upload a file with a field
 * ```ts
 * import type { MultipartPart } from "@wireplay/wireplay/http";
 * const parts: MultipartPart[] = [
 *   { kind: "field", name: "title", value: "notes" },
 *   { kind: "file", name: "upload", filename: "notes.txt", bytes: new TextEncoder().encode("hi"), type: "text/plain" },
 * ];
 * // await httpRequest({ method: "POST", url, multipart: parts })
 * ```
 */
export type MultipartPart =
  | { kind: "field"; name: string; value: string }
  | { kind: "file"; name: string; filename: string; bytes: Uint8Array; type?: string };

/** An encoded body and its `Content-Type`. */
export interface EncodedBody {
  body: Uint8Array;
  contentType: string;
}

/** `a=b&c=d`, encoded as HTML forms are. */
export function urlencodedBody(pairs: [string, string][]): EncodedBody {
  return {
    body: new TextEncoder().encode(new URLSearchParams(pairs).toString()),
    contentType: "application/x-www-form-urlencoded",
  };
}

/** A `multipart/form-data` body with a fresh boundary (the platform's own encoder). */
export async function multipartBody(parts: MultipartPart[]): Promise<EncodedBody> {
  const form = new FormData();
  for (const p of parts) {
    if (p.kind === "field") form.append(p.name, p.value);
    else {
      const blob = new Blob([p.bytes as Uint8Array<ArrayBuffer>], {
        type: p.type ?? "application/octet-stream",
      });
      form.append(p.name, blob, p.filename);
    }
  }
  const req = new Request("http://form.invalid/", { method: "POST", body: form });
  return {
    body: new Uint8Array(await req.arrayBuffer()),
    contentType: req.headers.get("content-type")!,
  };
}

/** Splits `"name=value"` at the first `=` (a missing `=` is an empty value). */
export function splitPair(text: string): [string, string] {
  const eq = text.indexOf("=");
  return eq < 0 ? [text, ""] : [text.slice(0, eq), text.slice(eq + 1)];
}
