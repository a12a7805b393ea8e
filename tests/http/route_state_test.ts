// Issue 12: HTTP routes with scenario states (`when state S`, `set state S`) and
// responses templated from the JSON request body (`{{json.field}}`).
import { assert, assertStringIncludes } from "@std/assert";
import { runScript } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";

async function run(text: string) {
  return await runScript(parseScript(text, "t.wire"));
}

Deno.test("route: when state / set state gate responses; JSON body fields in templates", async () => {
  const r = await run(`serve http http://127.0.0.1:0 as api
route api GET /cart 200 json {"items": []}
route api POST /cart 201 json {"added": "{{json.item.name}}", "qty": "{{json.qty}}"} set state full
route api GET /cart 200 json {"items": ["apple"]} when state full
route api DELETE /cart 204 when state full set state start
http GET \${api.url}/cart
expect json $.items == []
http POST \${api.url}/cart json {"item": {"name": "apple"}, "qty": 3}
expect status 201
expect json $.added == "apple"
expect json $.qty == "3"
http GET \${api.url}/cart
expect json $.items == ["apple"]
http DELETE \${api.url}/cart
expect status 204
http GET \${api.url}/cart
expect json $.items == []
http DELETE \${api.url}/cart
expect status 404
`);
  assert(r.ok, r.failure?.message);
});

Deno.test("route: a bad state clause is one line naming the place", () => {
  try {
    parseScript("serve http http://127.0.0.1:0 as api\nroute api GET /a 200 when full\n", "t.wire");
  } catch (e) {
    assertStringIncludes((e as Error).message, 'expected "state" after when');
    assertStringIncludes((e as { where?: string }).where ?? "", "t.wire:2:");
    return;
  }
  throw new Error("it parsed");
});
