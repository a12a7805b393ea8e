/**
 * `/status/{codes}`: one code, or a comma list picked at random by weight
 * (`200,500` or `200:0.9,500:0.1`), answered as httpbin's `status_code()` does — a
 * `Location` for redirects, a challenge for 401 and 407, a teapot for 418.
 *
 * @module
 */
import { empty, json, text } from "./httpbin_context.ts";

const TEAPOT = `
    -=[ I'm a teapot ]=-

        _...._
      .'  _ _ \`.
     | ."\` ^ \`". _,
     \\_;\`"---"\`|//
       |       ;/
       \\_     _/
         \`"""\`
`;

/** The media types `/image` serves, as its 406 answer lists them. */
export const IMAGE_TYPES = ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"];

/** The `/status/{codes}` answer, or 400 for a list that is not codes (with weights). */
export function statusEndpoint(codes: string, random: () => number = Math.random): Response {
  const choices: { code: number; weight: number }[] = [];
  for (const choice of codes.split(",")) {
    const m = /^(\d{3})(?::(\d+(?:\.\d*)?|\.\d+))?$/.exec(choice.trim());
    if (!m) return text(400, "Invalid status code");
    choices.push({ code: Number(m[1]), weight: m[2] === undefined ? 1 : Number(m[2]) });
  }
  const code = pick(choices, random);
  if (code === undefined || code < 200 || code > 599) {
    return text(400, "Invalid status code (wireplay answers 200 to 599)");
  }
  return statusResponse(code);
}

/** A weighted random pick (undefined when every weight is 0). */
function pick(choices: { code: number; weight: number }[], random: () => number) {
  const total = choices.reduce((s, c) => s + c.weight, 0);
  if (!(total > 0)) return undefined;
  let x = random() * total;
  for (const c of choices) {
    if (x < c.weight) return c.code;
    x -= c.weight;
  }
  return choices.findLast((c) => c.weight > 0)?.code;
}

/** The answer httpbin gives for a bare status code. */
export function statusResponse(code: number): Response {
  switch (code) {
    case 301:
    case 302:
    case 303:
    case 305:
    case 307:
      return new Response(null, { status: code, headers: { location: "/redirect/1" } });
    case 401:
      return new Response(null, {
        status: code,
        headers: { "www-authenticate": 'Basic realm="Fake Realm"' },
      });
    case 402:
      return new Response(bytes("Pay me!"), {
        status: code,
        headers: { "x-more-info": "http://vimeo.com/22053820" },
      });
    case 406:
      return json(
        { message: "Client did not request a supported media type.", accept: IMAGE_TYPES },
        406,
      );
    case 407:
      return new Response(null, {
        status: code,
        headers: { "proxy-authenticate": 'Basic realm="Fake Realm"' },
      });
    case 418:
      return new Response(bytes(TEAPOT), {
        status: code,
        headers: { "x-more-info": "http://tools.ietf.org/html/rfc2324" },
      });
    default:
      return empty(code);
  }
}

/** Bytes, so the body gets no content type (httpbin sends none with these). */
function bytes(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s);
}
