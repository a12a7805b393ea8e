/**
 * The fixed and generated documents of the httpbin-style endpoints: `/xml`, `/robots.txt`,
 * `/deny`, `/encoding/utf8`, `/forms/post`, `/links/{n}/{offset}` and `/base64/{value}`.
 * Written for wireplay, in the types httpbin serves them with.
 *
 * @module
 */
import { HTML_TYPE, notFound, parseCount, redirect, text } from "./httpbin_context.ts";

const XML = `<?xml version='1.0' encoding='us-ascii'?>

<!--  A SAMPLE set of slides: the same slideshow as /json  -->

<slideshow
    title="Sample Slide Show"
    date="Date of publication"
    author="Yours Truly"
    >

    <!-- TITLE SLIDE -->
    <slide type="all">
      <title>Wake up to WonderWidgets!</title>
    </slide>

    <!-- OVERVIEW -->
    <slide type="all">
        <title>Overview</title>
        <item>Why <em>WonderWidgets</em> are great</item>
        <item/>
        <item>Who <em>buys</em> WonderWidgets</item>
    </slide>

</slideshow>
`;

const ROBOTS = "User-agent: *\nDisallow: /deny\n";

const DENY = `
      .-""""-.
     /  -  -  \\
    |  (o)(o)  |
    |    __    |
     \\  '--'  /
      '-....-'
     YOU SHOULDN'T BE HERE
`;

const UTF8 = `<h1>UTF-8 encoded sample text</h1>
<pre>
Latin-1:    ÀÉÎÕÜ àéîõü ñ ç ß ÿ
Greek:      Σὲ γνωρίζω ἀπὸ τὴν κόψη
Cyrillic:   Съешь же ещё этих мягких французских булок
Hebrew:     עִבְרִית
Arabic:     العربية
Devanagari: हिन्दी
Thai:       ภาษาไทย
CJK:        日本語 中文 한국어
Math:       ∀x∈ℝ: ⌈x⌉ = −⌊−x⌋, ∑ᵢ aᵢ ≤ ∞
Symbols:    ← ↑ → ↓ ⇔ ★ ☂ ♞ ✓ € £ ¥
Emoji:      🐢 🚀 🌍 (outside the BMP)
Combining:  e\u0301 (e + U+0301) a\u0308 (a + U+0308)
</pre>
`;

const FORM = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>A pizza order</title></head>
<body>
<form method="post" action="/post">
  <p><label>Customer name: <input name="custname"></label></p>
  <p><label>Telephone: <input type="tel" name="custtel"></label></p>
  <p><label>E-mail address: <input type="email" name="custemail"></label></p>
  <fieldset>
    <legend>Pizza Size</legend>
    <p><label><input type="radio" name="size" value="small"> Small</label></p>
    <p><label><input type="radio" name="size" value="medium"> Medium</label></p>
    <p><label><input type="radio" name="size" value="large"> Large</label></p>
  </fieldset>
  <fieldset>
    <legend>Pizza Toppings</legend>
    <p><label><input type="checkbox" name="topping" value="bacon"> Bacon</label></p>
    <p><label><input type="checkbox" name="topping" value="cheese"> Extra Cheese</label></p>
    <p><label><input type="checkbox" name="topping" value="onion"> Onion</label></p>
    <p><label><input type="checkbox" name="topping" value="mushroom"> Mushroom</label></p>
  </fieldset>
  <p><label>Preferred delivery time: <input type="time" min="11:00" max="21:00" step="900" name="delivery"></label></p>
  <p><label>Delivery instructions: <textarea name="comments"></textarea></label></p>
  <p><button>Submit order</button></p>
</form>
</body>
</html>
`;

/** `/xml`. */
export const xmlEndpoint = (): Response => text(200, XML, "application/xml");
/** `/robots.txt`. */
export const robotsEndpoint = (): Response => text(200, ROBOTS, "text/plain");
/** `/deny`. */
export const denyEndpoint = (): Response => text(200, DENY, "text/plain");
/** `/encoding/utf8`. */
export const utf8Endpoint = (): Response => text(200, UTF8, HTML_TYPE);
/** `/forms/post`: an HTML form that posts to `/post`. */
export const formEndpoint = (): Response => text(200, FORM, HTML_TYPE);

/**
 * `/links/{n}/{offset}`: a page of `n` (1 to 200) links to its siblings, `offset` not a
 * link; `/links/{n}` redirects to offset 0.
 */
export function linksEndpoint(params: string[]): Response {
  const n = parseCount(params[0], Number.MAX_SAFE_INTEGER);
  const offset = params.length === 2 ? parseCount(params[1], Number.MAX_SAFE_INTEGER) : 0;
  if (n === undefined || offset === undefined || params.length > 2) return notFound();
  const count = Math.min(Math.max(1, n), 200);
  if (params.length === 1) return redirect(`/links/${count}/0`);
  const links = Array.from(
    { length: count },
    (_, i) => i === offset ? `${i} ` : `<a href='/links/${count}/${i}'>${i}</a> `,
  );
  return text(
    200,
    `<html><head><title>Links</title></head><body>${links.join("")}</body></html>`,
    HTML_TYPE,
  );
}

/** `/base64/{value}`: the URL-safe base64 value decoded, as UTF-8 text. */
export function base64Endpoint(params: string[]): Response {
  if (params.length !== 1) return notFound();
  const value = params[0]!.replaceAll("-", "+").replaceAll("_", "/");
  try {
    const padded = value + "=".repeat((4 - value.length % 4) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return text(200, new TextDecoder("utf-8", { fatal: true }).decode(bytes), HTML_TYPE);
  } catch {
    return text(400, "Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l");
  }
}
