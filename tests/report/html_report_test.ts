/**
 * The HTML report: every test's sequence diagram (open when it failed, with expected and
 * received at the failing point), filters, search, no network; checked in headless
 * Chromium: a screenshot of each page, and a DOM check that no two labels overlap.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";
import { needs } from "../helpers/peers.ts";
import { output } from "../helpers/process.ts";
import { tempDir } from "../helpers/temp.ts";

const LONG = "x".repeat(700);

/** Three connections, a long payload, binary bytes. */
const BUSY = `serve echo tcp://127.0.0.1:0 as srv
connect \${srv.address} as first
connect \${srv.address} as a_second_connection_with_a_rather_long_name_indeed
connect \${srv.address} as third
send first "PING\\r\\n"
expect first line "PING"
send a_second_connection_with_a_rather_long_name_indeed "${LONG}\\n"
expect a_second_connection_with_a_rather_long_name_indeed line /x+/
send third hex "00 01 02 ff fe 80 81 7f 10 20 30 40 50 60 70 80 90 a0 b0 c0 d0 e0 f0 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"
expect third bytes 39
close third
listen tcp://127.0.0.1:0 as lst
connect \${lst.address} as client
accept lst as server_side
send client "hello over a listener\\n"
expect server_side line "hello over a listener"
send server_side "\\x00\\x01 binary back"
expect client bytes 13
`;

/** Fails on its second connection: the diagram shows expected vs received there. */
const FAILING = `serve echo tcp://127.0.0.1:0 as srv
connect \${srv.address} as one
connect \${srv.address} as two
send one "hello\\n"
expect one line "hello"
send two "good morning, ${"y".repeat(300)}\\n"
expect two line "goodbye" within 1s
`;

async function suite() {
  const dir = await tempDir();
  await dir.write("net/busy.wire", BUSY);
  await dir.write("net/failing.wire", FAILING);
  await dir.write("plain/arith.wire", "assert 1 == 1\n");
  await dir.write("plain/later.wire", "# @skip not today\nassert 1 == 1\n");
  return dir;
}

/** Opens `page` in headless Chromium: its DOM after `check` ran, and a screenshot. */
async function chromium(page: string, shot: string, check: string) {
  const html = await Deno.readTextFile(page);
  const checked = page.replace(/\.html$/, ".checked.html");
  await Deno.writeTextFile(checked, html.replace("</body>", `<script>${check}</script></body>`));
  const common = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    `--user-data-dir=${page}.profile`,
    "--window-size=1400,1800",
  ];
  const dom = await output("chromium", {
    args: [...common, "--virtual-time-budget=2000", "--dump-dom", `file://${checked}`],
    deadlineMs: 60_000,
  });
  assertEquals(dom.code, 0, new TextDecoder().decode(dom.stderr));
  // the screenshot shows every test opened
  const opened = page.replace(/\.html$/, ".opened.html");
  await Deno.writeTextFile(
    opened,
    html.replace(
      "</body>",
      `<script>for (const d of document.querySelectorAll("details")) d.open = true;</script></body>`,
    ),
  );
  const shotRun = await output("chromium", {
    args: [...common, `--screenshot=${shot}`, `file://${opened}`],
    deadlineMs: 60_000,
  });
  assertEquals(shotRun.code, 0, new TextDecoder().decode(shotRun.stderr));
  const m = /<pre id="check">([^<]*)<\/pre>/.exec(new TextDecoder().decode(dom.stdout));
  assert(m, "the check ran in the page");
  return JSON.parse(
    m[1]!.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll(
      "&amp;",
      "&",
    ),
  );
}

/** Opens every test, then measures every label of every diagram against every other. */
const OVERLAP_CHECK = `
for (const d of document.querySelectorAll("details")) d.open = true;
const overlaps = [];
let labels = 0;
for (const svg of document.querySelectorAll("svg.seq")) {
  const s = svg.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll("text")].map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }));
  labels += boxes.length;
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    if (a.r.left < s.left - 0.5 || a.r.right > s.right + 0.5) overlaps.push(["outside", a.text]);
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j];
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 0.5 && y > 0.5) overlaps.push([a.text, b.text]);
    }
  }
}
const search = document.getElementById("search");
search.value = "FAILING";
search.dispatchEvent(new Event("input", { bubbles: true }));
const shownBySearch = [...document.querySelectorAll("details.test")].filter((t) => !t.hidden).map((t) => t.dataset.name);
search.value = "";
document.querySelector("input[value=passed]").checked = false;
search.dispatchEvent(new Event("input", { bubbles: true }));
const shownByStatus = [...document.querySelectorAll("details.test")].filter((t) => !t.hidden).map((t) => t.dataset.name);
const pre = document.createElement("pre");
pre.id = "check";
pre.textContent = JSON.stringify({ overlaps, labels, diagrams: document.querySelectorAll("svg.seq").length, shownBySearch, shownByStatus, resources: performance.getEntriesByType("resource").length });
document.body.append(pre);
`;

