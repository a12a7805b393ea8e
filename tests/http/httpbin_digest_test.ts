// /digest-auth: real `curl --digest` flows against serve http, and the same Digest
// conversations (MD5, SHA-256, SHA-512; auth, auth-int; stale nonces; require-cookie) with
// serve http and the real httpbin side by side.
import { assertEquals, assertMatch } from "@std/assert";
import { startHttpServer } from "../../lib/http/server/serve.ts";
import { needs } from "../helpers/peers.ts";
import { digestAuthorization, startRealHttpbin } from "./_httpbin.ts";

async function curl(...args: string[]): Promise<{ status: string; body: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(15_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const cut = text.lastIndexOf("\n");
  return { status: text.slice(cut + 1), body: text.slice(0, cut) };
}

Deno.test({
  name:
    "curl --digest authenticates with MD5 and SHA-256, auth and auth-int; a wrong password gets 401",
  ...needs("curl"),
  fn: async () => {
    await using server = await startHttpServer("http://127.0.0.1:0", { record: false });
    for (
      const path of [
        "auth/ann/pw",
        "auth/ann/pw/MD5",
        "auth/ann/pw/SHA-256",
        "auth-int/ann/pw",
        "x/ann/pw",
      ]
    ) {
      const ok = await curl("--digest", "-u", "ann:pw", `${server.url}/digest-auth/${path}`);
      assertEquals(ok.status, "200", path);
      assertEquals(JSON.parse(ok.body), { authenticated: true, user: "ann" });
    }
    const wrong = await curl("--digest", "-u", "ann:nope", `${server.url}/digest-auth/auth/ann/pw`);
    assertEquals(wrong.status, "401");
    const other = await curl("--digest", "-u", "bob:pw", `${server.url}/digest-auth/auth/ann/pw`);
    assertEquals(other.status, "401");
  },
});

interface Step {
  status: number;
  stale?: string;
  cookies: string;
}

/** One Digest conversation; what each answer said. */
async function converse(base: string, path: string, o: {
  pass?: string;
  qop?: string;
  replay?: boolean;
  cookie?: boolean;
}): Promise<Step[]> {
  const steps: Step[] = [];
  const jar = new Map<string, string>();
  const send = async (authorization?: string) => {
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    if (o.cookie !== false && jar.size) {
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    const res = await fetch(base + path, { headers, signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    for (const c of res.headers.getSetCookie()) {
      const [k, v] = c.split(";")[0]!.split("=");
      jar.set(k!, v!);
    }
    const challenge = res.headers.get("www-authenticate") ?? "";
    steps.push({
      status: res.status,
      stale: /stale=(\w+)/i.exec(challenge)?.[1]?.toUpperCase(),
      cookies: res.headers.getSetCookie().map((c) => c.split(";")[0]).sort().join(" ")
        .replace(/last_nonce=[0-9a-f]+/, "last_nonce=<nonce>"), // random on both
    });
    return challenge;
  };
  const challenge = await send();
  const auth = digestAuthorization(challenge, {
    user: "ann",
    pass: o.pass ?? "pw",
    method: "GET",
    uri: path,
    qop: o.qop,
  });
  await send(auth);
  if (o.replay) await send(auth);
  return steps;
}

Deno.test({
  name: "digest conversations go the same with serve http and the real httpbin",
  ...needs("httpbin"),
  fn: async () => {
    await using real = await startRealHttpbin();
    await using ours = await startHttpServer("http://127.0.0.1:0", { record: false });
    const conversations: [string, Parameters<typeof converse>[2], number[]][] = [
      ["/digest-auth/auth/ann/pw", {}, [401, 200]],
      ["/digest-auth/auth/ann/pw/SHA-256", {}, [401, 200]],
      ["/digest-auth/auth/ann/pw/SHA-512", {}, [401, 200]],
      ["/digest-auth/auth-int/ann/pw/SHA-512", {}, [401, 200]],
      ["/digest-auth/both/ann/pw/SHA-256", { qop: "auth-int" }, [401, 200]],
      ["/digest-auth/auth/ann/pw", { pass: "wrong", replay: true }, [401, 401, 401]],
      ["/digest-auth/auth/ann/pw/MD5/0", {}, [401, 401]],
      ["/digest-auth/auth/ann/pw/MD5/2", {}, [401, 200]],
      ["/digest-auth/auth/ann/pw?require-cookie=1", {}, [401, 200]],
      ["/digest-auth/auth/ann/pw?require-cookie=1", { cookie: false }, [401, 401]],
    ];
    for (const [path, opts, statuses] of conversations) {
      const [a, b] = await Promise.all([
        converse(real.url, path, opts),
        converse(ours.url, path, opts),
      ]);
      assertEquals(b.map((s) => s.status), statuses, path);
      if (path.includes("?") && statuses.at(-1) === 200) {
        // httpbin 0.7.0 answers 500 to right credentials on a path with a query (it adds
        // str and bytes in check_digest_auth); a difference documented in docs/HTTP.md
        assertEquals(a.map((s) => s.status), [...statuses.slice(0, -1), 500], path);
        continue;
      }
      assertEquals(b, a, `${path} ${JSON.stringify(opts)}: ours (actual) vs httpbin (expected)`);
    }
    // the stale flag: a nonce seen on a failure, or a stale_after count used up
    const replay = await converse(ours.url, "/digest-auth/auth/ann/pw", {
      pass: "x",
      replay: true,
    });
    assertEquals(replay.map((s) => s.stale), ["FALSE", "FALSE", "TRUE"]);
    const used = await converse(ours.url, "/digest-auth/auth/ann/pw/MD5/0", {});
    assertEquals(used[1]!.stale, "TRUE");
    assertMatch(used[1]!.cookies, /stale_after=0/);
  },
});
