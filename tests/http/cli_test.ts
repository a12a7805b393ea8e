// `cli.ts serve http` as a subprocess: prints the bound URL, serves (curl), stops on SIGTERM;
// TLS with a generated certificate or --cert/--key; bad input exits 2 with one line.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/temp.ts";
import { opensslCertificates } from "./_peers.ts";
import { needs } from "../helpers/peers.ts";
import { output, statusOf, textUntilEnd } from "../helpers/process.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

/** Starts `serve http …`, returns the first stdout line (the JSON announcement) and the process. */
async function serve(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, "serve", "http", ...args, "--json"],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  // bounded: a server that never announces itself is killed, which ends the read
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  clearTimeout(killer);
  const stderr = { readable: child.stderr };
  if (!text.includes("\n")) {
    await statusOf(child, "serve http (killed: no announcement)", 10_000);
    await reader.cancel();
    const err = await textUntilEnd(stderr, "serve http's stderr", 2_000);
    throw new Error(`serve http printed no announcement line (within 30 s): ${err}`);
  }
  return {
    child,
    info: JSON.parse(text.split("\n")[0]!) as { url: string; port: number; certPath?: string },
    async stop() {
      child.kill("SIGTERM");
      const status = await statusOf(child, "serve http after SIGTERM", 10_000);
      await reader.cancel();
      const err = await textUntilEnd(stderr, "serve http's stderr", 2_000);
      return { status, err };
    },
  };
}

async function curl(...args: string[]): Promise<string> {
  const out = await output("curl", { args: ["-sS", "--max-time", "10", ...args] });
  assert(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "cli: serve http prints its URL, serves root and endpoints, stops on SIGTERM",
  ...needs("curl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-cli-http-");
    await dir.write("site/hello.txt", "hi from root\n");
    const s = await serve(["http://127.0.0.1:0", "--root", dir.join("site")]);
    assertMatch(s.info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertEquals(await curl(`${s.info.url}/hello.txt`), "hi from root\n");
    assertEquals(JSON.parse(await curl(`${s.info.url}/get?a=b`)).args, { a: "b" });
    const { status, err } = await s.stop();
    assertEquals(status.code, 0, err);
  },
});

Deno.test({
  name: "cli: serve http on https:// makes a certificate curl trusts via --cacert",
  ...needs("curl"),
  fn: async () => {
    const s = await serve(["https://127.0.0.1:0"]);
    try {
      assertMatch(s.info.url, /^https:/);
      assert(s.info.certPath);
      const body = await curl("--cacert", s.info.certPath, `${s.info.url}/uuid`);
      assertMatch(JSON.parse(body).uuid, /^[0-9a-f-]{36}$/);
    } finally {
      await s.stop();
    }
  },
});

Deno.test({
  name: "cli: serve http with --cert/--key from openssl",
  ...needs("openssl", "curl"),
  fn: async () => {
    await using dir = await tempDir("wireplay-cli-tls-");
    const certs = await opensslCertificates(dir.path);
    const s = await serve(["tls://127.0.0.1:0", "--cert", certs.certPath, "--key", certs.keyPath]);
    try {
      assertEquals(s.info.certPath, undefined);
      const body = await curl("--cacert", certs.caPath, `https://localhost:${s.info.port}/json`);
      assertStringIncludes(body, "Sample Slide Show");
    } finally {
      await s.stop();
    }
  },
});

Deno.test("cli: bad input exits 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["serve", "http", "udp://127.0.0.1:0"], "address: serve http listens on"],
    [["serve", "http", "http://127.0.0.1:0", "--root", "/no/such/dir"], "does not exist"],
    [
      ["serve", "http", "https://127.0.0.1:0", "--cert", "/no/such.pem", "--key", "/no/key.pem"],
      "--cert: cannot read",
    ],
    [["serve", "http", "bogus://x:1"], 'unknown scheme "bogus"'],
  ];
  for (const [args, message] of cases) {
    const out = await output(Deno.execPath(), {
      args: ["run", "-A", "--quiet", CLI, ...args],
      deadlineMs: 60_000, // killed, and failing by name, if it never ends
    });
    const err = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 2, `${args.join(" ")}: ${err}`);
    assertStringIncludes(err, message);
    assertEquals(err.trim().split("\n").length, 1, err);
  }
});