Deno.test("test --reporter html: a diagram per test, the failing one open with expected and received", async () => {
  await using dir = await suite();
  const r = await runCli(["test", ".", "--reporter", "html:report.html"], { cwd: dir.path });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  assertEquals(r.stdout, "2 passed, 1 failed, 1 skipped\n");
  const html = await Deno.readTextFile(dir.join("report.html"));
  // self-contained: nothing fetched
  assert(!/(src|href)="(https?:)?\/\//.test(html), "no external resource");
  const entry = (name: string) => {
    const m = new RegExp(
      `<details class="test (\\w+)"[^>]*data-name="${name}"([^>]*)>([\\s\\S]*?)</details>`,
    ).exec(html);
    assert(m, `an entry for ${name}`);
    return { status: m[1], open: m[2]!.includes("open"), body: m[3]! };
  };
  const busy = entry("net/busy.wire");
  assertEquals([busy.status, busy.open], ["passed", false]);
  assertStringIncludes(busy.body, "<svg");
  assertStringIncludes(busy.body, "hex 00 01 02 ff fe 80 81");
  assertStringIncludes(busy.body, "… 701 bytes in all"); // the 700-byte payload is elided
  for (const name of ["first", "third", "lst", "client", "server_side"]) {
    assertStringIncludes(busy.body, `class="head">${name}</text>`);
  }
  // a long name is elided to its lane; each connection names its server
  assertMatch(
    busy.body,
    /class="head"><title>a_second_connection_with_a_rather_long_name_indeed<\/title>a_second_\w+…<\/text>/,
  );
  assertEquals(
    busy.body.match(/class="event">to (srv|lst) \(tcp:\/\/127\.0\.0\.1:\d+\)</g)?.length,
    4,
  );
  // the listener's lifeline shows the accept; the accepted side names its client
  assertMatch(busy.body, /class="event">accepted tcp:\/\/127\.0\.0\.1:\d+</);
  assertMatch(busy.body, /class="event">from tcp:\/\/127\.0\.0\.1:\d+</);
  assertStringIncludes(busy.body, "hex 00 01 20 62 69 6e 61 72 79 20 62 61 63 6b");
  const failing = entry("net/failing.wire");
  assertEquals([failing.status, failing.open], ["failed", true]);
  assertStringIncludes(failing.body, 'class="failure"');
  assertStringIncludes(failing.body, "expected: line &quot;goodbye&quot;");
  assertStringIncludes(failing.body, "received: &quot;good morning, yyy");
  const skipped = entry("plain/later.wire");
  assertEquals(skipped.status, "skipped");
  assertStringIncludes(html, 'id="search"');
});

Deno.test({
  name: "html report in headless Chromium: no label overlaps another, filters and search work",
  ...needs("chromium"),
  async fn() {
    await using dir = await suite();
    const r = await runCli(["test", ".", "--reporter", "html:report.html"], { cwd: dir.path });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    const shots = Deno.env.get("WIREPLAY_SCREENSHOTS") ?? dir.path;
    const check = await chromium(dir.join("report.html"), `${shots}/report.png`, OVERLAP_CHECK);
    assertEquals(check.overlaps, []);
    assertEquals(check.diagrams, 2); // plain/arith.wire has no exchanges
    assert(check.labels > 20, `${check.labels} labels measured`);
    assertEquals(check.resources, 0, "nothing loaded from anywhere");
    assertEquals(check.shownBySearch, ["net/failing.wire"]);
    assertEquals(check.shownByStatus, ["net/failing.wire", "plain/later.wire"]);
    const png = await Deno.readFile(`${shots}/report.png`);
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert(png.byteLength > 10_000, `a screenshot with something on it (${png.byteLength} bytes)`);
  },
});

Deno.test({
  name: "run --trace in headless Chromium: many connections, long and binary payloads, no overlap",
  ...needs("chromium"),
  async fn() {
    await using dir = await suite();
    const r = await runCli(["run", "net/failing.wire", "--trace", "trace.html"], { cwd: dir.path });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    const page = await Deno.readTextFile(dir.join("trace.html"));
    assertStringIncludes(page, "expected: line &quot;goodbye&quot;");
    const shots = Deno.env.get("WIREPLAY_SCREENSHOTS") ?? dir.path;
    const check = await chromium(
      dir.join("trace.html"),
      `${shots}/trace.png`,
      OVERLAP_CHECK.replace(
        /const search[\s\S]*?const pre/,
        "const shownBySearch = [], shownByStatus = [];\nconst pre",
      ),
    );
    assertEquals(check.overlaps, []);
    assertEquals(check.diagrams, 1);
  },
});
